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
/** Digests this service hashes documents, imprints and signature inputs with when it signs. */
export type DigestName = Sha2Digest | 'SM3';
/** SHA-1 only identifies things (OCSP CertIDs, ESS signing-certificate v1); it never secures a signature of ours. */
export type IdentifierHashName = DigestName | 'SHA-1';
/** Every digest recognised in what others signed (the verifier judges some of them weak). */
export type HashName = IdentifierHashName | 'SHA-224' | 'SHA3-256' | 'SHA3-384' | 'SHA3-512' | 'SHAKE256';

export interface DigestInfo {
  oid: string;
  /** Other OIDs that name the same digest (RFC 8419: id-shake256-len for SHAKE256). */
  aliases?: readonly string[];
  /** Output length in bytes. */
  length: number;
  /** node:crypto's name. */
  node: string;
  /** Too weak to secure a signature today (ETSI TS 119 312): a signature over it is INDETERMINATE. */
  weak?: true;
}

export const HASHES: Record<HashName, DigestInfo> = {
  'SHA-1': { oid: OID.sha1, length: 20, node: 'sha1', weak: true },
  'SHA-224': { oid: '2.16.840.1.101.3.4.2.4', length: 28, node: 'sha224' },
  'SHA-256': { oid: OID.sha256, length: 32, node: 'sha256' },
  'SHA-384': { oid: OID.sha384, length: 48, node: 'sha384' },
  'SHA-512': { oid: OID.sha512, length: 64, node: 'sha512' },
  'SHA3-256': { oid: '2.16.840.1.101.3.4.2.8', length: 32, node: 'sha3-256' },
  'SHA3-384': { oid: '2.16.840.1.101.3.4.2.9', length: 48, node: 'sha3-384' },
  'SHA3-512': { oid: '2.16.840.1.101.3.4.2.10', length: 64, node: 'sha3-512' },
  // RFC 8419: Ed448 in CMS digests with SHAKE256 (512-bit output), as id-shake256 or id-shake256-len.
  SHAKE256: { oid: '2.16.840.1.101.3.4.2.12', aliases: ['2.16.840.1.101.3.4.2.18'], length: 64, node: 'shake256' },
  SM3: { oid: OID.sm3, length: 32, node: 'sm3' },
};
/** The digests this service signs with (and SHA-1 for identifiers), the same rows as HASHES. */
export const DIGESTS: Record<IdentifierHashName, DigestInfo> = HASHES;

export const DIGEST_NAMES: readonly DigestName[] = ['SHA-256', 'SHA-384', 'SHA-512', 'SM3'];
export const SHA2_DIGESTS: readonly Sha2Digest[] = ['SHA-256', 'SHA-384', 'SHA-512'];
export const isSha2Digest = (s: unknown): s is Sha2Digest => SHA2_DIGESTS.includes(s as Sha2Digest);

/** Any digest an OID names, among all recognised ones. */
export function hashByOid(oid: string): HashName | undefined {
  return (Object.keys(HASHES) as HashName[]).find((h) => HASHES[h].oid === oid || HASHES[h].aliases?.includes(oid));
}
/** The digest an OID names, among those we sign with (SHA-1 excluded: it is never a signature digest of ours). */
export function digestByOid(oid: string): DigestName | undefined {
  return DIGEST_NAMES.find((d) => DIGESTS[d].oid === oid);
}
/** Like digestByOid, SHA-1 included: for matching identifiers only. */
export function identifierHashByOid(oid: string): IdentifierHashName | undefined {
  return oid === OID.sha1 ? 'SHA-1' : digestByOid(oid);
}

/** How a signature is made and checked; each scheme has one implementation per side. */
export type SignatureScheme = 'ecdsa' | 'sm2' | 'rsa-pkcs1' | 'rsa-pss' | 'eddsa';

export type Curve = 'P-256' | 'P-384' | 'P-521' | 'brainpoolP256r1' | 'brainpoolP384r1' | 'brainpoolP512r1' | 'SM2';
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
  brainpoolP256r1: { oid: '1.3.36.3.3.2.8.1.1.7', node: 'brainpoolP256r1', bytes: 32 },
  brainpoolP384r1: { oid: '1.3.36.3.3.2.8.1.1.11', node: 'brainpoolP384r1', bytes: 48 },
  brainpoolP512r1: { oid: '1.3.36.3.3.2.8.1.1.13', node: 'brainpoolP512r1', bytes: 64 },
  SM2: { oid: OID.sm2Curve, node: 'SM2', bytes: 32 },
};
export const curveByOid = (oid: string): Curve | undefined => (Object.keys(CURVES) as Curve[]).find((c) => CURVES[c].oid === oid);

