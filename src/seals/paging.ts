import { badRequest } from '../errors.js';

/**
 * The one paging convention of every list (units, users, applications, seals, the register):
 * newest first, `?limit=` (1..1000, default 50) and `?cursor=` from the previous page's `nextCursor`,
 * answered as `{items, nextCursor}`; nextCursor is null on the last page.
 *
 * Keyset paging, not OFFSET: a cursor holds the sort key of the last item given (e.g. its creation
 * time and id), so a row written while someone pages does not shift or repeat the pages after it.
 * The cursor is opaque to callers (base64url of the key), so its contents can change.
 */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export function pageSize(req: PageRequest): number {
  const n = req.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw badRequest('invalid-request', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}.`, { field: 'query.limit' });
  return n;
}

export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The key a cursor holds, checked to be `length` strings; anything else is 400 naming query.cursor. */
export function decodeCursor(cursor: string | undefined, length: number): string[] | undefined {
  if (cursor === undefined) return undefined;
  const bad = () => badRequest('invalid-cursor', 'cursor must be a nextCursor this service gave.', { field: 'query.cursor' });
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(key) || key.length !== length || !key.every((k) => typeof k === 'string' && k.length > 0 && k.length <= 100)) throw bad();
  return key as string[];
}

/**
 * Rows fetched with LIMIT size + 1 become one page: the extra row only says that there is more.
 * `keyOf` gives the sort key of a row, which the next page starts after.
 */
export function pageOf<R, T>(rows: R[], size: number, keyOf: (row: R) => string[], view: (row: R) => T): Page<T> {
  const more = rows.length > size;
  const shown = more ? rows.slice(0, size) : rows;
  return { items: shown.map(view), nextCursor: more ? encodeCursor(keyOf(shown[shown.length - 1]!)) : null };
}

/**
 * A creation-time column as exact text for a cursor: a JS Date keeps milliseconds, PostgreSQL keeps
 * microseconds, and a key cut to milliseconds would skip rows made within the same millisecond.
 */
export const exactTime = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Collects SQL conditions with numbered parameters. */
export class Where {
  readonly params: unknown[] = [];
  private readonly clauses: string[] = [];

  /** `sql` uses `?` for each parameter, in order. */
  add(sql: string, ...values: unknown[]): this {
    let i = 0;
    this.clauses.push(
      sql.replace(/\?/g, () => {
        this.params.push(values[i++]);
        return `$${this.params.length}`;
      }),
    );
    return this;
  }

  /** A parameter for use outside the WHERE clause (e.g. LIMIT); returns its placeholder. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  get sql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/** `q` as an ILIKE pattern matching it anywhere, with LIKE's wildcards taken literally. */
export const containsPattern = (q: string): string => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
