/**
 * The storage seam. Every module persists through this small interface, never through a driver.
 * Two adapters implement it: `pg` (PostgreSQL at DATABASE_URL) and embedded PGlite (SEAL_DATA_DIR).
 * One SQL dialect: PostgreSQL. Parameters are $1, $2, …
 *
 * Value conventions shared by both adapters:
 * - bytea comes back as a Uint8Array (Buffer under pg; wrap with Buffer.from(x) when you need one);
 * - bigint/int8 comes back as a string (pg's default), so keep 64-bit numbers as strings or bigint;
 * - timestamptz comes back as a Date; jsonb as parsed JSON.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pg' | 'pglite';
  /** Runs fn in one transaction: committed when fn resolves, rolled back (and rethrown) when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Throws when storage cannot be reached (used by /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
