import pg from 'pg';
import type { Db, Queryable, QueryResult } from './db.js';
import { asStorageError, isConnectionError, StorageUnavailableError } from './unavailable.js';

/**
 * PostgreSQL adapter (production, CI): a connection pool against DATABASE_URL. When the server is
 * down, calls fail within about a second with StorageUnavailableError (503), never hang: a new
 * connection gives up after `connectTimeoutMs`, and a broken connection is dropped from the pool,
 * so the service recovers by itself once the server is back.
 */
export async function openPg(url: string, opts: { max?: number; schema?: string; connectTimeoutMs?: number } = {}): Promise<Db> {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 1_000;
  // pg uses one setting for two waits: for a connection to the server, and for a free pooled client
  // under load. The first must be short (a server that is gone answers 503 at once), the second
  // not (a busy moment is not an outage): the client class gets the short one.
  class FastConnectClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    Client: FastConnectClient,
    connectionTimeoutMillis: 15_000,
    keepAlive: true,
    // A schema of its own keeps parallel test runs on one database apart.
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // A client losing its connection (the server stopped or restarted) must not crash the process:
  // idle ones are dropped by the pool, and a checked-out one emits 'error' too, which with no
  // listener would be thrown. Its pending and next queries fail, and are answered 503.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));

  const run = async <R>(q: { query: pg.Pool['query'] } | pg.PoolClient, sql: string, params?: readonly unknown[]) => {
    const res = await q.query(sql, params as unknown[] | undefined).catch((e: unknown) => {
      throw asStorageError(e);
    });
    return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 } satisfies QueryResult<R>;
  };

  const db: Db = {
    kind: 'pg',
    query: (sql, params) => run(pool, sql, params),
    async exec(sql) {
      await pool.query(sql).catch((e: unknown) => {
        throw asStorageError(e);
      });
    },
    async transaction(fn) {
      const client = await pool.connect().catch((e: unknown) => {
        throw asStorageError(e);
      });
      let broken = false;
      try {
        await client.query('BEGIN');
        const tx: Queryable = {
          query: (sql, params) => run(client, sql, params),
          exec: async (sql) =>
            void (await client.query(sql).catch((e: unknown) => {
              throw asStorageError(e);
            })),
        };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        const cause = err instanceof StorageUnavailableError ? err.cause : err;
        if (isConnectionError(cause)) broken = true;
        else await client.query('ROLLBACK').catch(() => (broken = true));
        throw asStorageError(err);
      } finally {
        // A client whose connection failed is discarded, not handed to the next caller.
        client.release(broken ? new Error('connection lost') : undefined);
      }
    },
    async ping() {
      await pool.query('SELECT 1').catch((e: unknown) => {
        throw asStorageError(e);
      });
    },
    async close() {
      await pool.end();
    },
  };
  await db.ping();
  return db;
}
