import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';
import type { SharedState } from '../store/shared-state.js';
import type { Clock } from '../clock.js';
import { MemoryState } from '../store/memory-state.js';
import { SharedStateUnavailableError } from '../store/unavailable.js';
import { principalOf } from './auth.js';

/**
 * A fixed-window limit per caller (user id when authenticated, else the client address), shared by
 * every instance through SharedState. Over the limit: 429 with Retry-After. While the shared state
 * is unreachable, each instance counts in-process (the limit then holds per instance, not overall)
 * rather than refusing or waiting.
 */
export function rateLimit(state: SharedState, clock: Clock, opts: { perMinute: number }): RequestHandler {
  const windowMs = 60_000;
  const local = new MemoryState(clock, 10_000);
  const count = (key: string) =>
    state.increment(key, windowMs).catch((err: unknown) => {
      if (err instanceof SharedStateUnavailableError) return local.increment(key, windowMs);
      throw err;
    });
  return async (req, res, next) => {
    const who = principalOf(res)?.userId ?? `ip:${req.ip ?? 'unknown'}`;
    const now = clock.now().getTime();
    const window = Math.floor(now / windowMs);
    const n = await count(`rl:${who}:${window}`);
    if (n > opts.perMinute) {
      res.setHeader('Retry-After', String(Math.ceil(((window + 1) * windowMs - now) / 1000)));
      return next(new AppError(429, 'rate-limited', `More than ${opts.perMinute} requests a minute; try again later.`));
    }
    next();
  };
}
