import { createPublicKey, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { signatureAlgorithmId } from '../asn1/cms.js';
import { decodeAs, encode, verbatim } from '../asn1/der.js';
import { unsignedInteger, x509Time } from '../asn1/values.js';
import { keyAlgorithmOfSpki } from '../algorithms/public-key.js';
import { KEY_ALGORITHM_INFO, signatureAlgorithmFor, type DigestName, type KeyAlgorithm, type SignatureAlgorithm } from '../algorithms/table.js';
import type { KeyVault } from '../crypto/key-vault.js';
import { AppError } from '../errors.js';

/** A key in the vault, with how it signs. Signing goes through the vault: no private key leaves it. */
export interface Signer {
  vault: KeyVault;
  keyId: string;
  algorithm: KeyAlgorithm;
  hash: DigestName;
}

/** The signature algorithm (shared table) a signer's key and digest make; a combination the table lacks is a setup error. */
export function signatureAlgorithmOf(s: Pick<Signer, 'algorithm' | 'hash'>): SignatureAlgorithm {
  const a = signatureAlgorithmFor(KEY_ALGORITHM_INFO[s.algorithm].scheme, s.hash);
  if (!a || !KEY_ALGORITHM_INFO[s.algorithm].digests.includes(s.hash)) throw new Error(`a ${s.algorithm} key does not sign with ${s.hash}`);
  return a;
}

export const signWith = (s: Signer, data: Uint8Array): Promise<Buffer> => s.vault.sign(s.keyId, data, s.hash);

/** Whatever signs with a known algorithm: a vault key (vaultKey below) or, in tools and benchmarks, a key in this process. */
export interface SigningKey {
  algorithm: SignatureAlgorithm;
  hash: DigestName;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export const vaultKey = (s: Signer): SigningKey => ({ algorithm: signatureAlgorithmOf(s), hash: s.hash, sign: (d) => signWith(s, d) });

/**
 * Signs a structure whose to-be-signed part pkijs encodes: the vault signs exactly that DER, and the
 * result is SEQUENCE { tbs (those same bytes), signatureAlgorithm, BIT STRING signature } — the
 * shape of a Certificate, a CertificateList and a BasicOCSPResponse.
 */
export async function signTbs(tbs: asn1js.BaseBlock, signer: Signer, extra: asn1js.BaseBlock[] = []): Promise<Buffer> {
  const tbsDer = encode(tbs);
  const signature = await signWith(signer, tbsDer);
  return encode(
    new asn1js.Sequence({
      value: [verbatim(tbsDer, 'to-be-signed'), signatureAlgorithmId(signatureAlgorithmOf(signer)).toSchema(), new asn1js.BitString({ valueHex: signature }), ...extra],
    }),
  );
}

/** A positive serial of 127 random bits (RFC 5280 4.1.2.2 allows 20 octets; CA/B asks for >= 64 bits of entropy). */
export function randomSerial(): Buffer {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f || 0x01; // positive, and no leading zero octet, so the hex form is canonical
  return b;
}

export interface TbsCertificate {
  serial: Buffer;
  issuer: pkijs.RelativeDistinguishedNames;
  subject: pkijs.RelativeDistinguishedNames;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  extensions: pkijs.Extension[];
}

/** Builds the TBSCertificate (v3) with pkijs, has the vault sign its DER, and returns the Certificate DER. */
export async function signCertificate(tbs: TbsCertificate, signer: Signer): Promise<Buffer> {
  const algId = signatureAlgorithmId(signatureAlgorithmOf(signer));
  const cert = new pkijs.Certificate({
    version: 2,
    serialNumber: unsignedInteger(tbs.serial),
    signature: algId,
    issuer: tbs.issuer,
    notBefore: x509Time(tbs.notBefore),
    notAfter: x509Time(tbs.notAfter),
    subject: tbs.subject,
    subjectPublicKeyInfo: decodeAs(pkijs.PublicKeyInfo, tbs.spki, 'SubjectPublicKeyInfo'),
    extensions: tbs.extensions,
  });
  return signTbs(cert.encodeTBS(), signer);
}

/** Accepts a public key of an algorithm the vault makes (EC P-256, P-384, SM2) whose point is on its curve; anything else is the caller's error. */
export function checkSubjectPublicKey(spki: Buffer): void {
  let ok = keyAlgorithmOfSpki(spki) !== undefined;
  if (ok) {
    try {
      createPublicKey({ key: spki, format: 'der', type: 'spki' }); // OpenSSL checks the point
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new AppError(422, 'invalid-public-key', 'The subject public key must be an EC P-256, P-384 or SM2 SubjectPublicKeyInfo.');
}
