/**
 * Signature algorithm dispatch for the verifier: the shared table (src/algorithms/table.ts) maps an
 * ASN.1 algorithm identifier to its scheme and digest, and each scheme has one verify call here.
 * Algorithms are data (DESIGN.md "Keys"): CMS, certificates, CRLs, OCSP responses and time-stamp
 * tokens all come through `verifySignatureValue`.
 */
import { createHash, createPublicKey, createVerify, constants, getHashes, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID } from '../asn1/oids.js';
import { describePublicKey, type PublicKeyDescription } from '../algorithms/public-key.js';
import { sm2Za } from '../algorithms/sm2.js';
import { sm2VerifyPure } from '../algorithms/sm2-pure.js';
import { DIGESTS, identifierHashByOid, SHA2_DIGESTS, signatureAlgorithmByOid, type Curve } from '../algorithms/table.js';
import { Lru } from './lru.js';

/** Digests this verifier accepts in CMS and time-stamps (the shared table's SHA-2 rows). */
export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

export const OID_RSA_ENCRYPTION = OID.rsaEncryption;
export const OID_RSASSA_PSS = OID.rsassaPss;
export const OID_EC_PUBLIC_KEY = OID.ecPublicKey;

/** ECDSA curves accepted; SM2 keys verify only under the SM2 scheme (and the reverse). */
const ECDSA_CURVES = new Set<Curve>(['P-256', 'P-384', 'P-521']);
const MIN_RSA_BITS = 2048;

export function hashFromOid(oid: string): HashName | undefined {
  const h = identifierHashByOid(oid);
  return SHA2_DIGESTS.includes(h as HashName) ? (h as HashName) : undefined;
}
export function oidFromHash(hash: HashName): string {
  return DIGESTS[hash].oid;
}
export function digest(hash: HashName | 'SHA-1', data: Uint8Array | Uint8Array[]): Buffer {
  const h = createHash(DIGESTS[hash].node);
  for (const part of Array.isArray(data) ? data : [data]) h.update(part);
  return h.digest();
}
/** Hash names for OCSP CertID matching (which may use SHA-1). */
export function certIdHashFromOid(oid: string): HashName | 'SHA-1' | undefined {
  return oid === OID.sha1 ? 'SHA-1' : hashFromOid(oid);
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
  if (pss.maskGenAlgorithm.algorithmId !== OID.mgf1) return undefined;
  const mgfHash = pss.maskGenAlgorithm.algorithmParams instanceof asn1js.Sequence
    ? new pkijs.AlgorithmIdentifier({ schema: pss.maskGenAlgorithm.algorithmParams }).algorithmId
    : undefined;
  // node:crypto uses the signature hash for MGF1 too; other combinations are refused, not guessed.
  if (mgfHash !== DIGESTS[hash].oid) return undefined;
  if (pss.trailerField !== 1) return undefined;
  return { hash, saltLength: pss.saltLength };
}

const keyCache = new Lru<string, KeyObject>(1024);
export function publicKeyFromSpki(spki: Uint8Array): KeyObject {
  const buf = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength);
  return keyCache.getOr(buf.toString('latin1'), () => createPublicKey({ key: Buffer.from(buf), format: 'der', type: 'spki' }));
}

/** node:crypto verifies SM2 where OpenSSL was built with it; elsewhere (a FIPS build, a browser) the pure-JS path does. */
const nodeHasSm3 = getHashes().includes('sm3');
const nodeSm3 = (d: Uint8Array): Uint8Array => createHash('sm3').update(d).digest();

function verifySm2(point: Buffer, spki: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (!nodeHasSm3) return sm2VerifyPure(point, data, signature);
  // e = SM3(Z_A ‖ M) with the standard user ID (GB/T 32918.2, GM/T 0009), then the SM2 check.
  return createVerify('SM3').update(sm2Za(point, nodeSm3)).update(data).verify(publicKeyFromSpki(spki), signature);
}

export function verifySignatureValue(input: VerifySignatureInput): SignatureCheck {
  const oid = input.algorithm.algorithmId;
  const entry = signatureAlgorithmByOid(oid);
  if (!entry) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
  let described: PublicKeyDescription;
  try {
    described = describePublicKey(input.spki);
  } catch {
    return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
  }
  try {
    if (entry.scheme === 'sm2') {
      if (described.kind !== 'ec' || described.curve !== 'SM2') return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
      // GM/T 0010 CMS names sm2-1 and the digest apart; only SM3 goes with SM2.
      if (!entry.digest && input.digestAlgorithmOid !== OID.sm3) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
      const ok = verifySm2(described.point, input.spki, input.data, input.signature);
      return ok ? { ok: true, algorithm: 'SM2-SM3' } : { ok: false, reason: 'signature-invalid', algorithm: 'SM2-SM3' };
    }
    let key: KeyObject;
    try {
      key = publicKeyFromSpki(input.spki);
    } catch {
      return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
    }
    const details = key.asymmetricKeyDetails ?? {};
    // The identifier's own digest, or (rsaEncryption, ecPublicKey in CMS) the SignerInfo's digestAlgorithm.
    const hash = entry.digest ? hashFromOid(DIGESTS[entry.digest].oid) : input.digestAlgorithmOid ? hashFromOid(input.digestAlgorithmOid) : undefined;
    if (entry.scheme === 'ecdsa') {
      if (described.kind !== 'ec' || !described.curve || !ECDSA_CURVES.has(described.curve) || key.asymmetricKeyType !== 'ec')
        return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
      if (!hash) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
      const ok = cryptoVerify(DIGESTS[hash].node, input.data, { key, dsaEncoding: 'der' }, input.signature);
      return ok ? { ok: true, algorithm: `ECDSA-${hash}` } : { ok: false, reason: 'signature-invalid', algorithm: `ECDSA-${hash}` };
    }
    if (input.allowRsa === false) return { ok: false, reason: 'rsa-not-allowed', algorithm: oid };
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss')
      return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) return { ok: false, reason: 'weak-key', algorithm: oid };
    if (entry.scheme === 'rsa-pss') {
      const p = pssParams(input.algorithm.algorithmParams);
      if (!p) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
      const ok = cryptoVerify(
        DIGESTS[p.hash].node,
        input.data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength },
        input.signature,
      );
      return ok ? { ok: true, algorithm: `RSA-PSS-${p.hash}` } : { ok: false, reason: 'signature-invalid', algorithm: `RSA-PSS-${p.hash}` };
    }
    if (!hash) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
    const ok = cryptoVerify(DIGESTS[hash].node, input.data, { key, padding: constants.RSA_PKCS1_PADDING }, input.signature);
    return ok ? { ok: true, algorithm: `RSA-${hash}` } : { ok: false, reason: 'signature-invalid', algorithm: `RSA-${hash}` };
  } catch {
    // node:crypto throws on malformed signatures/keys; for a verifier that is simply "does not verify".
    return { ok: false, reason: 'signature-invalid', algorithm: oid };
  }
}
