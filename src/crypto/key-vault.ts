import type { Queryable } from '../store/db.js';
import type { HashAlgorithm, KeyAlgorithm } from './algorithms.js';

export type { HashAlgorithm, KeyAlgorithm } from './algorithms.js';

/**
 * Where every private key lives (CA keys and seal keys alike). Nothing outside a vault ever sees
 * private key bytes: callers get a key id, the public key, and signatures.
 */
export interface KeyVault {
  generate(alg: KeyAlgorithm, opts?: { purpose: string }): Promise<{ keyId: string; publicKeySpki: Buffer }>;
  /** Signs `data` (hashing it with `hash`). ECDSA signatures are DER-encoded ECDSA-Sig-Value, as X.509 and CMS want. */
  sign(keyId: string, data: Uint8Array, hash: HashAlgorithm): Promise<Buffer>;
  /** The public key as SubjectPublicKeyInfo DER. Still available after destroy(). */
  publicKey(keyId: string): Promise<Buffer>;
  algorithm(keyId: string): Promise<KeyAlgorithm>;
  /** Removes the private key material for good (crypto-shredding); later sign() fails with `key-destroyed`. */
  destroy(keyId: string): Promise<void>;
  /** The same vault working inside a caller's transaction (so key creation commits or rolls back with it). */
  withQueryable(q: Queryable): KeyVault;
}
