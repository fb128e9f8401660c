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
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { buf } from '../asn1/der.js';
import { OID } from '../asn1/oids.js';
import { describePublicKey } from '../algorithms/public-key.js';
import { HASHES, hashByOid, signatureAlgorithmByOid, type HashName } from '../algorithms/table.js';
import { digestBytes, verifierPort, type SignatureCheckRequest } from './port/index.js';

/** Digests the verifier computes (the shared table's). SHA-1 only to judge it weak (and for OCSP CertIDs, which commonly use it). */
export type { HashName } from '../algorithms/table.js';

export const OID_RSA_ENCRYPTION = OID.rsaEncryption;
export const OID_RSASSA_PSS = OID.rsassaPss;
export const OID_EC_PUBLIC_KEY = OID.ecPublicKey;
export const OID_ED25519 = '1.3.101.112';
export const OID_ED448 = '1.3.101.113';

const ALLOWED_CURVES = new Set<string>(['P-256', 'P-384', 'P-521', 'brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1']);
const MIN_RSA_BITS = 2048;
/** Names of curves met in the wild that are refused, so the report names them rather than their OIDs. */
const REFUSED_CURVE_NAMES: Record<string, string> = {
  '1.3.132.0.10': 'secp256k1', '1.3.132.0.33': 'secp224r1', '1.2.840.10045.3.1.1': 'prime192v1', '1.3.132.0.8': 'secp160r1',
};

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
  return buf(digestBytes(hash, data));
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

/** Verifies one signature value: the table says which scheme and digest, the port checks it. */
export async function verifySignatureValue(input: VerifySignatureInput): Promise<SignatureCheck> {
  const oid = input.algorithm.algorithmId;
  const entry = signatureAlgorithmByOid(oid);
  if (!entry) return { ok: false, reason: 'unsupported-algorithm', algorithm: oid };
  const data = Array.isArray(input.data) ? input.data : [input.data];
  const { spki, signature } = input;
  const hashOf = () => entry.digest ?? (input.digestAlgorithmOid ? hashFromOid(input.digestAlgorithmOid) : undefined);
  const unsupported = (algorithm: string = oid): SignatureCheck => ({ ok: false, reason: 'unsupported-algorithm', algorithm });
  let key: ReturnType<typeof describePublicKey>;
  try {
    key = describePublicKey(spki);
  } catch {
    return unsupported();
  }
  const run = async (req: SignatureCheckRequest, algorithm: string, weak?: string): Promise<SignatureCheck> => {
    const verdict = await verifierPort().verifySignature(req);
    if (verdict === 'unsupported') return unsupported(algorithm);
    return verdict === 'valid' ? { ok: true, algorithm, ...(weak ? { weak } : {}) } : { ok: false, reason: 'signature-invalid', algorithm: oid };
  };
  if (entry.scheme === 'sm2') {
    // An SM2 key is told by its SPKI's curve; only SM3 goes with SM2.
    if (key.kind !== 'ec' || key.curve !== 'SM2' || hashOf() !== 'SM3') return unsupported();
    return run({ scheme: 'sm2', point: key.point, spki, data, signature }, 'SM2-SM3');
  }
  if (entry.scheme === 'eddsa') {
    const keyOid = key.kind === 'other' ? key.algorithmOid : undefined;
    if (keyOid !== (entry.edCurve === 'Ed25519' ? OID_ED25519 : OID_ED448)) return unsupported();
    return run({ scheme: entry.edCurve === 'Ed25519' ? 'ed25519' : 'ed448', spki, data, signature }, entry.edCurve!);
  }
  if (entry.scheme === 'ecdsa') {
    if (key.kind !== 'ec' || !key.curve || !ALLOWED_CURVES.has(key.curve))
      return unsupported(`${oid} on ${key.kind === 'ec' ? (key.curve ?? REFUSED_CURVE_NAMES[key.curveOid ?? ''] ?? key.curveOid ?? 'an unknown curve') : key.kind}`);
    const hash = hashOf();
    if (!hash) return unsupported();
    return run({ scheme: 'ecdsa', curve: key.curve, hash, encoding: entry.encoding === 'ieee-p1363' ? 'ieee-p1363' : 'der', spki, data, signature },
      `${familyOf(entry)}-${hash}`, weakHash(hash));
  }
  if (input.allowRsa === false) return { ok: false, reason: 'rsa-not-allowed', algorithm: oid };
  if (key.kind !== 'rsa') return unsupported();
  const weakKey = key.modulusBits < MIN_RSA_BITS ? `RSA-${key.modulusBits}` : undefined;
  if (entry.scheme === 'rsa-pss') {
    const p = pssParams(input.algorithm.algorithmParams);
    if (!p) return unsupported(`${oid} (parameters)`);
    return run({ scheme: 'rsa-pss', hash: p.hash, saltLength: p.saltLength, spki, data, signature }, `RSA-PSS-${p.hash}`, weakKey ?? weakHash(p.hash));
  }
  const hash = hashOf();
  if (!hash || hash === 'SHAKE256' || hash === 'SM3') return unsupported();
  return run({ scheme: 'rsa-pkcs1', hash, spki, data, signature }, `RSA-${hash}`, weakKey ?? weakHash(hash));
}

/** What makes a certificate's own signature or key weak (its issuer's signature algorithm, its RSA size). */
export function weakCertificate(cert: { signatureAlgorithm: AlgorithmId; spki: Uint8Array }): string | undefined {
  const entry = signatureAlgorithmByOid(cert.signatureAlgorithm.algorithmId);
  if (entry?.digest && weakHash(entry.digest)) return `${familyOf(entry)}-${entry.digest}`;
  try {
    const key = describePublicKey(cert.spki);
    if (key.kind === 'rsa' && key.modulusBits < MIN_RSA_BITS) return `RSA-${key.modulusBits}`;
  } catch { /* judged where the key is used */ }
  return undefined;
}
