import { verify as verifySignature } from 'node:crypto';
import * as asn1js from 'asn1js';
import { OID } from '../asn1/oids.js';
import { parseCertificate, type ParsedCertificate } from '../verify/certificate.js';
import { validateChain } from '../verify/chain.js';
import { publicKeyFromSpki } from '../verify/port/node.js';
import { verifyTimestampToken } from '../verify/timestamp.js';
import {
  checkpointBody,
  CHECKPOINT_ACTION,
  entryHash,
  GENESIS_HASH,
  sha256,
  trailerBody,
  type AuditCheckpoint,
  type AuditEntry,
  type AuditTrailer,
} from './audit-chain.js';

/**
 * The one check of the seal usage register, fed either from the database or from an exported
 * NDJSON file (offline, no database). It detects:
 * - an edited row (its hash no longer matches its fields), an inserted, deleted or renumbered row
 *   (a gap or a broken link);
 * - a chain rewritten and re-hashed from some entry on (the entry at a checkpoint's head no longer
 *   has the hash the signed, time-stamped checkpoint recorded);
 * - a cut tail or a TRUNCATE (the log ends before the last checkpoint's head, or a checkpoint's own
 *   log entry is gone);
 * - a removed or edited checkpoint (checkpoints are numbered without gaps, chained, signed, and each
 *   is recorded by an entry of the log);
 * - for an export: a cut or edited file (the signed trailer names the head, the counts and the last
 *   checkpoint).
 * Entries after the last checkpoint are protected by the chain alone until the next checkpoint.
 */
export interface AuditVerifyReport {
  valid: boolean;
  entries: number;
  /** The last entry's hash. */
  headHash: string | null;
  headSeq: string | null;
  checkpoints: number;
  lastCheckpoint: { id: string; at: string; headSeq: string } | null;
  /** false for a filtered export: only each entry's own hash could be checked. */
  chainChecked: boolean;
  /** The first entry that does not hold, when the problem is at an entry. */
  firstBadSeq?: string;
  /** The first problem found, in words. */
  problem?: string;
  problems: string[];
}

export interface AuditVerifyOptions {
  /** Root certificates (DER) the audit signer's and the TSA's certificates must chain to. */
  trustAnchors: Buffer[];
  /** Entries are a filtered selection (an export with a filter): links and gaps are not checked. */
  filtered?: boolean;
  /** An export must end with a signed trailer; the database check has none. */
  trailer?: AuditTrailer | null;
  expectTrailer?: boolean;
}

const MAX_PROBLEMS = 50;
/**
 * Our audit EKU as the certificate parser spells it: asn1js writes an arc above 2^53 (our 2.25 UUID
 * arc) in its own hexadecimal form, so the expected value is spelled by the same code.
 */
const AUDIT_EKU = ((v: string) => (asn1js.fromBER(new asn1js.ObjectIdentifier({ value: v }).toBER()).result as asn1js.ObjectIdentifier).valueBlock.toString())(
  OID.kpAuditLogSigning,
);
/** A checkpoint's time-stamp is made right after its time is taken. */
const TIMESTAMP_SLACK_MS = 10 * 60_000;

export class AuditTrailVerifier {
  readonly #anchors: ParsedCertificate[];
  readonly #checkpoints: AuditCheckpoint[];
  readonly #byHead = new Map<string, AuditCheckpoint[]>();
  readonly #byId = new Map<string, AuditCheckpoint>();
  readonly #recorded = new Set<string>();
  readonly #problems: string[] = [];
  #firstBadSeq: string | undefined;
  #prev = GENESIS_HASH;
  #expectedSeq = 1n;
  #count = 0;
  #lastSeq: string | null = null;
  #lastHash: string | null = null;

  /** Checks the checkpoints (their signatures and time-stamps verify asynchronously), then takes entries with add(). */
  static async create(checkpoints: AuditCheckpoint[], opts: AuditVerifyOptions): Promise<AuditTrailVerifier> {
    const v = new AuditTrailVerifier(checkpoints, opts);
    await v.#checkCheckpoints();
    return v;
  }

