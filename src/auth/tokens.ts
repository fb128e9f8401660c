import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../store/db.js';
import type { Principal, Role } from './roles.js';

/** 256 random bits; the prefix makes a leaked token easy to recognise in a secret scanner. */
export function generateToken(): string {
  return 'seal_' + randomBytes(32).toString('base64url');
}

const BOOTSTRAP_LOCK = 724_113_902;

/** Tokens are stored only as their SHA-256. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Stores a new token for the user and returns it: the only time it is ever seen. */
export async function issueToken(q: Queryable, userId: string): Promise<string> {
  const token = generateToken();
  await q.query('INSERT INTO api_tokens (token_hash, user_id) VALUES ($1, $2)', [hashToken(token), userId]);
  return token;
}

export interface NewUser {
  name: string;
  role: Role;
  unitId: string | null;
}

export async function createUserWithToken(q: Queryable, user: NewUser): Promise<{ id: string; token: string }> {
  const id = randomUUID();
  await q.query('INSERT INTO users (id, unit_id, name, role) VALUES ($1, $2, $3, $4)', [
    id,
    user.unitId,
    user.name,
    user.role,
  ]);
  return { id, token: await issueToken(q, id) };
}

/**
 * The principal a token stands for, or null when the token is unknown or its user disabled.
 * The lookup goes through the hash's index; the stored hash is then compared in constant time,
 * so no timing difference depends on how much of a guessed token was right.
 */
export async function authenticateToken(q: Queryable, token: string): Promise<Principal | null> {
  if (token.length < 16 || token.length > 512) return null;
  const hash = hashToken(token);
  const { rows } = await q.query<{ token_hash: Uint8Array; id: string; name: string; role: Role; unit_id: string | null }>(
    `SELECT t.token_hash, u.id, u.name, u.role, u.unit_id
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND u.disabled_at IS NULL`,
    [hash],
  );
  const row = rows[0];
  if (!row || !timingSafeEqual(Buffer.from(row.token_hash), hash)) return null;
  return { userId: row.id, name: row.name, role: row.role, unitId: row.unit_id };
}

/**
 * SEAL_BOOTSTRAP_TOKEN: after start, a municipal-admin token with exactly this value exists.
 * Call inside a transaction: the advisory lock keeps two instances starting together from both creating it.
 */
export async function ensureBootstrapToken(q: Queryable, token: string): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
  const hash = hashToken(token);
  const { rows } = await q.query('SELECT 1 FROM api_tokens WHERE token_hash = $1', [hash]);
  if (rows.length > 0) return;
  const id = randomUUID();
  await q.query('INSERT INTO users (id, unit_id, name, role) VALUES ($1, NULL, $2, $3)', [
    id,
    'bootstrap administrator',
    'municipal-admin',
  ]);
  await q.query('INSERT INTO api_tokens (token_hash, user_id) VALUES ($1, $2)', [hash, id]);
}

/**
 * The first start (no SEAL_BOOTSTRAP_TOKEN): on a database with no user at all, one municipal administrator and its
 * token, which the caller prints once; null on every later start, because a user then exists. Call inside a
 * transaction: the same advisory lock as the bootstrap token keeps two instances starting together to one.
 */
export async function createFirstAdministrator(q: Queryable): Promise<{ id: string; token: string } | null> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
  const { rows } = await q.query('SELECT 1 FROM users LIMIT 1');
  if (rows.length > 0) return null;
  return createUserWithToken(q, { name: 'first municipal administrator', role: 'municipal-admin', unitId: null });
}

/** Replaces every token of the user with one new token (returned once): whatever was issued before stops working. */
export async function replaceTokens(q: Queryable, userId: string): Promise<string> {
  await q.query('DELETE FROM api_tokens WHERE user_id = $1', [userId]);
  return issueToken(q, userId);
}

