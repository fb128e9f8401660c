/**
 * Signature algorithm dispatch for the verifier: one table from ASN.1 algorithm identifiers to
 * node:crypto verify calls. Algorithms are data (DESIGN.md "Keys"): CMS, certificates, CRLs,
 * OCSP responses and time-stamp tokens all come through `verifySignatureValue`.
 *
 * A signature that verifies with a weak algorithm (SHA-1, RSA under 2048 bits) is reported as verified
 * AND weak, and one with an algorithm this table does not know as unsupported: ETSI EN 319 102-1 calls
 * both INDETERMINATE (crypto constraints) rather than INVALID, since neither proves the signature wrong.
 */
import { createHash, createPublicKey, createVerify, constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { Lru } from './lru.js';

/** Digests the verifier computes. SHA-1 only to judge it weak (and for OCSP CertIDs, which commonly use it). */
export type HashName = 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SHA3-256' | 'SHA3-384' | 'SHA3-512' | 'SHAKE256';

const DIGEST_OIDS: Record<string, HashName> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.4': 'SHA-224',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
  '2.16.840.1.101.3.4.2.8': 'SHA3-256',
  '2.16.840.1.101.3.4.2.9': 'SHA3-384',
  '2.16.840.1.101.3.4.2.10': 'SHA3-512',
  // RFC 8419: Ed448 in CMS digests with SHAKE256 (512-bit output), as id-shake256 or id-shake256-len.
  '2.16.840.1.101.3.4.2.12': 'SHAKE256',
  '2.16.840.1.101.3.4.2.18': 'SHAKE256',
};
const HASH_OID: Record<HashName, string> = {
  'SHA-1': '1.3.14.3.2.26',
  'SHA-224': '2.16.840.1.101.3.4.2.4',
  'SHA-256': '2.16.840.1.101.3.4.2.1',
  'SHA-384': '2.16.840.1.101.3.4.2.2',
  'SHA-512': '2.16.840.1.101.3.4.2.3',
  'SHA3-256': '2.16.840.1.101.3.4.2.8',
  'SHA3-384': '2.16.840.1.101.3.4.2.9',
  'SHA3-512': '2.16.840.1.101.3.4.2.10',
  SHAKE256: '2.16.840.1.101.3.4.2.12',
};

const NODE_HASH: Record<HashName, string> = {
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA3-256': 'sha3-256',
  'SHA3-384': 'sha3-384',
  'SHA3-512': 'sha3-512',
  SHAKE256: 'shake256',
};

/** Digests too weak for a signature today (ETSI TS 119 312): a signature over one is INDETERMINATE. */
const WEAK_HASHES = new Set<HashName>(['SHA-1']);

export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
export const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
export const OID_ED25519 = '1.3.101.112';
export const OID_ED448 = '1.3.101.113';
const OID_MGF1 = '1.2.840.113549.1.1.8';

