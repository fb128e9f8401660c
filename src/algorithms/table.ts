/**
 * Algorithms as data (DESIGN.md "Keys", STYLE.md §3.2): one table shared by the CA, the CMS builder,
 * the key vault and the verifier. A key algorithm names its curve, its signature scheme and the
 * digests it may sign with; a signature algorithm ties an AlgorithmIdentifier OID to its scheme and
 * digest. Signing (crypto/) and verifying (verify/) dispatch on `scheme`, so a new algorithm is a row
 * here plus one scheme implementation on each side, never an `if` per module.
 *
 * Pure data: no node:crypto, no native code, so the offline verifier and a browser can load it.
 */
import { OID } from '../asn1/oids.js';

/** The SHA-2 family: what PAdES/CAdES signatures, our TSA and the image binding use. */
export type Sha2Digest = 'SHA-256' | 'SHA-384' | 'SHA-512';
/** Digests a document, an imprint or a signature input can be hashed with. */
export type DigestName = Sha2Digest | 'SM3';
/** SHA-1 only identifies things (OCSP CertIDs, ESS signing-certificate v1); it never secures a signature. */
export type IdentifierHashName = DigestName | 'SHA-1';

export interface DigestInfo {
  oid: string;
  /** Output length in bytes. */
  length: number;
  /** node:crypto's name. */
  node: string;
}

export const DIGESTS: Record<IdentifierHashName, DigestInfo> = {
  'SHA-1': { oid: OID.sha1, length: 20, node: 'sha1' },
  'SHA-256': { oid: OID.sha256, length: 32, node: 'sha256' },
  'SHA-384': { oid: OID.sha384, length: 48, node: 'sha384' },
  'SHA-512': { oid: OID.sha512, length: 64, node: 'sha512' },
  SM3: { oid: OID.sm3, length: 32, node: 'sm3' },
};

export const DIGEST_NAMES: readonly DigestName[] = ['SHA-256', 'SHA-384', 'SHA-512', 'SM3'];
export const SHA2_DIGESTS: readonly Sha2Digest[] = ['SHA-256', 'SHA-384', 'SHA-512'];
export const isSha2Digest = (s: unknown): s is Sha2Digest => SHA2_DIGESTS.includes(s as Sha2Digest);


/** The digest an OID names (SHA-1 excluded: it is never a signature digest). */
export function digestByOid(oid: string): DigestName | undefined {
  return DIGEST_NAMES.find((d) => DIGESTS[d].oid === oid);
}
/** Like digestByOid, SHA-1 included: for matching identifiers only. */
export function identifierHashByOid(oid: string): IdentifierHashName | undefined {
  return oid === OID.sha1 ? 'SHA-1' : digestByOid(oid);
}

/** How a signature is made and checked; each scheme has one implementation per side. */
export type SignatureScheme = 'ecdsa' | 'sm2' | 'rsa-pkcs1' | 'rsa-pss';

export type Curve = 'P-256' | 'P-384' | 'P-521' | 'SM2';
export interface CurveInfo {
  oid: string;
  /** node:crypto's name. */
  node: string;
  /** Size of a field element (and of r, s) in bytes. */
  bytes: number;
}
export const CURVES: Record<Curve, CurveInfo> = {
  'P-256': { oid: OID.prime256v1, node: 'prime256v1', bytes: 32 },
  'P-384': { oid: OID.secp384r1, node: 'secp384r1', bytes: 48 },
  'P-521': { oid: OID.secp521r1, node: 'secp521r1', bytes: 66 },
  SM2: { oid: OID.sm2Curve, node: 'SM2', bytes: 32 },
};
export const curveByOid = (oid: string): Curve | undefined => (Object.keys(CURVES) as Curve[]).find((c) => CURVES[c].oid === oid);

/** Keys the vault makes (and CA profiles name). */
export type KeyAlgorithm = 'ECDSA-P256' | 'ECDSA-P384' | 'SM2';
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['ECDSA-P256', 'ECDSA-P384', 'SM2'];
export const isKeyAlgorithm = (s: unknown): s is KeyAlgorithm => KEY_ALGORITHMS.includes(s as KeyAlgorithm);