  private constructor(checkpoints: AuditCheckpoint[], private readonly opts: AuditVerifyOptions) {
    this.#anchors = opts.trustAnchors.map((a) => parseCertificate(a));
    this.#checkpoints = [...checkpoints].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    for (const c of this.#checkpoints) {
      this.#byId.set(c.id, c);
      const list = this.#byHead.get(c.headSeq) ?? [];
      list.push(c);
      this.#byHead.set(c.headSeq, list);
    }
  }

  #problem(text: string, seq?: string) {
    if (seq !== undefined && this.#firstBadSeq === undefined && this.#problems.length === 0) this.#firstBadSeq = seq;
    if (this.#problems.length < MAX_PROBLEMS) this.#problems.push(text);
  }

  /** Each checkpoint on its own (hash, signature, time-stamp) and as a numbered chain. */
  async #checkCheckpoints(): Promise<void> {
    let prevHash = GENESIS_HASH;
    let prevId = 0n;
    let prevHead = -1n;
    let expected = 1n;
    for (const c of this.#checkpoints) {
      const id = BigInt(c.id);
      if (id !== expected && !this.opts.filtered) this.#problem(`checkpoint ${expected} is missing (the next is ${c.id})`);
      expected = id + 1n;
      const body = checkpointBody(c);
      const hash = sha256(body);
      if (hash.toString('hex') !== c.hash) {
        this.#problem(`checkpoint ${c.id} was changed after it was written`);
        continue;
      }
      // a checkpoint links to the one numbered just before it (the first to zeros); a gap is reported above
      const linkable = id === 1n ? GENESIS_HASH : prevId === id - 1n ? prevHash : null;
      if (linkable !== null && c.prevHash !== linkable) this.#problem(`checkpoint ${c.id} does not link to checkpoint ${id - 1n}`);
      prevHash = c.hash;
      prevId = id;
      if (BigInt(c.headSeq) < prevHead) this.#problem(`checkpoint ${c.id} records an older head than the checkpoint before it`);
      prevHead = BigInt(c.headSeq);
      const signer = await this.#signerProblem(c.certificates, new Date(c.at), body, c.signature);
      if (signer) {
        this.#problem(`checkpoint ${c.id}: ${signer}`);
        continue;
      }
      const ts = await verifyTimestampToken(Buffer.from(c.timestampToken, 'base64'), () => hash, { anchors: this.#anchors, pool: [] });
      if (!ts.ok) this.#problem(`checkpoint ${c.id}: its time-stamp does not hold (${ts.reason}: ${ts.detail})`);
      else if (Math.abs(ts.genTime.getTime() - new Date(c.at).getTime()) > TIMESTAMP_SLACK_MS) {
        this.#problem(`checkpoint ${c.id}: its time-stamp (${ts.genTime.toISOString()}) does not match its time ${c.at}`);
      }
    }
  }

  /** Why a signature by the audit key does not hold, or null when it does. */
  async #signerProblem(certificatesB64: string[], at: Date, body: Buffer, signatureB64: string): Promise<string | null> {
    let certs: ParsedCertificate[];
    try {
      certs = certificatesB64.map((c) => parseCertificate(Buffer.from(c, 'base64')));
    } catch (e) {
      return `the signer's certificate cannot be read (${(e as Error).message})`;
    }
    const leaf = certs[0];
    if (!leaf) return 'no signer certificate';
    const chain = await validateChain(leaf, certs.slice(1), this.#anchors, {
      at,
      leafKeyUsage: ['digitalSignature', 'nonRepudiation'],
      leafExtKeyUsage: AUDIT_EKU,
    });
    if (!chain.ok) return `the signer is not the audit key of a trusted CA (${chain.reason}: ${chain.detail})`;
    let ok = false;
    try {
      ok = verifySignature('sha256', body, publicKeyFromSpki(leaf.spki), Buffer.from(signatureB64, 'base64'));
    } catch {
      ok = false;
    }
    return ok ? null : 'the audit key signature does not match';
  }

  /** Feeds the next entry, in seq order. */
  add(e: AuditEntry): void {
    const { hash, ...unsigned } = e;
    const filtered = this.opts.filtered === true;
    if (!filtered && BigInt(e.seq) !== this.#expectedSeq) this.#problem(`entry ${this.#expectedSeq} is missing (next is ${e.seq})`, e.seq);
    else if (!filtered && e.prevHash !== this.#prev) this.#problem(`entry ${e.seq} does not link to the entry before it`, e.seq);
    if (entryHash(unsigned).toString('hex') !== hash) this.#problem(`entry ${e.seq} was changed after it was written`, e.seq);
    if (!filtered) {
      for (const c of this.#byHead.get(e.seq) ?? []) {
        if (c.headHash !== hash) this.#problem(`entry ${e.seq} is not the entry checkpoint ${c.id} signed: the chain was rewritten`, e.seq);
      }
      if (e.action === CHECKPOINT_ACTION) {
        const id = String(e.details.checkpointId ?? '');
        const c = this.#byId.get(id);
        if (!c) this.#problem(`checkpoint ${id}, recorded by entry ${e.seq}, is missing`, e.seq);
        else if (c.hash !== e.details.checkpointHash) this.#problem(`checkpoint ${id} is not the one entry ${e.seq} recorded`, e.seq);
        this.#recorded.add(id);
      }
    }
    this.#prev = hash;
    this.#expectedSeq = BigInt(e.seq) + 1n;
    this.#count += 1;
    this.#lastSeq = e.seq;
    this.#lastHash = hash;
  }

  async finish(): Promise<AuditVerifyReport> {
    const filtered = this.opts.filtered === true;
    const last = this.#checkpoints[this.#checkpoints.length - 1];
    if (!filtered) {
      const end = this.#lastSeq === null ? 0n : BigInt(this.#lastSeq);
      const beyond = this.#checkpoints.filter((c) => BigInt(c.headSeq) > end);
      if (beyond.length) {
        const c = beyond[beyond.length - 1]!;
        this.#problem(`the log ends at entry ${end} but checkpoint ${c.id} covers up to entry ${c.headSeq}: entries were cut off or the log was truncated`);
      }
      for (const c of this.#checkpoints) {
        if (!this.#recorded.has(c.id) && BigInt(c.headSeq) <= end) this.#problem(`checkpoint ${c.id} is not recorded in the log: its entry was removed`);
      }
    }
    if (this.opts.expectTrailer) await this.#checkTrailer(last);
    const problems = this.#problems;
    return {
      valid: problems.length === 0,
      entries: this.#count,
      headHash: this.#lastHash,
      headSeq: this.#lastSeq,
      checkpoints: this.#checkpoints.length,
      lastCheckpoint: last ? { id: last.id, at: last.at, headSeq: last.headSeq } : null,
      chainChecked: !filtered,
      ...(this.#firstBadSeq !== undefined ? { firstBadSeq: this.#firstBadSeq } : {}),
      ...(problems[0] ? { problem: problems[0] } : {}),
      problems,
    };
  }

  async #checkTrailer(last: AuditCheckpoint | undefined): Promise<void> {
    const t = this.opts.trailer;
    if (!t) {
      this.#problem('the export has no signed trailer: it was cut short or its last line was removed');
      return;
    }
    const signer = await this.#signerProblem(t.certificates ?? [], new Date(t.exportedAt), trailerBody(t), t.signature ?? '');
    if (signer) {
      this.#problem(`the export's trailer: ${signer}`);
      return;
    }
    if (t.entries !== this.#count || t.headSeq !== this.#lastSeq || t.headHash !== this.#lastHash) {
      this.#problem(`the export's trailer names ${t.entries} entries up to ${t.headSeq ?? 'none'}, the file holds ${this.#count} up to ${this.#lastSeq ?? 'none'}: it was cut or changed`);
    }
    if (t.checkpoints !== this.#checkpoints.length || t.lastCheckpointId !== (last?.id ?? null)) {
      this.#problem(`the export's trailer names ${t.checkpoints} checkpoints up to ${t.lastCheckpointId ?? 'none'}, the file holds ${this.#checkpoints.length}: a checkpoint was removed`);
    }
    if (Boolean(t.filter) !== Boolean(this.opts.filtered)) this.#problem('the export claims a different filter than the trailer signed');
  }
}

/** One line of an export: an entry, a checkpoint or the trailer. */
export type ExportLine = { kind: 'entry'; entry: AuditEntry } | { kind: 'checkpoint'; checkpoint: AuditCheckpoint } | { kind: 'trailer'; trailer: AuditTrailer };

export function parseExportLine(line: string): ExportLine {
  const v = JSON.parse(line) as Record<string, unknown>;
  if (v && typeof v === 'object' && 'checkpoint' in v) return { kind: 'checkpoint', checkpoint: v.checkpoint as AuditCheckpoint };
  if (v && typeof v === 'object' && 'trailer' in v) return { kind: 'trailer', trailer: v.trailer as AuditTrailer };
  if (v && typeof v === 'object' && typeof v.seq === 'string' && typeof v.hash === 'string') return { kind: 'entry', entry: v as unknown as AuditEntry };
  throw new Error('not an entry, checkpoint or trailer');
}

/**
 * Checks an exported log (NDJSON: entries, then checkpoints, then the trailer) with no database.
 * Anything after the trailer, or an unreadable line, makes the export invalid.
 */
export async function verifyAuditExport(text: string, trustAnchors: Buffer[]): Promise<AuditVerifyReport> {
  const entries: AuditEntry[] = [];
  const checkpoints: AuditCheckpoint[] = [];
  let trailer: AuditTrailer | null = null;
  const structural: string[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    let parsed: ExportLine;
    try {
      parsed = parseExportLine(line);
    } catch (e) {
      structural.push(`line ${i + 1} cannot be read (${(e as Error).message})`);
      return;
    }
    if (trailer) structural.push(`line ${i + 1} follows the trailer`);
    if (parsed.kind === 'entry') entries.push(parsed.entry);
    else if (parsed.kind === 'checkpoint') checkpoints.push(parsed.checkpoint);
    else trailer = parsed.trailer;
  });
  const t = trailer as AuditTrailer | null;
  const v = await AuditTrailVerifier.create(checkpoints, { trustAnchors, filtered: Boolean(t?.filter), trailer: t, expectTrailer: true });
  for (const e of entries) v.add(e);
  const report = await v.finish();
  if (!structural.length) return report;
  const problems = [...structural, ...report.problems];
  return { ...report, valid: false, problem: problems[0], problems };
}
