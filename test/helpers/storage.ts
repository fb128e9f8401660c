import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPg } from '../../src/store/pg.js';
import { openPglite } from '../../src/store/pglite.js';

export interface StorageAdapter {
  name: 'pglite' | 'pg';
  /** A fresh, migrated, empty database of this kind; close() removes it. */
  open(opts?: { migrate?: boolean }): Promise<Db>;
}

/** A schema of its own per test database, so parallel test files on one PostgreSQL never meet. */
async function openPgSchema(url: string, opts: { migrate?: boolean }): Promise<Db> {
  const schema = 't_' + randomBytes(6).toString('hex');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const db = await openPg(url, { schema, max: 4 });
  if (opts.migrate !== false) await migrate(db);
  const close = db.close.bind(db);
  return Object.assign(db, {
    async close() {
      await close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  });
}

/** PGlite always; PostgreSQL too when DATABASE_URL is set (as .ci/run does). */
export function storageAdapters(): StorageAdapter[] {
  const adapters: StorageAdapter[] = [
    {
      name: 'pglite',
      async open(opts = {}) {
        const db = await openPglite();
        if (opts.migrate !== false) await migrate(db);
        return db;
      },
    },
  ];
  const url = process.env.DATABASE_URL;
  if (url) adapters.push({ name: 'pg', open: (opts = {}) => openPgSchema(url, opts) });
  else if (process.env.CI) throw new Error('CI is set but DATABASE_URL is not: the PostgreSQL adapter would go untested');
  return adapters;
}