interface AlgorithmEntry {
  /** ECDSA-plain: BSI TR-03111 r‖s signature values instead of a DER SEQUENCE. */
  family: 'RSA' | 'ECDSA' | 'ECDSA-plain' | 'RSA-PSS' | 'EdDSA';
  /** Fixed hash for "xWithY" identifiers; absent when the hash comes from the CMS digestAlgorithm. */
  hash?: HashName;
}
const SIGNATURE_OIDS: Record<string, AlgorithmEntry> = {
  '1.2.840.113549.1.1.5': { family: 'RSA', hash: 'SHA-1' },
  '1.2.840.113549.1.1.14': { family: 'RSA', hash: 'SHA-224' },
  '1.2.840.113549.1.1.11': { family: 'RSA', hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { family: 'RSA', hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { family: 'RSA', hash: 'SHA-512' },
  '2.16.840.1.101.3.4.3.14': { family: 'RSA', hash: 'SHA3-256' },
  '2.16.840.1.101.3.4.3.15': { family: 'RSA', hash: 'SHA3-384' },
  '2.16.840.1.101.3.4.3.16': { family: 'RSA', hash: 'SHA3-512' },
  [OID_RSA_ENCRYPTION]: { family: 'RSA' },
  [OID_RSASSA_PSS]: { family: 'RSA-PSS' },
  '1.2.840.10045.4.1': { family: 'ECDSA', hash: 'SHA-1' },
  '1.2.840.10045.4.3.1': { family: 'ECDSA', hash: 'SHA-224' },
  '1.2.840.10045.4.3.2': { family: 'ECDSA', hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { family: 'ECDSA', hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { family: 'ECDSA', hash: 'SHA-512' },
  '2.16.840.1.101.3.4.3.10': { family: 'ECDSA', hash: 'SHA3-256' },
  '2.16.840.1.101.3.4.3.11': { family: 'ECDSA', hash: 'SHA3-384' },
  '2.16.840.1.101.3.4.3.12': { family: 'ECDSA', hash: 'SHA3-512' },
  [OID_EC_PUBLIC_KEY]: { family: 'ECDSA' },
  // BSI TR-03111 ecdsa-plain-SHA* (0.4.0.127.0.7.1.1.4.1.x), as German and EU signers write them.
  '0.4.0.127.0.7.1.1.4.1.1': { family: 'ECDSA-plain', hash: 'SHA-1' },
  '0.4.0.127.0.7.1.1.4.1.2': { family: 'ECDSA-plain', hash: 'SHA-224' },
  '0.4.0.127.0.7.1.1.4.1.3': { family: 'ECDSA-plain', hash: 'SHA-256' },
  '0.4.0.127.0.7.1.1.4.1.4': { family: 'ECDSA-plain', hash: 'SHA-384' },
  '0.4.0.127.0.7.1.1.4.1.5': { family: 'ECDSA-plain', hash: 'SHA-512' },
  '0.4.0.127.0.7.1.1.4.1.8': { family: 'ECDSA-plain', hash: 'SHA3-256' },
  '0.4.0.127.0.7.1.1.4.1.9': { family: 'ECDSA-plain', hash: 'SHA3-384' },
  '0.4.0.127.0.7.1.1.4.1.10': { family: 'ECDSA-plain', hash: 'SHA3-512' },
  // RFC 8410/8419: pure EdDSA, the data itself is signed.
  [OID_ED25519]: { family: 'EdDSA' },
  [OID_ED448]: { family: 'EdDSA' },
};

const ALLOWED_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1', 'brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1']);
const MIN_RSA_BITS = 2048;

export function hashFromOid(oid: string): HashName | undefined {
  return DIGEST_OIDS[oid];
}
export function oidFromHash(hash: HashName): string {
  return HASH_OID[hash];
}
/** The name of a weak digest (for the report), or undefined when it is strong enough. */
export function weakHash(hash: HashName): string | undefined {
  return WEAK_HASHES.has(hash) ? hash : undefined;
}
export function digest(hash: HashName, data: Uint8Array | Uint8Array[]): Buffer {
  const h = createHash(NODE_HASH[hash], hash === 'SHAKE256' ? { outputLength: 64 } : undefined);
  for (const part of Array.isArray(data) ? data : [data]) h.update(part);
  return h.digest();
}
/** Hash names for OCSP CertID matching (which may use SHA-1). */
export function certIdHashFromOid(oid: string): HashName | undefined {
  return DIGEST_OIDS[oid];
}

export type SignatureCheck =
  /** `weak` names what makes a verified signature too weak to rely on ("SHA-1", "RSA-1024"). */
  | { ok: true; algorithm: string; weak?: string }
  | { ok: false; reason: 'signature-invalid' | 'unsupported-algorithm' | 'rsa-not-allowed'; algorithm: string };

/** An AlgorithmIdentifier: pkijs's class fits, and so does the DER reader's plain object. */
export interface AlgorithmId { algorithmId: string; algorithmParams?: unknown }

export interface VerifySignatureInput {
  algorithm: AlgorithmId;
  /** For identifiers that name no hash (rsaEncryption, ecPublicKey in CMS): the SignerInfo digestAlgorithm. */
  digestAlgorithmOid?: string;
  /** SubjectPublicKeyInfo DER of the signer. */
  spki: Uint8Array;
  /** The signed data, or its parts in order (hashed as one stream: a document is never copied). */
  data: Uint8Array | Uint8Array[];
  signature: Uint8Array;
  allowRsa?: boolean;
}

function pssParams(params: unknown): { hash: HashName; saltLength: number } | undefined {
  // RSASSA-PSS-params: [0] hashAlgorithm (default SHA-1), [1] maskGenAlgorithm, [2] saltLength (default 20), [3] trailerField.
  if (!(params instanceof asn1js.Sequence)) return undefined;
  let pss: pkijs.RSASSAPSSParams;
  try {
    pss = new pkijs.RSASSAPSSParams({ schema: params });
  } catch {
    return undefined;
  }
  const hash = hashFromOid(pss.hashAlgorithm.algorithmId);
  if (!hash) return undefined;
  if (pss.maskGenAlgorithm.algorithmId !== OID_MGF1) return undefined;
  const mgfHash = pss.maskGenAlgorithm.algorithmParams instanceof asn1js.Sequence
    ? new pkijs.AlgorithmIdentifier({ schema: pss.maskGenAlgorithm.algorithmParams }).algorithmId
    : undefined;
  // node:crypto uses the signature hash for MGF1 too; other combinations are refused, not guessed.
  if (mgfHash !== HASH_OID[hash]) return undefined;
  if (pss.trailerField !== 1) return undefined;
  return { hash, saltLength: pss.saltLength };
}

const keyCache = new Lru<string, KeyObject>(1024);
export function publicKeyFromSpki(spki: Uint8Array): KeyObject {
  const buf = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength);
  return keyCache.getOr(buf.toString('latin1'), () => createPublicKey({ key: Buffer.from(buf), format: 'der', type: 'spki' }));
}

/** node:crypto's streaming verify over the parts (RSA, ECDSA); EdDSA signs the whole message at once. */
function verifyParts(hash: string | null, parts: Uint8Array[], key: KeyObject | { key: KeyObject; [k: string]: unknown }, signature: Uint8Array): boolean {
  if (hash === null) return cryptoVerify(null, parts.length === 1 ? parts[0]! : Buffer.concat(parts), key as KeyObject, signature);
  if (parts.length === 1) return cryptoVerify(hash, parts[0]!, key as KeyObject, signature);
  const v = createVerify(hash);
  for (const p of parts) v.update(p);
  return v.verify(key as KeyObject, signature);
}

export function verifySignatureValue(input: VerifySignatureInput): SignatureCheck {
  const oid = input.algorithm.algorithmId;
  const entry = SIGNATURE_OIDS[oid];
  if (!entry) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
  let key: KeyObject;
  try {
    key = publicKeyFromSpki(input.spki);
  } catch {
    return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
  }
  const parts = Array.isArray(input.data) ? input.data : [input.data];
  const details = key.asymmetricKeyDetails ?? {};
  const hashOf = () => entry.hash ?? (input.digestAlgorithmOid ? hashFromOid(input.digestAlgorithmOid) : undefined);
  const result = (ok: boolean, algorithm: string, weak?: string): SignatureCheck =>
    ok ? { ok: true, algorithm, ...(weak ? { weak } : {}) } : { ok: false, reason: 'signature-invalid', algorithm };
  try {
    if (entry.family === 'EdDSA') {
      const type = oid === OID_ED25519 ? 'ed25519' : 'ed448';
      if (key.asymmetricKeyType !== type) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
      const name = type === 'ed25519' ? 'Ed25519' : 'Ed448';
      return result(verifyParts(null, parts, key, input.signature), name);
    }
    if (entry.family === 'ECDSA' || entry.family === 'ECDSA-plain') {
      if (key.asymmetricKeyType !== 'ec' || !ALLOWED_CURVES.has(String(details.namedCurve)))
        return { ok: false, reason: 'unsupported-algorithm', algorithm: `${oid} on ${String(details.namedCurve ?? key.asymmetricKeyType)}` };
      const hash = hashOf();
      if (!hash) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
      const name = `${entry.family === 'ECDSA-plain' ? 'ECDSA-plain' : 'ECDSA'}-${hash}`;
      const ok = verifyParts(NODE_HASH[hash], parts, { key, dsaEncoding: entry.family === 'ECDSA-plain' ? 'ieee-p1363' : 'der' }, input.signature);
      return result(ok, name, weakHash(hash));
    }
    if (input.allowRsa === false) return { ok: false, reason: 'rsa-not-allowed', algorithm: oid };
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss')
      return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
    const bits = details.modulusLength ?? 0;
    const weakKey = bits < MIN_RSA_BITS ? `RSA-${bits}` : undefined;
    if (entry.family === 'RSA-PSS') {
      const p = pssParams(input.algorithm.algorithmParams);
      if (!p) return { ok: false, reason: 'unsupported-algorithm', algorithm: `${oid} (parameters)` };
      const ok = verifyParts(NODE_HASH[p.hash], parts, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength }, input.signature);
      return result(ok, `RSA-PSS-${p.hash}`, weakKey ?? weakHash(p.hash));
    }
    const hash = hashOf();
    if (!hash || hash === 'SHAKE256') return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
    const ok = verifyParts(NODE_HASH[hash], parts, { key, padding: constants.RSA_PKCS1_PADDING }, input.signature);
    return result(ok, `RSA-${hash}`, weakKey ?? weakHash(hash));
  } catch {
    // node:crypto throws on malformed signatures/keys; for a verifier that is simply "does not verify".
    return { ok: false, reason: 'signature-invalid', algorithm: oid };
  }
}

/** What makes a certificate's own signature or key weak (its issuer's signature algorithm, its RSA size). */
export function weakCertificate(cert: { signatureAlgorithm: AlgorithmId; spki: Uint8Array }): string | undefined {
  const entry = SIGNATURE_OIDS[cert.signatureAlgorithm.algorithmId];
  if (entry?.hash && weakHash(entry.hash)) return `${entry.family}-${entry.hash}`;
  try {
    const key = publicKeyFromSpki(cert.spki);
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if ((key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') && bits !== undefined && bits < MIN_RSA_BITS) return `RSA-${bits}`;
  } catch { /* judged where the key is used */ }
  return undefined;
}
