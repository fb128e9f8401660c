import type { RequestHandler } from 'express';
import type { ServiceContext } from '../context.js';
import { appendAudit } from '../seals/audit.js';
import { MemoryState } from '../store/memory-state.js';
import { SharedStateUnavailableError } from '../store/unavailable.js';
import { unsafeCharacter } from '../text.js';
import { principalOf } from './auth.js';

const AUDITED_REFUSALS = new Set([401, 403, 409, 422, 429]);
const SEAL_PATH = /^\/v1\/seals\/([A-Za-z0-9._-]+)/;
const WINDOW_MS = 60_000;

/**
 * Every refused attempt to change something or to use a seal goes into the seal usage register too:
 * who tried, what, and why it was refused. Written after the answer, in its own transaction (the
 * refused request changed nothing, so there is nothing to be atomic with).
 *
 * At a bounded rate: per client address, the first `refusalAuditPerMinute` refusals of a minute are
 * written one by one (counted across instances through the shared state); the rest of that minute are
 * counted in this instance and written as one `request.refused.aggregated` entry once the minute is
 * over. A flood of made-up tokens thus costs the register a few entries a minute, and is still seen.
 */
export function refusalAudit(ctx: ServiceContext): RequestHandler {
  const budget = ctx.config.refusalAuditPerMinute;
  const local = new MemoryState(ctx.clock, 10_000);
  const aggregates = new Map<string, { client: string; window: number; count: number; statuses: Record<string, number> }>();
  let flushTimer: NodeJS.Timeout | undefined;

  const write = (entry: Parameters<typeof appendAudit>[2]) =>
    ctx.db
      .transaction((tx) => appendAudit(tx, ctx.clock, entry))
      .catch((err: unknown) => ctx.logger.error({ err }, 'could not record a refused request in the audit log'));

  const within = (client: string, window: number) =>
    ctx.state.increment(`ra:${client}:${window}`, WINDOW_MS).catch((err: unknown) => {
      if (err instanceof SharedStateUnavailableError) return local.increment(`ra:${client}:${window}`, WINDOW_MS);
      throw err;
    });

  /** Writes the aggregates of every minute that is over; keeps a timer only while some are pending. */
  const flush = () => {
    const current = Math.floor(ctx.clock.now().getTime() / WINDOW_MS);
    for (const [key, a] of aggregates) {
      if (a.window >= current) continue;
      aggregates.delete(key);
      void write(
        {
          action: 'request.refused.aggregated',
          outcome: 'refused',
          client: a.client,
          details: { from: new Date(a.window * WINDOW_MS).toISOString(), to: new Date((a.window + 1) * WINDOW_MS).toISOString(), count: a.count, statuses: a.statuses },
        },
      );
    }
    if (aggregates.size === 0 && flushTimer) {
      clearInterval(flushTimer);
      flushTimer = undefined;
    } else if (aggregates.size > 0 && !flushTimer) {
      flushTimer = setInterval(flush, WINDOW_MS / 4);
      flushTimer.unref();
    }
  };

  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || !req.path.startsWith('/v1/')) return next();
    res.on('finish', () => {
      if (!AUDITED_REFUSALS.has(res.statusCode)) return;
      const client = req.ip ?? 'unknown';
      const window = Math.floor(ctx.clock.now().getTime() / WINDOW_MS);
      void within(client, window)
        .then((n) => {
          if (n > budget) {
            const key = `${client}\0${window}`;
            const a = aggregates.get(key) ?? { client, window, count: 0, statuses: {} };
            a.count++;
            a.statuses[res.statusCode] = (a.statuses[res.statusCode] ?? 0) + 1;
            aggregates.set(key, a);
            return flush();
          }
          flush();
          const p = principalOf(res);
          const operator = req.get('seal-operator');
          return write(
            {
              action: 'request.refused',
              outcome: 'refused',
              actorId: p?.userId ?? null,
              actorRole: p?.role ?? null,
              // A refused request's header was not validated: it goes in only when it is clean text.
              onBehalfOf: operator !== undefined && operator.length <= 64 && !unsafeCharacter(operator) ? operator : null,
              unitId: p?.unitId ?? null,
              sealId: SEAL_PATH.exec(req.path)?.[1] ?? null,
              requestId: res.locals.requestId as string,
              client,
              details: { method: req.method, path: req.path, status: res.statusCode, problem: res.locals.problemType ?? null },
            },
          );
        })
        .catch((err: unknown) => ctx.logger.error({ err }, 'could not record a refused request in the audit log'));
    });
    next();
  };
}
