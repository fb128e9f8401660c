import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import {
  checkpointBody,
  CHECKPOINT_ACTION,
  GENESIS_HASH,
  sha256,
  trailerBody,
  type AuditCheckpoint,
  type AuditTrailer,
} from './audit-chain.js';
import { allEntries, appendAudit, AUDIT_LOG_LOCK, listCheckpoints, type AuditFilter } from './audit.js';

/**
 * Anchoring the seal usage register: checkpoints (the head, time-stamped and signed) written every
 * N entries and every M minutes, and exports that end with a signed trailer.
 */

/** What anchoring needs from the CA: the audit key's signature and our TSA's time-stamp. */
export interface AuditAnchorSigner {
  sign(data: Uint8Array): Promise<{ signature: Buffer; certificates: Buffer[] }>;
  /** An RFC 3161 TimeStampToken over a SHA-256 hash. */
  timestamp(sha256Hash: Buffer): Promise<Buffer>;
}

export interface CheckpointPolicy {
  /** A checkpoint once this many entries were written since the last one. */
  everyEntries: number;
  /** A checkpoint at least this often while entries are being written. */
  everyMinutes: number;
}

export interface AuditAnchorDeps {
  db: Db;
  clock: Clock;
  signer: AuditAnchorSigner;
  policy: CheckpointPolicy;
  /** Which instance writes (host:pid), recorded in the log entry of each checkpoint it writes. */
  instance?: string;
}

interface Head {
  seq: string;
  hash: Buffer;
  at: Date;
}

/**
 * Writes a checkpoint when one is due (or, with `force`, whenever something was logged since the
 * last one). The time-stamp and signature are made outside any transaction (the TSA and the vault
 * use the database themselves); the checkpoint and the log entry that records it are then written
 * together under the log's lock. Several instances may try at once: the checkpoint number is the
 * primary key, so exactly one of them writes it. Returns the checkpoint written, or null.
 */
