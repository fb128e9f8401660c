import { createHash } from 'node:crypto';

/**
 * The shapes and hashes of the seal usage register (用印登记) that every side agrees on: the
 * service that writes it, the database check and the offline check of an export. Pure: no
 * storage, so `seal audit verify --export` loads nothing else.
 */
export interface AuditEntry {
  seq: string;
  at: string;
  action: string;
  outcome: 'ok' | 'refused';
  actorId: string | null;
  actorRole: string | null;
  onBehalfOf: string | null;
  unitId: string | null;
  sealId: string | null;
  requestId: string | null;
  client: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/**
 * 检查点 a checkpoint: the log's head (seq and hash) at one moment, time-stamped by our TSA and
 * signed by the audit key. Checkpoints are numbered 1, 2, … and chained by prevHash.
 */
export interface AuditCheckpoint {
  id: string;
  at: string;
  headSeq: string;
  headHash: string;
  /** The previous checkpoint's hash (zeros for the first). */
  prevHash: string;
  /** SHA-256 of the canonical body (id, at, headSeq, headHash, prevHash), hex. */
  hash: string;
  /** Base64 signature by the audit key over the canonical body. */
  signature: string;
  /** Base64 DER: the audit signer's certificate first, then its issuer's. */
  certificates: string[];
  /** Base64 RFC 3161 TimeStampToken whose message imprint is `hash`. */
  timestampToken: string;
}

/** The last line of an export: what was exported, and its head, signed by the audit key. */
export interface AuditTrailer {
  exportedAt: string;
  /** null for a whole export; otherwise the filter (then only each entry's own hash can be checked). */
  filter: Record<string, string> | null;
  entries: number;
  headSeq: string | null;
  headHash: string | null;
  checkpoints: number;
  lastCheckpointId: string | null;
  signature: string;
  certificates: string[];
}

export const GENESIS_HASH = '0'.repeat(64);
/** The action of the log entry that records each checkpoint (so a removed checkpoint shows in the log). */
export const CHECKPOINT_ACTION = 'audit.checkpoint';

/** JSON with object keys sorted at every depth: the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function entryHash(e: Omit<AuditEntry, 'hash'>): Buffer {
  const { prevHash, ...fields } = e;
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(canonicalJson(fields)).digest();
}

/** The bytes a checkpoint's signature covers and whose SHA-256 is its hash. */
export function checkpointBody(c: Pick<AuditCheckpoint, 'id' | 'at' | 'headSeq' | 'headHash' | 'prevHash'>): Buffer {
  return Buffer.from(canonicalJson({ kind: 'seal-audit-checkpoint', id: c.id, at: c.at, headSeq: c.headSeq, headHash: c.headHash, prevHash: c.prevHash }));
}

/** The bytes a trailer's signature covers. */
export function trailerBody(t: Omit<AuditTrailer, 'signature' | 'certificates'>): Buffer {
  return Buffer.from(
    canonicalJson({
      kind: 'seal-audit-export',
      exportedAt: t.exportedAt,
      filter: t.filter,
      entries: t.entries,
      headSeq: t.headSeq,
      headHash: t.headHash,
      checkpoints: t.checkpoints,
      lastCheckpointId: t.lastCheckpointId,
    }),
  );
}

export const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();
