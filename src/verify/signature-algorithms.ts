/**
 * Signature algorithm dispatch for the verifier: the shared table (src/algorithms/table.ts) maps an
 * ASN.1 algorithm identifier to its scheme and digest, and each scheme has one verify call here.
 * Algorithms are data (DESIGN.md "Keys"): CMS, certificates, CRLs, OCSP responses and time-stamp
 * tokens all come through `verifySignatureValue`.
 *
 * A signature that verifies with a weak algorithm (SHA-1, RSA under 2048 bits) is reported as verified
 * AND weak, and one with an algorithm this table does not know as unsupported: ETSI EN 319 102-1 calls
 * both INDETERMINATE (crypto constraints) rather than INVALID, since neither proves the signature wrong.
 */
import { createHash, createPublicKey, createVerify, constants, getHashes, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID } from '../asn1/oids.js';
import { describePublicKey } from '../algorithms/public-key.js';
import { sm2Za } from '../algorithms/sm2.js';
import { HASHES, hashByOid, signatureAlgorithmByOid, type HashName } from '../algorithms/table.js';
import { Lru } from '../lru.js';

/** Digests the verifier computes (the shared table's). SHA-1 only to judge it weak (and for OCSP CertIDs, which commonly use it). */
export type { HashName } from '../algorithms/table.js';

export const OID_RSA_ENCRYPTION = OID.rsaEncryption;
export const OID_RSASSA_PSS = OID.rsassaPss;
export const OID_EC_PUBLIC_KEY = OID.ecPublicKey;
export const OID_ED25519 = '1.3.101.112';
export const OID_ED448 = '1.3.101.113';

const ALLOWED_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1', 'brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1']);
const MIN_RSA_BITS = 2048;

/** The name the report gives a scheme (ECDSA-plain: BSI TR-03111 r‖s values). */
const familyOf = (a: { scheme: string; encoding?: string }): string =>
  a.scheme === 'ecdsa' ? (a.encoding ? 'ECDSA-plain' : 'ECDSA') : a.scheme === 'rsa-pkcs1' ? 'RSA' : a.scheme === 'rsa-pss' ? 'RSA-PSS' : a.scheme.toUpperCase();

