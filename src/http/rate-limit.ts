import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';
import type { SharedState } from '../store/shared-state.js';
import type { Clock } from '../clock.js';
import { principalOf } from './auth.js';

/**
 * A fixed-window limit per caller (user id when authenticated, else the client address), shared by
 * every instance through SharedState. Over the limit: 429 with Retry-After.
 */
export function rateLimit(state: SharedState, clock: Clock, opts: { perMinute: number }): RequestHandler {
  const windowMs = 60_000;
  return async (req, res, next) => {
    const who = principalOf(res)?.userId ?? `ip:${req.ip ?? 'unknown'}`;
    const now = clock.now().getTime();
    const window = Math.floor(now / windowMs);
    const count = await state.increment(`rl:${who}:${window}`, windowMs);
    if (count > opts.perMinute) {
      res.setHeader('Retry-After', String(Math.ceil(((window + 1) * windowMs - now) / 1000)));
      return next(new AppError(429, 'rate-limited', `More than ${opts.perMinute} requests a minute; try again later.`));
    }
    next();
  };
}