/** Keys the vault makes (and CA profiles name). */
export type KeyAlgorithm = 'ECDSA-P256' | 'ECDSA-P384' | 'SM2';
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['ECDSA-P256', 'ECDSA-P384', 'SM2'];
export const isKeyAlgorithm = (s: unknown): s is KeyAlgorithm => KEY_ALGORITHMS.includes(s as KeyAlgorithm);
/** Key algorithms a seal may be made with (API.md `algorithm`): each names the hierarchy and profile that certify it. */
export type SealKeyAlgorithm = 'ECDSA-P256' | 'SM2';
export const SEAL_KEY_ALGORITHMS: readonly SealKeyAlgorithm[] = ['ECDSA-P256', 'SM2'];
export const isSealKeyAlgorithm = (s: unknown): s is SealKeyAlgorithm => SEAL_KEY_ALGORITHMS.includes(s as SealKeyAlgorithm);

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
  /** The digest the identifier names; absent when it comes from the CMS SignerInfo's digestAlgorithm (or EdDSA, which hashes itself). */
  digest?: HashName;
  /** AlgorithmIdentifier parameters: absent (ECDSA RFC 5758, SM2, EdDSA), NULL (PKCS#1 v1.5 RFC 4055) or RSASSA-PSS-params. */
  parameters: 'absent' | 'null' | 'pss';
  /** ECDSA signature values as r ‖ s (BSI TR-03111 "plain") instead of a DER SEQUENCE. */
  encoding?: 'ieee-p1363';
  /** EdDSA: which curve the identifier names. */
  edCurve?: 'Ed25519' | 'Ed448';
  /** Only recognised in what others signed; we never write it. */
  readOnly?: true;
}

const OTHERS = { readOnly: true } as const;
const rsa = (oid: string, digest: HashName, readOnly = true): SignatureAlgorithm => ({ oid, scheme: 'rsa-pkcs1', digest, parameters: 'null', ...(readOnly ? OTHERS : {}) });
const ecdsa = (oid: string, digest: HashName, readOnly = true): SignatureAlgorithm => ({ oid, scheme: 'ecdsa', digest, parameters: 'absent', ...(readOnly ? OTHERS : {}) });
const plain = (oid: string, digest: HashName): SignatureAlgorithm => ({ oid, scheme: 'ecdsa', digest, parameters: 'absent', encoding: 'ieee-p1363', ...OTHERS });

/** Every signature AlgorithmIdentifier the service writes or accepts. The first writable row for a (scheme, digest) is the one we write. */
export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = [
  ecdsa(OID.ecdsaWithSha256, 'SHA-256', false),
  ecdsa(OID.ecdsaWithSha384, 'SHA-384', false),
  ecdsa(OID.ecdsaWithSha512, 'SHA-512', false),
  rsa(OID.sha256WithRsa, 'SHA-256', false),
  rsa(OID.sha384WithRsa, 'SHA-384', false),
  rsa(OID.sha512WithRsa, 'SHA-512', false),
  { oid: OID.sm3WithSm2, scheme: 'sm2', digest: 'SM3', parameters: 'absent' },
  // In what others signed: weaker or rarer digests, identifiers whose digest the SignerInfo names, plain ECDSA, EdDSA.
  rsa('1.2.840.113549.1.1.5', 'SHA-1'),
  rsa('1.2.840.113549.1.1.14', 'SHA-224'),
  rsa('2.16.840.1.101.3.4.3.14', 'SHA3-256'),
  rsa('2.16.840.1.101.3.4.3.15', 'SHA3-384'),
  rsa('2.16.840.1.101.3.4.3.16', 'SHA3-512'),
  { oid: OID.rsaEncryption, scheme: 'rsa-pkcs1', parameters: 'null', ...OTHERS },
  { oid: OID.rsassaPss, scheme: 'rsa-pss', parameters: 'pss', ...OTHERS },
  ecdsa('1.2.840.10045.4.1', 'SHA-1'),
  ecdsa('1.2.840.10045.4.3.1', 'SHA-224'),
  ecdsa('2.16.840.1.101.3.4.3.10', 'SHA3-256'),
  ecdsa('2.16.840.1.101.3.4.3.11', 'SHA3-384'),
  ecdsa('2.16.840.1.101.3.4.3.12', 'SHA3-512'),
  { oid: OID.ecPublicKey, scheme: 'ecdsa', parameters: 'absent', ...OTHERS },
  // BSI TR-03111 ecdsa-plain-SHA* (0.4.0.127.0.7.1.1.4.1.x), as German and EU signers write them.
  plain('0.4.0.127.0.7.1.1.4.1.1', 'SHA-1'),
  plain('0.4.0.127.0.7.1.1.4.1.2', 'SHA-224'),
  plain('0.4.0.127.0.7.1.1.4.1.3', 'SHA-256'),
  plain('0.4.0.127.0.7.1.1.4.1.4', 'SHA-384'),
  plain('0.4.0.127.0.7.1.1.4.1.5', 'SHA-512'),
  plain('0.4.0.127.0.7.1.1.4.1.8', 'SHA3-256'),
  plain('0.4.0.127.0.7.1.1.4.1.9', 'SHA3-384'),
  plain('0.4.0.127.0.7.1.1.4.1.10', 'SHA3-512'),
  // RFC 8410/8419: pure EdDSA, the data itself is signed.
  { oid: '1.3.101.112', scheme: 'eddsa', parameters: 'absent', edCurve: 'Ed25519', ...OTHERS },
  { oid: '1.3.101.113', scheme: 'eddsa', parameters: 'absent', edCurve: 'Ed448', ...OTHERS },
  { oid: OID.sm2Sign, scheme: 'sm2', parameters: 'absent', ...OTHERS }, // GM/T 0010 CMS: the digest (SM3) from the SignerInfo
];

export const signatureAlgorithmByOid = (oid: string): SignatureAlgorithm | undefined => SIGNATURE_ALGORITHMS.find((a) => a.oid === oid);

/** The identifier we write for a scheme and digest; undefined when that pair is not a combination we make. */
export function signatureAlgorithmFor(scheme: SignatureScheme, digest: HashName): SignatureAlgorithm | undefined {
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
