/**
 * Signature algorithm dispatch for the verifier: one table from ASN.1 algorithm identifiers to
 * node:crypto verify calls. Algorithms are data (DESIGN.md "Keys"): CMS, certificates, CRLs,
 * OCSP responses and time-stamp tokens all come through `verifySignatureValue`.
 */
import { createHash, createPublicKey, constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { Lru } from './lru.js';

export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

const DIGEST_OIDS: Record<string, HashName> = {
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};
const HASH_OID: Record<HashName, string> = {
  'SHA-256': '2.16.840.1.101.3.4.2.1',
  'SHA-384': '2.16.840.1.101.3.4.2.2',
  'SHA-512': '2.16.840.1.101.3.4.2.3',
};
/** SHA-1 is recognised only so OCSP CertIDs (which commonly use it) can be matched; never for signatures. */
const SHA1_OID = '1.3.14.3.2.26';

const NODE_HASH: Record<HashName | 'SHA-1', string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
export const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_MGF1 = '1.2.840.113549.1.1.8';

interface AlgorithmEntry {
  family: 'RSA' | 'ECDSA' | 'RSA-PSS';
  /** Fixed hash for "xWithY" identifiers; absent when the hash comes from the CMS digestAlgorithm. */
  hash?: HashName;
}
const SIGNATURE_OIDS: Record<string, AlgorithmEntry> = {
  '1.2.840.113549.1.1.11': { family: 'RSA', hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { family: 'RSA', hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { family: 'RSA', hash: 'SHA-512' },
  [OID_RSA_ENCRYPTION]: { family: 'RSA' },
  [OID_RSASSA_PSS]: { family: 'RSA-PSS' },
  '1.2.840.10045.4.3.2': { family: 'ECDSA', hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { family: 'ECDSA', hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { family: 'ECDSA', hash: 'SHA-512' },
  [OID_EC_PUBLIC_KEY]: { family: 'ECDSA' },
};

const ALLOWED_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const MIN_RSA_BITS = 2048;

export function hashFromOid(oid: string): HashName | undefined {
  return DIGEST_OIDS[oid];
}
export function oidFromHash(hash: HashName): string {
  return HASH_OID[hash];
}
export function digest(hash: HashName | 'SHA-1', data: Uint8Array | Uint8Array[]): Buffer {
  const h = createHash(NODE_HASH[hash]);
  for (const part of Array.isArray(data) ? data : [data]) h.update(part);
  return h.digest();
}
/** Hash names for OCSP CertID matching (which may use SHA-1). */
export function certIdHashFromOid(oid: string): HashName | 'SHA-1' | undefined {
  return oid === SHA1_OID ? 'SHA-1' : DIGEST_OIDS[oid];
}

export type SignatureCheck =
  | { ok: true; algorithm: string }
  | { ok: false; reason: 'signature-invalid' | 'unsupported-algorithm' | 'rsa-not-allowed' | 'weak-key'; algorithm: string };

/** An AlgorithmIdentifier: pkijs's class fits, and so does the DER reader's plain object. */
export interface AlgorithmId { algorithmId: string; algorithmParams?: unknown }

export interface VerifySignatureInput {
  algorithm: AlgorithmId;
  /** For identifiers that name no hash (rsaEncryption, ecPublicKey in CMS): the SignerInfo digestAlgorithm. */
  digestAlgorithmOid?: string;
  /** SubjectPublicKeyInfo DER of the signer. */
  spki: Uint8Array;
  data: Uint8Array;
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
  const details = key.asymmetricKeyDetails ?? {};
  try {
    if (entry.family === 'ECDSA') {
      if (key.asymmetricKeyType !== 'ec' || !ALLOWED_CURVES.has(String(details.namedCurve)))
        return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
      const hash = entry.hash ?? (input.digestAlgorithmOid ? hashFromOid(input.digestAlgorithmOid) : undefined);
      if (!hash) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
      const ok = cryptoVerify(NODE_HASH[hash], input.data, { key, dsaEncoding: 'der' }, input.signature);
      return ok ? { ok: true, algorithm: `ECDSA-${hash}` } : { ok: false, reason: 'signature-invalid', algorithm: `ECDSA-${hash}` };
    }
    if (input.allowRsa === false) return { ok: false, reason: 'rsa-not-allowed', algorithm: oid };
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss')
      return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) return { ok: false, reason: 'weak-key', algorithm: oid };
    if (entry.family === 'RSA-PSS') {
      const p = pssParams(input.algorithm.algorithmParams);
      if (!p) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
      const ok = cryptoVerify(
        NODE_HASH[p.hash],
        input.data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength },
        input.signature,
      );
      return ok ? { ok: true, algorithm: `RSA-PSS-${p.hash}` } : { ok: false, reason: 'signature-invalid', algorithm: `RSA-PSS-${p.hash}` };
    }
    const hash = entry.hash ?? (input.digestAlgorithmOid ? hashFromOid(input.digestAlgorithmOid) : undefined);
    if (!hash) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
    const ok = cryptoVerify(NODE_HASH[hash], input.data, { key, padding: constants.RSA_PKCS1_PADDING }, input.signature);
    return ok ? { ok: true, algorithm: `RSA-${hash}` } : { ok: false, reason: 'signature-invalid', algorithm: `RSA-${hash}` };
  } catch {
    // node:crypto throws on malformed signatures/keys; for a verifier that is simply "does not verify".
    return { ok: false, reason: 'signature-invalid', algorithm: oid };
  }
}