export function hashFromOid(oid: string): HashName | undefined {
  return hashByOid(oid);
}
export function oidFromHash(hash: HashName): string {
  return HASHES[hash].oid;
}
/** The name of a weak digest (for the report), or undefined when it is strong enough. */
export function weakHash(hash: HashName): string | undefined {
  return HASHES[hash].weak ? hash : undefined;
}
export function digest(hash: HashName, data: Uint8Array | Uint8Array[]): Buffer {
  const h = createHash(HASHES[hash].node, hash === 'SHAKE256' ? { outputLength: HASHES.SHAKE256.length } : undefined);
  for (const part of Array.isArray(data) ? data : [data]) h.update(part);
  return h.digest();
}
/** Hash names for OCSP CertID matching (which may use SHA-1). */
export function certIdHashFromOid(oid: string): HashName | undefined {
  return hashByOid(oid);
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
  if (pss.maskGenAlgorithm.algorithmId !== OID.mgf1) return undefined;
  const mgfHash = pss.maskGenAlgorithm.algorithmParams instanceof asn1js.Sequence
    ? new pkijs.AlgorithmIdentifier({ schema: pss.maskGenAlgorithm.algorithmParams }).algorithmId
    : undefined;
  // node:crypto uses the signature hash for MGF1 too; other combinations are refused, not guessed.
  if (mgfHash !== HASHES[hash].oid) return undefined;
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

/**
 * node:crypto verifies SM2 where its OpenSSL has SM2 and SM3 (Debian's and Node's own builds do; a FIPS
 * build does not, and then an SM2 signature is reported unsupported). The browser's verifier uses the
 * pure-JS path (src/algorithms/sm2-pure.ts) instead; this module is the Node side.
 */
const nodeHasSm3 = getHashes().includes('sm3');
const nodeSm3 = (d: Uint8Array): Uint8Array => createHash('sm3').update(d).digest();

/** SM2 with SM3 (GB/T 32918.2): e = SM3(Z_A ‖ M) with the standard user ID (GM/T 0009), then the SM2 check. */
function verifySm2(point: Uint8Array, spki: Uint8Array, parts: Uint8Array[], signature: Uint8Array): boolean {
  const v = createVerify('SM3').update(sm2Za(point, nodeSm3));
  for (const p of parts) v.update(p);
  return v.verify(publicKeyFromSpki(spki), signature);
}

export function verifySignatureValue(input: VerifySignatureInput): SignatureCheck {
  const oid = input.algorithm.algorithmId;
  const entry = signatureAlgorithmByOid(oid);
  if (!entry) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
  const parts = Array.isArray(input.data) ? input.data : [input.data];
  const hashOf = () => entry.digest ?? (input.digestAlgorithmOid ? hashFromOid(input.digestAlgorithmOid) : undefined);
  const result = (ok: boolean, algorithm: string, weak?: string): SignatureCheck =>
    ok ? { ok: true, algorithm, ...(weak ? { weak } : {}) } : { ok: false, reason: 'signature-invalid', algorithm };
  try {
    if (entry.scheme === 'sm2') {
      // An SM2 key is told by its SPKI (node:crypto reports its type as undefined); only SM3 goes with SM2.
      const key = describePublicKey(input.spki);
      if (!nodeHasSm3 || key.kind !== 'ec' || key.curve !== 'SM2' || hashOf() !== 'SM3') return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
      return result(verifySm2(key.point, input.spki, parts, input.signature), 'SM2-SM3');
    }
    let key: KeyObject;
    try {
      key = publicKeyFromSpki(input.spki);
    } catch {
      return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
    }
    const details = key.asymmetricKeyDetails ?? {};
    if (entry.scheme === 'eddsa') {
      const type = entry.edCurve === 'Ed25519' ? 'ed25519' : 'ed448';
      if (key.asymmetricKeyType !== type) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
      return result(verifyParts(null, parts, key, input.signature), entry.edCurve!);
    }
    if (entry.scheme === 'ecdsa') {
      if (key.asymmetricKeyType !== 'ec' || !ALLOWED_CURVES.has(String(details.namedCurve)))
        return { ok: false, reason: 'unsupported-algorithm', algorithm: `${oid} on ${String(details.namedCurve ?? key.asymmetricKeyType)}` };
      const hash = hashOf();
      if (!hash) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
      const name = `${familyOf(entry)}-${hash}`;
      const ok = verifyParts(HASHES[hash].node, parts, { key, dsaEncoding: entry.encoding === 'ieee-p1363' ? 'ieee-p1363' : 'der' }, input.signature);
      return result(ok, name, weakHash(hash));
    }
    if (input.allowRsa === false) return { ok: false, reason: 'rsa-not-allowed', algorithm: oid };
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss')
      return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
    const bits = details.modulusLength ?? 0;
    const weakKey = bits < MIN_RSA_BITS ? `RSA-${bits}` : undefined;
    if (entry.scheme === 'rsa-pss') {
      const p = pssParams(input.algorithm.algorithmParams);
      if (!p) return { ok: false, reason: 'unsupported-algorithm', algorithm: `${oid} (parameters)` };
      const ok = verifyParts(HASHES[p.hash].node, parts, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength }, input.signature);
      return result(ok, `RSA-PSS-${p.hash}`, weakKey ?? weakHash(p.hash));
    }
    const hash = hashOf();
    if (!hash || hash === 'SHAKE256' || hash === 'SM3') return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
    const ok = verifyParts(HASHES[hash].node, parts, { key, padding: constants.RSA_PKCS1_PADDING }, input.signature);
    return result(ok, `RSA-${hash}`, weakKey ?? weakHash(hash));
  } catch {
    // node:crypto throws on malformed signatures/keys; for a verifier that is simply "does not verify".
    return { ok: false, reason: 'signature-invalid', algorithm: oid };
  }
}

/** What makes a certificate's own signature or key weak (its issuer's signature algorithm, its RSA size). */
export function weakCertificate(cert: { signatureAlgorithm: AlgorithmId; spki: Uint8Array }): string | undefined {
  const entry = signatureAlgorithmByOid(cert.signatureAlgorithm.algorithmId);
  if (entry?.digest && weakHash(entry.digest)) return `${familyOf(entry)}-${entry.digest}`;
  try {
    const key = publicKeyFromSpki(cert.spki);
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if ((key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') && bits !== undefined && bits < MIN_RSA_BITS) return `RSA-${bits}`;
  } catch { /* judged where the key is used */ }
  return undefined;
}
