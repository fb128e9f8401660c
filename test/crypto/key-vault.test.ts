import { createDecipheriv, createPrivateKey, createPublicKey, randomBytes, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePublicKey } from '../../src/algorithms/public-key.js';
import { sm2VerifyPure } from '../../src/algorithms/sm2-pure.js';
import { DbKeyVault, parseKek } from '../../src/crypto/db-key-vault.js';
import { AppError } from '../../src/errors.js';
import type { Db } from '../../src/store/db.js';
import { storageAdapters } from '../helpers/storage.js';

const appErrorType = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).type;
  }
  throw new Error('expected an AppError');
};

describe.each(storageAdapters())('DbKeyVault on $name', (adapter) => {
  let db: Db;
  const kek = randomBytes(32);
  let vault: DbKeyVault;

  beforeAll(async () => {
    db = await adapter.open();
    vault = new DbKeyVault(db, kek);
  });
  afterAll(async () => db.close());

  it.each([
    ['ECDSA-P256', 'prime256v1', 'SHA-256'],
    ['ECDSA-P384', 'secp384r1', 'SHA-384'],
    ['ECDSA-P256', 'prime256v1', 'SHA-512'],
  ] as const)('generates %s keys that sign DER ECDSA signatures verifiable with the SPKI (%s, %s)', async (alg, curve, hash) => {
    const { keyId, publicKeySpki } = await vault.generate(alg, { purpose: 'test' });
    const pub = createPublicKey({ key: publicKeySpki, format: 'der', type: 'spki' });
    expect(pub.asymmetricKeyDetails?.namedCurve).toBe(curve);
    expect(await vault.publicKey(keyId)).toEqual(publicKeySpki);
    expect(await vault.algorithm(keyId)).toBe(alg);
    const data = Buffer.from('to be signed');
    const sig = await vault.sign(keyId, data, hash);
    expect(sig[0]).toBe(0x30); // DER ECDSA-Sig-Value, as X.509 and CMS carry it
    expect(verify(hash.replace('-', '').toLowerCase(), data, { key: pub, dsaEncoding: 'der' }, sig)).toBe(true);
    expect(verify(hash.replace('-', '').toLowerCase(), Buffer.from('other'), { key: pub, dsaEncoding: 'der' }, sig)).toBe(false);
  });

  it('generates SM2 keys (GB/T 32918) that sign SM2 with SM3 and the standard user ID, and nothing else', async () => {
    const { keyId, publicKeySpki } = await vault.generate('SM2', { purpose: 'test' });
    const key = describePublicKey(publicKeySpki);
    expect(key).toMatchObject({ kind: 'ec', curve: 'SM2' });
    expect(await vault.algorithm(keyId)).toBe('SM2');
    const data = Buffer.from('to be signed');
    const sig = await vault.sign(keyId, data, 'SM3');
    const point = (key as { point: Buffer }).point;
    expect(sm2VerifyPure(point, data, sig)).toBe(true); // an independent implementation, Z_A included
    expect(sm2VerifyPure(point, Buffer.from('other'), sig)).toBe(false);
    expect(await appErrorType(vault.sign(keyId, data, 'SHA-256'))).toBe('unsupported-hash');
    expect(await appErrorType(vault.withQueryable(db).sign(keyId, data, 'SHA-384'))).toBe('unsupported-hash');
    // ECDSA keys do not sign with SM3 either
    const ec = await vault.generate('ECDSA-P256');
    expect(await appErrorType(vault.sign(ec.keyId, data, 'SM3'))).toBe('unsupported-hash');
    await vault.destroy(keyId);
    expect(await appErrorType(vault.sign(keyId, data, 'SM3'))).toBe('key-destroyed');
    expect(await vault.publicKey(keyId)).toEqual(publicKeySpki);
  });

  it('keeps keys wrapped at rest: AES-256-GCM under the KEK with the key id as AAD, no PKCS#8 in clear', async () => {
    const { keyId, publicKeySpki } = await vault.generate('ECDSA-P256');
    const row = (await db.query<{ wrapped_key: Uint8Array; wrap_iv: Uint8Array }>('SELECT wrapped_key, wrap_iv FROM vault_keys WHERE key_id = $1', [keyId]))
      .rows[0]!;
    const wrapped = Buffer.from(row.wrapped_key);
    expect(row.wrap_iv.length).toBe(12);
    // The clear PKCS#8 of a P-256 key starts with this; nothing in the table may contain it.
    const pkcs8Prefix = Buffer.from('020100301306072a8648ce3d020106082a8648ce3d030107', 'hex');
    const all = await db.query<Record<string, unknown>>('SELECT * FROM vault_keys');
    for (const r of all.rows) for (const v of Object.values(r)) if (v instanceof Uint8Array) expect(Buffer.from(v).includes(pkcs8Prefix)).toBe(false);
    expect(() => createPrivateKey({ key: wrapped, format: 'der', type: 'pkcs8' })).toThrow();
    // Unwrapping by hand as documented gives the private key of the published public key.
    const d = createDecipheriv('aes-256-gcm', kek, Buffer.from(row.wrap_iv));
    d.setAAD(Buffer.from(keyId));
    d.setAuthTag(wrapped.subarray(-16));
    const pkcs8 = Buffer.concat([d.update(wrapped.subarray(0, -16)), d.final()]);
    expect(pkcs8.includes(pkcs8Prefix)).toBe(true);
    const pub = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
    expect(pub).toEqual(publicKeySpki);
  });

  it('fails cleanly with a wrong KEK, and when a wrapped key is moved to another row', async () => {
    const { keyId } = await vault.generate('ECDSA-P256');
    const wrong = new DbKeyVault(db, randomBytes(32));
    let err: AppError | undefined;
    try {
      await wrong.sign(keyId, Buffer.from('x'), 'SHA-256');
    } catch (e) {
      err = e as AppError;
    }
    expect(err).toBeInstanceOf(AppError);
    expect(err!.type).toBe('key-unwrap-failed');
    expect(err!.message).toMatch(/SEAL_KEK/);
    expect(err!.message).not.toMatch(/[0-9a-f]{32}/i); // no key bytes in the message

    const other = await vault.generate('ECDSA-P256');
    await db.query(
      'UPDATE vault_keys SET wrapped_key = src.wrapped_key, wrap_iv = src.wrap_iv FROM vault_keys src WHERE src.key_id = $1 AND vault_keys.key_id = $2',
      [keyId, other.keyId],
    );
    expect(await appErrorType(vault.sign(other.keyId, Buffer.from('x'), 'SHA-256'))).toBe('key-unwrap-failed');
  });

  it('destroy() really removes the wrapped key; sign fails, the public key stays', async () => {
    const { keyId, publicKeySpki } = await vault.generate('ECDSA-P384');
    await vault.sign(keyId, Buffer.from('before'), 'SHA-384');
    await vault.destroy(keyId);
    const row = (await db.query<{ wrapped_key: unknown; wrap_iv: unknown; destroyed_at: unknown }>(
      'SELECT wrapped_key, wrap_iv, destroyed_at FROM vault_keys WHERE key_id = $1',
      [keyId],
    )).rows[0]!;
    expect(row.wrapped_key).toBeNull();
    expect(row.wrap_iv).toBeNull();
    expect(row.destroyed_at).toBeInstanceOf(Date);
    expect(await appErrorType(vault.sign(keyId, Buffer.from('after'), 'SHA-384'))).toBe('key-destroyed');
    expect(await vault.publicKey(keyId)).toEqual(publicKeySpki);
    await vault.destroy(keyId); // idempotent
  });

  it('answers unknown keys and algorithms with clear errors', async () => {
    expect(await appErrorType(vault.sign('key_nope', Buffer.from('x'), 'SHA-256'))).toBe('key-not-found');
    expect(await appErrorType(vault.publicKey('key_nope'))).toBe('key-not-found');
    expect(await appErrorType(vault.destroy('key_nope'))).toBe('key-not-found');
    expect(await appErrorType(vault.generate('RSA-2048' as never))).toBe('unsupported-key-algorithm');
  });

  it('destroys inside a caller transaction without disturbing it', async () => {
    const { keyId } = await vault.generate('ECDSA-P256');
    await db.transaction(async (tx) => {
      await vault.withQueryable(tx).destroy(keyId);
      await tx.query('SELECT 1'); // the transaction is still usable
    });
    expect(await appErrorType(vault.sign(keyId, Buffer.from('x'), 'SHA-256'))).toBe('key-destroyed');
  });

  it('reads a key\'s algorithm from its row once; sign() still reads the row every time (a destroy anywhere takes effect at once)', async () => {
    const { keyId } = await vault.generate('ECDSA-P384');
    const queries: string[] = [];
    const counted = new DbKeyVault({ query: (sql, params) => { queries.push(sql); return db.query(sql, params); }, exec: (sql) => db.exec(sql) }, kek);
    expect(await counted.algorithm(keyId)).toBe('ECDSA-P384');
    expect(await counted.algorithm(keyId)).toBe('ECDSA-P384');
    expect(await vault.algorithm(keyId)).toBe('ECDSA-P384');
    expect(queries.filter((q) => q.includes('vault_keys'))).toHaveLength(1);
    await counted.sign(keyId, Buffer.from('x'), 'SHA-384');
    await counted.sign(keyId, Buffer.from('y'), 'SHA-384');
    expect(queries.filter((q) => q.includes('vault_keys'))).toHaveLength(3);
    await vault.destroy(keyId);
    expect(await appErrorType(counted.sign(keyId, Buffer.from('x'), 'SHA-384'))).toBe('key-destroyed');
    expect(await counted.algorithm(keyId)).toBe('ECDSA-P384'); // as before: the algorithm outlives the key material
    expect(await appErrorType(counted.algorithm('key_nope'))).toBe('key-not-found');
  });

  it('joins a caller transaction: keys made in a rolled-back transaction are gone', async () => {
    let made = '';
    await expect(
      db.transaction(async (tx) => {
        made = (await vault.withQueryable(tx).generate('ECDSA-P256')).keyId;
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await db.query('SELECT 1 FROM vault_keys WHERE key_id = $1', [made])).rows).toHaveLength(0);
  });
});

describe('KEK parsing', () => {
  it('wants exactly 32 bytes', () => {
    expect(parseKek(randomBytes(32).toString('base64'))).toHaveLength(32);
    expect(() => parseKek(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => new DbKeyVault({ query: async () => ({ rows: [], rowCount: 0 }), exec: async () => undefined }, randomBytes(31))).toThrow(/32 bytes/);
  });
});
