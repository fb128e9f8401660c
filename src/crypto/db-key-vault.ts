import { createCipheriv, createDecipheriv, createPrivateKey, generateKeyPair, randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { AppError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { describePublicKey } from '../algorithms/public-key.js';
import { CURVES, isKeyAlgorithm, KEY_ALGORITHM_INFO, type KeyAlgorithm } from '../algorithms/table.js';
import type { HashAlgorithm, KeyVault } from './key-vault.js';
import { Lru } from '../lru.js';
import { signWithKey } from './sign.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * Each key's algorithm, as read from its committed row: it is fixed when the key is made and the row is never
 * deleted (destroy() clears only the wrapped key), so a sealing need not read the row for it once more before the
 * row read of sign(). Nothing secret: the wrapped key is never kept, let alone the unwrapped one.
 */
const algorithms = new Lru<string, KeyAlgorithm>(4096);

interface KeyRow {
  algorithm: string;
  public_key_spki: Uint8Array;
  wrapped_key: Uint8Array | null;
  wrap_iv: Uint8Array | null;
}

/**
 * Software keys wrapped at rest (envelope encryption): each private key's PKCS#8 DER is encrypted
 * with AES-256-GCM under the KEK, a fresh 96-bit IV, and the key id as additional authenticated
 * data (so a ciphertext moved to another row does not decrypt). Rows live in the database, so
 * every instance behind the load balancer can sign.
 *
 * No decrypted-key cache on purpose: each sign() reads the row, so a destroy() on any instance
 * takes effect everywhere at once. Unwrapping costs tens of microseconds; the row read dominates.
 */
export class DbKeyVault implements KeyVault {
  readonly #kek: Buffer;

  constructor(
    private readonly db: Queryable,
    kek: Uint8Array,
    /** True when `db` is a caller's transaction (see withQueryable): no VACUUM there. */
    private readonly inTransaction = false,
  ) {
    if (kek.length !== 32) throw new Error('The key-encryption key must be 32 bytes (base64 of 32 bytes in SEAL_KEK).');
    this.#kek = Buffer.from(kek);
  }

  withQueryable(q: Queryable): KeyVault {
    return new DbKeyVault(q, this.#kek, true);
  }

  async generate(alg: KeyAlgorithm, opts?: { purpose: string }): Promise<{ keyId: string; publicKeySpki: Buffer }> {
    if (!isKeyAlgorithm(alg)) throw new AppError(422, 'unsupported-key-algorithm', `Key algorithm ${String(alg)} is not supported.`);
    const { publicKey, privateKey } = await generateKeyPairAsync('ec', { namedCurve: CURVES[KEY_ALGORITHM_INFO[alg].curve].node });
    const keyId = `key_${randomUUID()}`;
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const { iv, wrapped } = this.#wrap(keyId, pkcs8);
    pkcs8.fill(0);
    await this.db.query(
      `INSERT INTO vault_keys (key_id, algorithm, purpose, public_key_spki, wrapped_key, wrap_iv)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [keyId, alg, opts?.purpose ?? '', spki, wrapped, iv],
    );
    return { keyId, publicKeySpki: spki };
  }

  async sign(keyId: string, data: Uint8Array, hash: HashAlgorithm): Promise<Buffer> {
    const row = await this.#row(keyId);
    if (!row.wrapped_key || !row.wrap_iv) {
      throw new AppError(409, 'key-destroyed', `Key ${keyId} has been destroyed and can no longer sign.`, { keyId });
    }
    const alg = this.#algorithmOf(keyId, row);
    const info = KEY_ALGORITHM_INFO[alg];
    if (!info.digests.includes(hash)) {
      throw new AppError(422, 'unsupported-hash', `A ${alg} key does not sign with ${String(hash)}.`, { keyId });
    }
    // SM2 hashes Z_A, made from the public key, in front of the data.
    const point = info.scheme === 'sm2' ? (describePublicKey(row.public_key_spki) as { point: Buffer }).point : undefined;
    const pkcs8 = this.#unwrap(keyId, Buffer.from(row.wrap_iv), Buffer.from(row.wrapped_key));
    try {
      const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
      return signWithKey(info.scheme, hash, key, data, point);
    } finally {
      pkcs8.fill(0);
    }
  }

  async publicKey(keyId: string): Promise<Buffer> {
    return Buffer.from((await this.#row(keyId)).public_key_spki);
  }

  async algorithm(keyId: string): Promise<KeyAlgorithm> {
    const known = algorithms.get(keyId);
    if (known) return known;
    const alg = this.#algorithmOf(keyId, await this.#row(keyId));
    // Not from a caller's transaction: its row may yet be rolled back.
    if (!this.inTransaction) algorithms.set(keyId, alg);
    return alg;
  }

  #algorithmOf(keyId: string, row: KeyRow): KeyAlgorithm {
    if (!isKeyAlgorithm(row.algorithm)) throw new AppError(500, 'unsupported-key-algorithm', `Key ${keyId} has an unknown algorithm.`);
    return row.algorithm;
  }

  async destroy(keyId: string): Promise<void> {
    const res = await this.db.query(
      `UPDATE vault_keys SET wrapped_key = NULL, wrap_iv = NULL, destroyed_at = COALESCE(destroyed_at, now())
       WHERE key_id = $1`,
      [keyId],
    );
    if (res.rowCount === 0) throw new AppError(404, 'key-not-found', `No key ${keyId} in the vault.`, { keyId });
    // MVCC keeps the old row version on disk until vacuumed; reclaim it now where we can. VACUUM
    // cannot run inside a transaction (and a failed statement would abort the caller's), so there
    // autovacuum does it later.
    if (!this.inTransaction) await this.db.query('VACUUM vault_keys').catch(() => undefined);
  }

  async #row(keyId: string): Promise<KeyRow> {
    const res = await this.db.query<KeyRow>(
      'SELECT algorithm, public_key_spki, wrapped_key, wrap_iv FROM vault_keys WHERE key_id = $1',
      [keyId],
    );
    const row = res.rows[0];
    if (!row) throw new AppError(404, 'key-not-found', `No key ${keyId} in the vault.`, { keyId });
    return row;
  }

  #wrap(keyId: string, pkcs8: Buffer): { iv: Buffer; wrapped: Buffer } {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#kek, iv);
    cipher.setAAD(Buffer.from(keyId, 'utf8'));
    const wrapped = Buffer.concat([cipher.update(pkcs8), cipher.final(), cipher.getAuthTag()]);
    return { iv, wrapped };
  }

  #unwrap(keyId: string, iv: Buffer, wrapped: Buffer): Buffer {
    if (wrapped.length < 17) throw new AppError(500, 'key-unwrap-failed', `Key ${keyId} is damaged.`, { keyId });
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#kek, iv);
      decipher.setAAD(Buffer.from(keyId, 'utf8'));
      decipher.setAuthTag(wrapped.subarray(wrapped.length - 16));
      return Buffer.concat([decipher.update(wrapped.subarray(0, wrapped.length - 16)), decipher.final()]);
    } catch {
      // Wrong KEK or tampered row; say which key, never anything about the bytes.
      throw new AppError(500, 'key-unwrap-failed', `Key ${keyId} cannot be unwrapped: wrong key-encryption key (SEAL_KEK) or tampered row.`, { keyId });
    }
  }
}

/** Reads SEAL_KEK-style base64 into the 32-byte KEK, with a clear error (never echoing the value). */
export function parseKek(base64: string): Buffer {
  const kek = Buffer.from(base64.trim(), 'base64');
  if (kek.length !== 32) throw new Error('SEAL_KEK must be base64 of exactly 32 bytes.');
  return kek;
}
