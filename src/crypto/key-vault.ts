import type { Queryable } from '../store/db.js';
import type { DigestName, KeyAlgorithm } from '../algorithms/table.js';

export type { KeyAlgorithm } from '../algorithms/table.js';
/** The digest a vault key signs with (the shared table's DigestName; SM2 keys sign with SM3 only). */
export type HashAlgorithm = DigestName;

/**
 * Where every private key lives (CA keys and seal keys alike). Nothing outside a vault ever sees
 * private key bytes: callers get a key id, the public key, and signatures.
 */
export interface KeyVault {
  generate(alg: KeyAlgorithm, opts?: { purpose: string }): Promise<{ keyId: string; publicKeySpki: Buffer }>;
  /**
   * Signs `data` (hashing it with `hash`). ECDSA and SM2 signatures are DER SEQUENCE { r, s }, as X.509
   * and CMS want; SM2 hashes Z_A (user ID 1234567812345678) in front of `data`. A digest the key's
   * algorithm does not sign with is refused (422 unsupported-hash).
   */
  sign(keyId: string, data: Uint8Array, hash: HashAlgorithm): Promise<Buffer>;
  /** The public key as SubjectPublicKeyInfo DER. Still available after destroy(). */
  publicKey(keyId: string): Promise<Buffer>;
  algorithm(keyId: string): Promise<KeyAlgorithm>;
  /** Removes the private key material for good (crypto-shredding); later sign() fails with `key-destroyed`. */
  destroy(keyId: string): Promise<void>;
  /** The same vault working inside a caller's transaction (so key creation commits or rolls back with it). */
  withQueryable(q: Queryable): KeyVault;
}
