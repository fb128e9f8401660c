import { createPublicKey, randomBytes } from 'node:crypto';
import { KEY_ALGORITHM_INFO, type HashAlgorithm, type KeyAlgorithm } from '../crypto/algorithms.js';
import type { KeyVault } from '../crypto/key-vault.js';
import { AppError } from '../errors.js';
import { bitString, explicit, integer, oid, seq, x509Time } from './der.js';

/** A key in the vault, with how it signs. Signing goes through the vault: no private key leaves it. */
export interface Signer {
  vault: KeyVault;
  keyId: string;
  algorithm: KeyAlgorithm;
  hash: HashAlgorithm;
}

/** The signature AlgorithmIdentifier for a signer (ECDSA: no parameters, RFC 5758 3.2). */
export const signatureAlgorithm = (s: Pick<Signer, 'algorithm' | 'hash'>): Buffer => seq(oid(KEY_ALGORITHM_INFO[s.algorithm].signatureOids[s.hash]));

export const signWith = (s: Signer, data: Uint8Array): Promise<Buffer> => s.vault.sign(s.keyId, data, s.hash);

/** A positive serial of 127 random bits (RFC 5280 4.1.2.2 allows 20 octets; CA/B asks for >= 64 bits of entropy). */
export function randomSerial(): Buffer {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f || 0x01; // positive, and no leading zero octet, so the hex form is canonical
  return b;
}

export interface TbsCertificate {
  serial: Buffer;
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  extensions: Buffer[];
}

/** Builds the TBSCertificate (v3), has the vault sign its DER, and returns the Certificate DER. */
export async function signCertificate(tbs: TbsCertificate, signer: Signer): Promise<Buffer> {
  const algId = signatureAlgorithm(signer);
  const tbsDer = seq(
    explicit(0, integer(2)),
    integer(tbs.serial),
    algId,
    tbs.issuer,
    seq(x509Time(tbs.notBefore), x509Time(tbs.notAfter)),
    tbs.subject,
    tbs.spki,
    explicit(3, seq(...tbs.extensions)),
  );
  const sig = await signWith(signer, tbsDer);
  return seq(tbsDer, algId, bitString(sig));
}

/** Accepts an EC public key on a curve we support; anything else is the caller's error. */
export function checkSubjectPublicKey(spki: Buffer): void {
  let ok = false;
  try {
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const curve = key.asymmetricKeyDetails?.namedCurve;
    ok = key.asymmetricKeyType === 'ec' && (curve === 'prime256v1' || curve === 'secp384r1');
  } catch {
    ok = false;
  }
  if (!ok) throw new AppError(422, 'invalid-public-key', 'The subject public key must be an EC P-256 or P-384 SubjectPublicKeyInfo.');
}
