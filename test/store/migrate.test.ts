import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { storageAdapters } from '../helpers/storage.js';

describe.each(storageAdapters())('storage on $name', (adapter) => {
  const open: Db[] = [];
  const fresh = async (opts?: { migrate?: boolean }) => {
    const db = await adapter.open(opts);
    open.push(db);
    return db;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((db) => db.close()));
  });

  it('applies every migration once and records it', async () => {
    const db = await fresh({ migrate: false });
    const all = loadMigrations().map((m) => m.version);
    expect(await migrate(db)).toEqual(all);
    expect(await migrate(db)).toEqual([]);
    const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(all);
  });

  it('two instances migrating at once apply each migration exactly once', async () => {
    const db = await fresh({ migrate: false });
    const results = await Promise.all([migrate(db), migrate(db)]);
    const applied = results.flat().sort((a, b) => a - b);
    expect(applied).toEqual(loadMigrations().map((m) => m.version));
  });

  it('a failed migration leaves nothing behind', async () => {
    const db = await fresh({ migrate: false });
    const broken = [
      { version: 1, name: 'good', sql: 'CREATE TABLE good_one (x int);' },
      { version: 2, name: 'bad', sql: 'CREATE TABLE bad_one (x int); SELECT no_such_function();' },
    ];
    await expect(migrate(db, broken)).rejects.toThrow();
    const { rows } = await db.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('good_one','bad_one','schema_migrations')`,
    );
    expect(rows).toEqual([]);
  });

  it('a failed transaction leaves nothing behind, a good one commits', async () => {
    const db = await fresh();
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO units (id, name, code) VALUES ('u1', 'A', '91350100M000100Y43')`);
        await tx.query(`INSERT INTO units (id, name, code) VALUES ('u1', 'duplicate id', 'x')`);
      }),
    ).rejects.toThrow();
    expect((await db.query('SELECT * FROM units')).rows).toEqual([]);
    await db.transaction((tx) => tx.query(`INSERT INTO units (id, name, code) VALUES ('u2', 'B', 'c')`));
    expect((await db.query<{ id: string }>('SELECT id FROM units')).rows.map((r) => r.id)).toEqual(['u2']);
  });

  it('returns int8 as string and bytea as bytes on both adapters', async () => {
    const db = await fresh();
    const { rows } = await db.query<{ n: string; b: Uint8Array }>(`SELECT 9007199254740993::int8 AS n, '\\x00ff'::bytea AS b`);
    expect(rows[0]!.n).toBe('9007199254740993');
    expect(Buffer.from(rows[0]!.b)).toEqual(Buffer.from([0, 255]));
  });
});