export async function writeCheckpointIfDue(deps: AuditAnchorDeps, opts: { force?: boolean } = {}): Promise<AuditCheckpoint | null> {
  const { db, clock } = deps;
  // The head, the last checkpoint and the time of the first entry, in one query (one snapshot): this runs after
  // every request that may have written to the register.
  const row = (await db.query<{
    seq: string; hash: Uint8Array; at: Date; first_at: Date;
    c_id: string | null; c_head_seq: string | null; c_hash: Uint8Array | null; c_at: Date | null;
  }>(
    `SELECT h.seq, h.hash, h.at, c.id AS c_id, c.head_seq AS c_head_seq, c.hash AS c_hash, c.at AS c_at,
            (SELECT at FROM audit_log ORDER BY seq LIMIT 1) AS first_at
       FROM (SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1) h
       LEFT JOIN LATERAL (SELECT id, head_seq, hash, at FROM audit_checkpoints ORDER BY id DESC LIMIT 1) c ON true`,
  )).rows[0];
  if (!row) return null;
  const head: Head = { seq: String(row.seq), hash: Buffer.from(row.hash), at: new Date(row.at) };
  const lastRow = row.c_id !== null ? { id: String(row.c_id), head_seq: String(row.c_head_seq), hash: row.c_hash!, at: row.c_at! } : undefined;
  // The entry that records the last checkpoint does not call for another one.
  const covered = lastRow ? BigInt(lastRow.head_seq) + 1n : 0n;
  const fresh = BigInt(head.seq) - covered;
  if (fresh <= 0n) return null;
  const now = clock.now();
  const since = new Date(lastRow ? lastRow.at : row.first_at);
  const due = opts.force || fresh >= BigInt(deps.policy.everyEntries) || now.getTime() - since.getTime() >= deps.policy.everyMinutes * 60_000;
  if (!due) return null;

  const body = {
    id: lastRow ? (BigInt(lastRow.id) + 1n).toString() : '1',
    at: now.toISOString(),
    headSeq: head.seq,
    headHash: head.hash.toString('hex'),
    prevHash: lastRow ? Buffer.from(lastRow.hash).toString('hex') : GENESIS_HASH,
  };
  const bytes = checkpointBody(body);
  const hash = sha256(bytes);
  const [signed, token] = await Promise.all([deps.signer.sign(bytes), deps.signer.timestamp(hash)]);
  const checkpoint: AuditCheckpoint = {
    ...body,
    hash: hash.toString('hex'),
    signature: signed.signature.toString('base64'),
    certificates: signed.certificates.map((c) => c.toString('base64')),
    timestampToken: token.toString('base64'),
  };
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOG_LOCK]);
    const taken = await tx.query('SELECT 1 FROM audit_checkpoints WHERE id = $1', [checkpoint.id]);
    if (taken.rows.length) return null; // another instance wrote this one
    await tx.query(
      `INSERT INTO audit_checkpoints (id, at, head_seq, head_hash, prev_hash, hash, signature, certificates, timestamp_token)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        checkpoint.id,
        checkpoint.at,
        checkpoint.headSeq,
        head.hash,
        Buffer.from(checkpoint.prevHash, 'hex'),
        hash,
        signed.signature,
        JSON.stringify(checkpoint.certificates),
        token,
      ],
    );
    await appendAudit(tx, clock, {
      action: CHECKPOINT_ACTION,
      details: {
        checkpointId: checkpoint.id,
        checkpointHash: checkpoint.hash,
        headSeq: checkpoint.headSeq,
        headHash: checkpoint.headHash,
        writtenBy: deps.instance ?? null,
      },
    });
    return checkpoint;
  });
}

/**
 * Keeps checkpoints coming: poke() after a change (writes when N entries accumulated), and a timer
 * (writes every M minutes while something was logged). One attempt at a time per instance; a
 * failure (the database down) is logged and retried at the next poke or tick.
 */
export class AuditCheckpointer {
  #running: Promise<unknown> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: AuditAnchorDeps,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  poke(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = writeCheckpointIfDue(this.deps)
      .catch(this.onError)
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  /** Resolves when the attempt under way (if any) is over. */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  start(tickMs = Math.min(this.deps.policy.everyMinutes * 60_000, 60_000)): void {
    this.stop();
    this.#timer = setInterval(() => this.poke(), tickMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.settled();
  }
}

/**
 * The export (NDJSON): the entries, then the checkpoints, then a trailer signed by the audit key
 * naming the head, the counts and the last checkpoint, all from one consistent snapshot. An
 * unfiltered export can be checked offline in full (`seal audit verify --export`); a filtered one
 * only entry by entry.
 */
export async function exportAuditTrail(
  deps: Pick<AuditAnchorDeps, 'db' | 'clock' | 'signer'>,
  filter: Omit<AuditFilter, 'limit' | 'afterSeq'>,
  write: (line: string) => void,
): Promise<AuditTrailer> {
  const filterRecord = filterOf(filter);
  const summary = await deps.db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    let entries = 0;
    let last: { seq: string; hash: string } | null = null;
    for await (const e of allEntries(tx, filter)) {
      write(JSON.stringify(e) + '\n');
      entries += 1;
      last = { seq: e.seq, hash: e.hash };
    }
    const checkpoints = await listCheckpoints(tx);
    for (const c of checkpoints) write(JSON.stringify({ checkpoint: c }) + '\n');
    return { entries, last, checkpoints: checkpoints.length, lastCheckpointId: checkpoints[checkpoints.length - 1]?.id ?? null };
  });
  const unsigned = {
    exportedAt: deps.clock.now().toISOString(),
    filter: filterRecord,
    entries: summary.entries,
    headSeq: summary.last?.seq ?? null,
    headHash: summary.last?.hash ?? null,
    checkpoints: summary.checkpoints,
    lastCheckpointId: summary.lastCheckpointId,
  };
  const signed = await deps.signer.sign(trailerBody(unsigned));
  const trailer: AuditTrailer = { ...unsigned, signature: signed.signature.toString('base64'), certificates: signed.certificates.map((c) => c.toString('base64')) };
  write(JSON.stringify({ trailer }) + '\n');
  return trailer;
}

function filterOf(f: Omit<AuditFilter, 'limit' | 'afterSeq'>): Record<string, string> | null {
  const out: Record<string, string> = {};
  if (f.unitId) out.unitId = f.unitId;
  if (f.sealId) out.sealId = f.sealId;
  if (f.from) out.from = f.from.toISOString();
  if (f.to) out.to = f.to.toISOString();
  if (f.action) out.action = f.action;
  if (f.documentSha256) out.documentSha256 = f.documentSha256.toLowerCase();
  return Object.keys(out).length ? out : null;
}
