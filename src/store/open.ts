import { join } from 'node:path';
import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { openPg } from './pg.js';
import { openPglite } from './pglite.js';

/** PostgreSQL when a URL is given, else embedded PGlite in `<dataDir>/db`; migrated before use. */
export async function openStore(opts: { databaseUrl?: string; dataDir: string }): Promise<Db> {
  const db = opts.databaseUrl ? await openPg(opts.databaseUrl) : await openPglite(join(opts.dataDir, 'db'));
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