export interface KeyAlgorithmInfo {
  scheme: 'ecdsa' | 'sm2';
  curve: Curve;
  /** The digest that matches the key's strength, used when a profile or caller does not say. */
  defaultDigest: DigestName;
  /** Digests this key may sign with. SM2 signs with SM3 only (GB/T 32918, GB/T 35276). */
  digests: readonly DigestName[];
}

export const KEY_ALGORITHM_INFO: Record<KeyAlgorithm, KeyAlgorithmInfo> = {
  'ECDSA-P256': { scheme: 'ecdsa', curve: 'P-256', defaultDigest: 'SHA-256', digests: SHA2_DIGESTS },
  'ECDSA-P384': { scheme: 'ecdsa', curve: 'P-384', defaultDigest: 'SHA-384', digests: SHA2_DIGESTS },
  SM2: { scheme: 'sm2', curve: 'SM2', defaultDigest: 'SM3', digests: ['SM3'] },
};

export interface SignatureAlgorithm {
  oid: string;
  scheme: SignatureScheme;
  /** The digest the identifier names; absent when it comes from the CMS SignerInfo's digestAlgorithm. */
  digest?: DigestName;
  /** AlgorithmIdentifier parameters: absent (ECDSA RFC 5758, SM2), NULL (PKCS#1 v1.5 RFC 4055) or RSASSA-PSS-params. */
  parameters: 'absent' | 'null' | 'pss';
  /** Only recognised in what others signed; we never write it. */
  readOnly?: true;
}

/** Every signature AlgorithmIdentifier the service writes or accepts. The first row for a (scheme, digest) is the one we write. */
export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = [
  { oid: OID.ecdsaWithSha256, scheme: 'ecdsa', digest: 'SHA-256', parameters: 'absent' },
  { oid: OID.ecdsaWithSha384, scheme: 'ecdsa', digest: 'SHA-384', parameters: 'absent' },
  { oid: OID.ecdsaWithSha512, scheme: 'ecdsa', digest: 'SHA-512', parameters: 'absent' },
  { oid: OID.sha256WithRsa, scheme: 'rsa-pkcs1', digest: 'SHA-256', parameters: 'null' },
  { oid: OID.sha384WithRsa, scheme: 'rsa-pkcs1', digest: 'SHA-384', parameters: 'null' },
  { oid: OID.sha512WithRsa, scheme: 'rsa-pkcs1', digest: 'SHA-512', parameters: 'null' },
  { oid: OID.sm3WithSm2, scheme: 'sm2', digest: 'SM3', parameters: 'absent' },
  // Identifiers some CMS writers use, with the digest taken from the SignerInfo:
  { oid: OID.ecPublicKey, scheme: 'ecdsa', parameters: 'absent', readOnly: true },
  { oid: OID.rsaEncryption, scheme: 'rsa-pkcs1', parameters: 'null', readOnly: true },
  { oid: OID.rsassaPss, scheme: 'rsa-pss', parameters: 'pss', readOnly: true },
  { oid: OID.sm2Sign, scheme: 'sm2', parameters: 'absent', readOnly: true }, // GM/T 0010 CMS
];

export const signatureAlgorithmByOid = (oid: string): SignatureAlgorithm | undefined => SIGNATURE_ALGORITHMS.find((a) => a.oid === oid);

/** The identifier we write for a scheme and digest; undefined when that pair is not a combination we make. */
export function signatureAlgorithmFor(scheme: SignatureScheme, digest: DigestName): SignatureAlgorithm | undefined {
  return SIGNATURE_ALGORITHMS.find((a) => a.scheme === scheme && a.digest === digest && !a.readOnly);
}

/**
 * Upper bound of a DER signature value in bytes: ECDSA and SM2 give SEQUENCE { r INTEGER, s INTEGER },
 * each at most the curve size plus a leading zero octet.
 */
export function maxEcSignatureBytes(curve: Curve): number {
  const n = CURVES[curve].bytes;
  const tlv = (len: number) => 1 + (len < 0x80 ? 1 : len < 0x100 ? 2 : 3) + len;
  return tlv(2 * tlv(n + 1));
}

/** GM/T 0009-2012 §10: the user ID every SM2 signature here uses (in Z_A). */
export const SM2_DEFAULT_USER_ID = '1234567812345678';
