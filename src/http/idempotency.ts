import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { AppError } from '../errors.js';
import type { SharedState } from '../store/shared-state.js';
import { principalOf } from './auth.js';

/**
 * `Idempotency-Key` on POST: the first complete answer (status below 500) is kept for `ttlMs` and
 * returned again for a retry with the same key, caller, path and body; a retry while the first is
 * still running is 409; the same key with a different body is 422. Keys are scoped to the caller,
 * so one client can never replay another's answer.
 */
export interface IdempotencyOptions {
  ttlMs: number;
  /** Answers larger than this are not kept (the retry then runs again). */
  maxStoredBytes: number;
}

interface Stored {
  state: 'pending' | 'done';
  fingerprint: string;
  status?: number;
  contentType?: string;
  /** Headers that are part of the answer (REPLAYED_HEADERS), kept with it. */
  headers?: Record<string, string>;
  body?: string; // base64
}

/** Answer headers a replay must carry too: where a seal went (Seal-Placement). */
const REPLAYED_HEADERS = ['seal-placement'];

const KEY_SYNTAX = /^[\x21-\x7e]{1,255}$/;
const PENDING_TTL_MS = 5 * 60_000;

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

export function idempotency(state: SharedState, opts: IdempotencyOptions): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (req.method !== 'POST' || key === undefined) return next();
    if (!KEY_SYNTAX.test(key)) {
      return next(new AppError(400, 'invalid-idempotency-key', 'Idempotency-Key must be 1-255 visible ASCII characters.', { field: 'Idempotency-Key' }));
    }
    const scope = principalOf(res)?.userId ?? 'anonymous';
    const storeKey =
      'idem:' + createHash('sha256').update(`${scope}\0${req.method} ${req.originalUrl}\0${key}`).digest('hex');
    const fingerprint = bodyFingerprint(req.body);

    const claimed = await state.setIfAbsent(
      storeKey,
      Buffer.from(JSON.stringify({ state: 'pending', fingerprint } satisfies Stored)),
      PENDING_TTL_MS,
    );
    if (!claimed) {
      const raw = await state.get(storeKey);
      const prior = raw ? (JSON.parse(raw.toString()) as Stored) : null;
      if (!prior) return next(new AppError(409, 'idempotency-in-progress', 'A request with this Idempotency-Key is being processed.'));
      if (prior.fingerprint !== fingerprint) {
        return next(new AppError(422, 'idempotency-key-reused', 'This Idempotency-Key was used with a different request.', { field: 'Idempotency-Key' }));
      }
      if (prior.state === 'pending') {
        return next(new AppError(409, 'idempotency-in-progress', 'A request with this Idempotency-Key is being processed.'));
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
      if (size <= opts.maxStoredBytes) chunks.push(buf);
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as Response['write'];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      return end(chunk, ...rest);
    }) as Response['end'];

    res.on('finish', () => {
      const done: Stored = {
        state: 'done',
        fingerprint,
        status: res.statusCode,
        contentType: res.getHeader('content-type')?.toString(),
        headers: Object.fromEntries(REPLAYED_HEADERS.flatMap((h) => (res.getHeader(h) === undefined ? [] : [[h, String(res.getHeader(h))]]))),
        body: Buffer.concat(chunks).toString('base64'),
      };
      const keepIt = res.statusCode < 500 && size <= opts.maxStoredBytes;
      const p = keepIt ? state.set(storeKey, Buffer.from(JSON.stringify(done)), opts.ttlMs) : state.delete(storeKey);
      p.catch((err) => req.log?.warn({ err }, 'idempotency store failed'));
    });
    res.on('close', () => {
      if (!res.writableFinished) state.delete(storeKey).catch(() => {});
    });
    next();
  };
}
