import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './db.js';
import { lockDirectory, type DirLock } from './dir-lock.js';

const INT8_OID = 20;

/**
 * Embedded PostgreSQL (PGlite) in a data directory, so `npm start` works with nothing installed.
 * `dir` undefined means in memory (tests). PGlite has one connection: transactions are serialised,
 * which is also what makes concurrent state changes safe here.
 */
export async function openPglite(dir?: string): Promise<Db> {
  let lock: DirLock | undefined;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    lock = lockDirectory(dir);
  }
  let pglite: PGlite;
  try {
    // int8 as string, as pg returns it, so code behaves the same on both adapters.
    pglite = await PGlite.create(dir, { parsers: { [INT8_OID]: (v: string) => v } });
  } catch (err) {
    lock?.release();
    throw err;
  }
  let closed = false;

  const wrap = async <R>(
    q: { query: (sql: string, params?: unknown[]) => Promise<{ rows: unknown[]; affectedRows?: number }> },
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>> => {
    const res = await q.query(sql, params ? [...params] : undefined);
    return { rows: res.rows as R[], rowCount: res.affectedRows ?? res.rows.length };
  };

  return {
    kind: 'pglite',
    query: (sql, params) => wrap(pglite, sql, params),
    async exec(sql) {
      await pglite.exec(sql);
    },
    transaction(fn) {
      return pglite.transaction(async (t) => {
        const tx: Queryable = {
          query: (sql, params) => wrap(t, sql, params),
          exec: async (sql) => void (await t.exec(sql)),
        };
        return fn(tx);
      });
    },
    async ping() {
      if (closed || pglite.closed) throw new Error('embedded database is closed');
      await pglite.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}
