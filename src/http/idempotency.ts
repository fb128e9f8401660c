import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { ServiceContext } from '../context.js';
import { AppError, conflict } from '../errors.js';
import { auditActor, type Actor } from '../seals/actor.js';
import { appendAudit } from '../seals/audit.js';
import { authorizeSealing } from '../seals/seal-actions.js';
import { actorOf } from './actor.js';
import { principalOf } from './auth.js';

/**
 * `Idempotency-Key` on POST: the first complete answer (status below 500) is kept for `ttlMs` in the
 * shared state (Redis when configured, so every instance sees it) and returned again for a retry with
 * the same key, caller, path and body; a retry while the first is still running is 409; the same key
 * with a different body is 422.
 *
 * - Scope: a key belongs to one principal acting for one operator (Seal-Operator) in one role, so a
 *   replay answers only the caller that made the first request, for the same operator.
 * - Before a replay the caller is checked again where it matters: a sealing is replayed only while the
 *   seal is still active and the operator still authorised for it (a returned seal is not replayed:
 *   403/409 as a new sealing would get). Every replay is registered in the audit log.
 * - Bounded: answers are kept `ttlMs` (the retry window), and all kept answers together stay under
 *   `maxTotalBytes` (counted in time buckets across instances; one answer at most a quarter of it).
 *   An answer that cannot be kept is remembered as done without its body: a retry is 409
 *   `idempotency-answer-not-kept`, never a second sealing.
 * - While the shared state cannot be reached, a request with a key is 503 (shared-state-unavailable)
 *   before anything is done: without the store, a retry could seal twice.
 */
export interface IdempotencyOptions {
  ttlMs: number;
  maxTotalBytes: number;
}

type IdempotencyDeps = Pick<ServiceContext, 'state' | 'db' | 'clock' | 'register'>;

interface Stored {
  state: 'pending' | 'done';
  fingerprint: string;
  /** The request that did the work (its id is in the audit log). */
  requestId?: string;
  status?: number;
  /** False when the answer was too large to keep: the request is done, its answer gone. */
  kept?: boolean;
  contentType?: string;
  /** Headers that are part of the answer (REPLAYED_HEADERS), kept with it. */
  headers?: Record<string, string>;
  body?: string; // base64
}

/** Answer headers a replay must carry too: where a seal went (Seal-Placement). */
const REPLAYED_HEADERS = ['seal-placement'];

const KEY_SYNTAX = /^[\x21-\x7e]{1,255}$/;
const PENDING_TTL_MS = 5 * 60_000;
/** The byte budget is counted in this many buckets over the retry window (plus the current one). */
const BUCKETS = 10;

/**
 * What a replay checks again before answering, by path: the caller must still be allowed to do what
 * the first request did. Authentication itself is checked on every request anyway.
 */
const REPLAY_CHECKS: { path: RegExp; check: (deps: IdempotencyDeps, actor: Actor, m: RegExpExecArray, req: Request) => Promise<unknown> }[] = [
  { path: /^\/v1\/seals\/([^/]+)\/sign$/, check: (deps, actor, m, req) => authorizeSealing(deps.register, actor, m[1]!, req.get('seal-operator')) },
];

function bodyFingerprint(body: unknown): string {
  const h = createHash('sha256');
  if (Buffer.isBuffer(body)) h.update(body);
  else h.update(JSON.stringify(body ?? null));
  return h.digest('hex');
}

function replay(res: Response, s: Stored) {
  res.setHeader('Idempotent-Replayed', 'true');
  if (s.contentType) res.setHeader('Content-Type', s.contentType);
  for (const [name, value] of Object.entries(s.headers ?? {})) res.setHeader(name, value);
  res.status(s.status!).send(Buffer.from(s.body ?? '', 'base64'));
}

