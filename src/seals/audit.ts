import type { Clock } from '../clock.js';
import { badRequest } from '../errors.js';
import type { Db, Queryable } from '../store/db.js';
import { entryHash, type AuditCheckpoint, type AuditEntry } from './audit-chain.js';
import { AuditTrailVerifier, type AuditVerifyReport } from './audit-verify.js';
import { decodeCursor, pageOf, pageSize, Where, type Page, type PageRequest } from './paging.js';

/**
 * 用印登记 the seal usage register: every state change, every sealing and every refused attempt.
 * Append-only and hash-chained: each entry's hash covers its own fields and the previous entry's
 * hash, and seq has no gaps, so an edited, inserted or deleted row breaks the chain (verifyAuditChain).
 */
export interface AuditInput {
  action: string;
  outcome?: 'ok' | 'refused';
  actorId?: string | null;
  actorRole?: string | null;
  /** The operator a platform acts for (header Seal-Operator). */
  onBehalfOf?: string | null;
  unitId?: string | null;
  sealId?: string | null;
  requestId?: string | null;
  client?: string | null;
  details?: Record<string, unknown>;
}

export type { AuditEntry } from './audit-chain.js';

const AUDIT_LOCK = 724_113_910;
const GENESIS = Buffer.alloc(32);

interface AuditRow {
  seq: string;
  at: Date;
  action: string;
  outcome: 'ok' | 'refused';
  actor_id: string | null;
  actor_role: string | null;
  on_behalf_of: string | null;
  unit_id: string | null;
  seal_id: string | null;
  request_id: string | null;
  client: string | null;
  details: Record<string, unknown>;
  prev_hash: Uint8Array;
  hash: Uint8Array;
}

const fromRow = (r: AuditRow): AuditEntry => ({
  seq: String(r.seq),
  at: new Date(r.at).toISOString(),
  action: r.action,
  outcome: r.outcome,
  actorId: r.actor_id,
  actorRole: r.actor_role,
  onBehalfOf: r.on_behalf_of,
  unitId: r.unit_id,
  sealId: r.seal_id,
  requestId: r.request_id,
  client: r.client,
  details: r.details,
  prevHash: Buffer.from(r.prev_hash).toString('hex'),
  hash: Buffer.from(r.hash).toString('hex'),
});

