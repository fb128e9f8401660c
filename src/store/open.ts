import { join } from 'node:path';
import type { Db } from './db.js';
import { grantServiceRole } from './grants.js';
import { migrate } from './migrate.js';
import { openPg } from './pg.js';
import { openPglite } from './pglite.js';

export interface StoreOptions {
  databaseUrl?: string;
  /** The owner role's URL (SEAL_DATABASE_OWNER_URL): migrations run as it, the service's role gets only what it needs. */
  databaseOwnerUrl?: string;
  dataDir: string;
}

/**
 * PostgreSQL when a URL is given, else embedded PGlite in `<dataDir>/db`; migrated before use.
 * With a separate owner URL, the owner migrates and grants, and the service's own connection never
 * runs DDL: it cannot alter the audit tables or their triggers (docs/operations/database-roles.md).
 */
export async function openStore(opts: StoreOptions): Promise<Db> {
  const db = opts.databaseUrl ? await openPg(opts.databaseUrl) : await openPglite(join(opts.dataDir, 'db'));
  try {
    if (opts.databaseUrl && opts.databaseOwnerUrl && opts.databaseOwnerUrl !== opts.databaseUrl) {
      const serviceRole = (await db.query<{ role: string }>('SELECT current_user AS role')).rows[0]!.role;
      const owner = await openPg(opts.databaseOwnerUrl, { max: 1 });
      try {
        await migrate(owner);
        await grantServiceRole(owner, serviceRole);
      } finally {
        await owner.close();
      }
    } else {
      await migrate(db);
    }
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