export function idempotency(deps: IdempotencyDeps, opts: IdempotencyOptions): RequestHandler {
  const { state, clock } = deps;
  const maxAnswerBytes = Math.floor(opts.maxTotalBytes / 4);
  const bucketMs = Math.max(1000, Math.ceil(opts.ttlMs / BUCKETS));

  /** Reserves room for `size` bytes in the total budget; false when it would go over. */
  const reserve = async (size: number): Promise<boolean> => {
    const now = Math.floor(clock.now().getTime() / bucketMs);
    const buckets = await Promise.all(Array.from({ length: BUCKETS + 1 }, (_, i) => state.get(`idem-bytes:${now - BUCKETS + i}`)));
    const held = buckets.reduce((sum, b) => sum + Number(b?.toString() ?? 0), 0);
    if (held + size > opts.maxTotalBytes) return false;
    await state.increment(`idem-bytes:${now}`, opts.ttlMs + bucketMs, size);
    return true;
  };

  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (req.method !== 'POST' || key === undefined) return next();
    if (!KEY_SYNTAX.test(key)) {
      return next(new AppError(400, 'invalid-idempotency-key', 'Idempotency-Key must be 1-255 visible ASCII characters.', { field: 'Idempotency-Key' }));
    }
    const p = principalOf(res);
    const scope = p ? `${p.userId}\0${p.role}\0${req.get('seal-operator') ?? ''}` : 'anonymous';
    const storeKey =
      'idem:' + createHash('sha256').update(`${scope}\0${req.method} ${req.originalUrl}\0${key}`).digest('hex');
    const fingerprint = bodyFingerprint(req.body);
    const requestId = res.locals.requestId as string;

    // A SharedStateUnavailableError here is the 503: nothing has been done yet.
    const claimed = await state.setIfAbsent(
      storeKey,
      Buffer.from(JSON.stringify({ state: 'pending', fingerprint, requestId } satisfies Stored)),
      Math.min(PENDING_TTL_MS, opts.ttlMs),
    );
    if (!claimed) {
      const raw = await state.get(storeKey);
      const prior = raw ? (JSON.parse(raw.toString()) as Stored) : null;
      if (!prior) return next(conflict('idempotency-in-progress', 'A request with this Idempotency-Key is being processed.'));
      if (prior.fingerprint !== fingerprint) {
        return next(new AppError(422, 'idempotency-key-reused', 'This Idempotency-Key was used with a different request.', { field: 'Idempotency-Key' }));
      }
      if (prior.state === 'pending') return next(conflict('idempotency-in-progress', 'A request with this Idempotency-Key is being processed.'));
      if (prior.kept === false) {
        return next(
          conflict('idempotency-answer-not-kept', `The request with this Idempotency-Key was done (status ${prior.status}), but its answer was too large to keep; it is not done again.`, {
            originalRequestId: prior.requestId ?? null,
          }),
        );
      }
      if (p) {
        const actor = actorOf(req, res);
        for (const c of REPLAY_CHECKS) {
          const m = c.path.exec(req.path);
          if (m) await c.check(deps, actor, m, req);
        }
        await deps.db.transaction((tx) =>
          appendAudit(tx, clock, {
            ...auditActor(actor),
            action: 'request.replayed',
            onBehalfOf: req.get('seal-operator') ?? null,
            unitId: p.unitId,
            sealId: /^\/v1\/seals\/([^/]+)/.exec(req.path)?.[1] ?? null,
            details: { method: req.method, path: req.path, status: prior.status, originalRequestId: prior.requestId ?? null },
          }),
        );
      }
      return replay(res, prior);
    }

    // Capture what the handler sends, then keep it once the response is complete.
    const chunks: Buffer[] = [];
    let size = 0;
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => Response;
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buf = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      size += buf.length;
      if (size <= maxAnswerBytes) chunks.push(buf);
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as Response['write'];
    // The answer is stored before its last bytes go out: once a caller has the answer, a retry on any
    // instance replays it (rather than meeting 409 in-progress while the store catches up).
    const store = async () => {
      // A 5xx did nothing the caller can rely on: the key is let go, and a retry runs again.
      if (res.statusCode >= 500) return state.delete(storeKey);
      const kept = size <= maxAnswerBytes && (await reserve(size));
      const done: Stored = kept
        ? {
            state: 'done',
            fingerprint,
            requestId,
            status: res.statusCode,
            kept: true,
            contentType: res.getHeader('content-type')?.toString(),
            headers: Object.fromEntries(REPLAYED_HEADERS.flatMap((h) => (res.getHeader(h) === undefined ? [] : [[h, String(res.getHeader(h))]]))),
            body: Buffer.concat(chunks).toString('base64'),
          }
        : { state: 'done', fingerprint, requestId, status: res.statusCode, kept: false };
      await state.set(storeKey, Buffer.from(JSON.stringify(done)), opts.ttlMs);
    };
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      store()
        .catch((err: unknown) => {
          req.log?.warn({ err }, 'idempotency store failed; the key is let go');
          return state.delete(storeKey).catch(() => {});
        })
        .finally(() => end(chunk, ...rest));
      return res;
    }) as Response['end'];

    res.on('close', () => {
      if (!res.writableFinished) state.delete(storeKey).catch(() => {});
    });
    next();
  };
}