/** Appends one entry. Call inside the transaction whose change it records, as its last step (it holds the log's lock until commit). */
export async function appendAudit(tx: Queryable, clock: Clock, input: AuditInput): Promise<AuditEntry> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
  const last = (await tx.query<{ seq: string; hash: Uint8Array }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')).rows[0];
  const unsigned: Omit<AuditEntry, 'hash'> = {
    seq: last ? (BigInt(last.seq) + 1n).toString() : '1',
    at: clock.now().toISOString(),
    action: input.action,
    outcome: input.outcome ?? 'ok',
    actorId: input.actorId ?? null,
    actorRole: input.actorRole ?? null,
    onBehalfOf: input.onBehalfOf ?? null,
    unitId: input.unitId ?? null,
    sealId: input.sealId ?? null,
    requestId: input.requestId ?? null,
    client: input.client ?? null,
    // through JSON once, so what is hashed is exactly what jsonb will give back
    details: JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>,
    prevHash: (last ? Buffer.from(last.hash) : GENESIS).toString('hex'),
  };
  const hash = entryHash(unsigned);
  await tx.query(
    `INSERT INTO audit_log (seq, at, action, outcome, actor_id, actor_role, on_behalf_of, unit_id, seal_id, request_id, client, details, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      unsigned.seq,
      unsigned.at,
      unsigned.action,
      unsigned.outcome,
      unsigned.actorId,
      unsigned.actorRole,
      unsigned.onBehalfOf,
      unsigned.unitId,
      unsigned.sealId,
      unsigned.requestId,
      unsigned.client,
      JSON.stringify(unsigned.details),
      Buffer.from(unsigned.prevHash, 'hex'),
      hash,
    ],
  );
  return { ...unsigned, hash: hash.toString('hex') };
}

export interface AuditFilter {
  unitId?: string;
  sealId?: string;
  from?: Date;
  to?: Date;
  /** Entries of one action (e.g. seal.used). */
  action?: string;
  /**
   * Entries about one document, by the SHA-256 (hex) of the PDF as sent or as given back: sealed
   * (documentSha256, sealedSha256), verified (documentSha256) or extended (documentSha256, extendedSha256).
   */
  documentSha256?: string;
  /** Entries with seq greater than this (internal, oldest-first reading: export and chain check). */
  afterSeq?: string;
  limit?: number;
}

function where(f: AuditFilter): Where {
  const w = new Where();
  if (f.unitId) w.add('unit_id = ?', f.unitId);
  if (f.sealId) w.add('seal_id = ?', f.sealId);
  if (f.from) w.add('at >= ?', f.from.toISOString());
  if (f.to) w.add('at < ?', f.to.toISOString());
  if (f.action) w.add('action = ?', f.action);
  if (f.documentSha256) {
    const h = f.documentSha256.toLowerCase();
    // each arm can use its partial index (040_list_indexes.sql): PostgreSQL ORs three index scans
    w.add(`(details->>'documentSha256' = ? OR details->>'sealedSha256' = ? OR details->>'extendedSha256' = ?)`, h, h, h);
  }
  if (f.afterSeq) w.add('seq > ?', f.afterSeq);
  return w;
}

/** Entries oldest first (the order the chain is checked and exported in). */
export async function listAudit(db: Queryable, filter: AuditFilter): Promise<AuditEntry[]> {
  const w = where(filter);
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
  const { rows } = await db.query<AuditRow>(`SELECT * FROM audit_log ${w.sql} ORDER BY seq LIMIT ${limit}`, w.params);
  return rows.map(fromRow);
}

/** The register as a list (GET /v1/audit): newest first, paged like every list (paging.ts). */
export async function listAuditPage(db: Queryable, filter: Omit<AuditFilter, 'afterSeq' | 'limit'>, page: PageRequest): Promise<Page<AuditEntry>> {
  const w = where(filter);
  const size = pageSize(page);
  const before = decodeCursor(page.cursor, 1);
  if (before) {
    if (!/^[0-9]{1,19}$/.test(before[0]!)) throw badRequest('invalid-cursor', 'cursor must be a nextCursor this service gave.', { field: 'query.cursor' });
    w.add('seq < ?', before[0]);
  }
  const { rows } = await db.query<AuditRow>(`SELECT * FROM audit_log ${w.sql} ORDER BY seq DESC LIMIT ${w.param(size + 1)}`, w.params);
  return pageOf(rows, size, (r) => [String(r.seq)], fromRow);
}

/** Every matching entry, in pages, for the NDJSON export (memory stays bounded). */
export async function* exportAudit(db: Queryable, filter: Omit<AuditFilter, 'limit' | 'afterSeq'>): AsyncGenerator<AuditEntry> {
  let afterSeq: string | undefined;
  for (;;) {
    const page = await listAudit(db, { ...filter, afterSeq, limit: 1000 });
    yield* page;
    if (page.length < 1000) return;
    afterSeq = page[page.length - 1]!.seq;
  }
}

/** Appends under the log's lock; exported for the checkpoint writer, which records each checkpoint in the log. */
export const AUDIT_LOG_LOCK = AUDIT_LOCK;

export { fromRow as auditEntryFromRow, type AuditRow };
export type AuditChainReport = AuditVerifyReport;

/**
 * Checks the whole register in the database: the hash chain and the signed checkpoints (see
 * AuditTrailVerifier), on one consistent snapshot of both tables. `trustAnchors`: the root(s) the
 * audit signer and the TSA must chain to.
 */
export async function verifyAuditChain(db: Db, trustAnchors: Buffer[]): Promise<AuditVerifyReport> {
  return db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const v = await AuditTrailVerifier.create(await listCheckpoints(tx), { trustAnchors });
    for await (const e of allEntries(tx)) v.add(e);
    return await v.finish();
  });
}

/** Every entry in seq order, in pages (memory stays bounded). */
export async function* allEntries(q: Queryable, filter: Omit<AuditFilter, 'limit' | 'afterSeq'> = {}): AsyncGenerator<AuditEntry> {
  yield* exportAudit(q, filter);
}

export interface CheckpointRow {
  id: string;
  at: Date;
  head_seq: string;
  head_hash: Uint8Array;
  prev_hash: Uint8Array;
  hash: Uint8Array;
  signature: Uint8Array;
  certificates: string[];
  timestamp_token: Uint8Array;
}

export const checkpointFromRow = (r: CheckpointRow): AuditCheckpoint => ({
  id: String(r.id),
  at: new Date(r.at).toISOString(),
  headSeq: String(r.head_seq),
  headHash: Buffer.from(r.head_hash).toString('hex'),
  prevHash: Buffer.from(r.prev_hash).toString('hex'),
  hash: Buffer.from(r.hash).toString('hex'),
  signature: Buffer.from(r.signature).toString('base64'),
  certificates: r.certificates,
  timestampToken: Buffer.from(r.timestamp_token).toString('base64'),
});

export async function listCheckpoints(q: Queryable): Promise<AuditCheckpoint[]> {
  const { rows } = await q.query<CheckpointRow>('SELECT * FROM audit_checkpoints ORDER BY id');
  return rows.map(checkpointFromRow);
}
