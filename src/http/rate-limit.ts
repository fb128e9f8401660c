import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
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
 *
 * It runs right after authentication and before anything reads or validates the request. A failed
 * authentication (no token where one is needed, an unknown or malformed one) counts against the client
 * address too: the error handler of the pair sees the 401 on its way to the problem handler, so a
 * flood of made-up tokens is cut to 429 like any other flood.
 */
export function rateLimit(state: SharedState, clock: Clock, opts: { perMinute: number }): [RequestHandler, ErrorRequestHandler] {
  const windowMs = 60_000;
  const local = new MemoryState(clock, 10_000);
  const count = (key: string) =>
    state.increment(key, windowMs).catch((err: unknown) => {
      if (err instanceof SharedStateUnavailableError) return local.increment(key, windowMs);
      throw err;
    });
  /** Counts one request of `who`; the 429 when that is one too many, else undefined. */
  const over = async (who: string, res: Response): Promise<AppError | undefined> => {
    const now = clock.now().getTime();
    const window = Math.floor(now / windowMs);
    const n = await count(`rl:${who}:${window}`);
    if (n <= opts.perMinute) return undefined;
    res.setHeader('Retry-After', String(Math.ceil(((window + 1) * windowMs - now) / 1000)));
    return new AppError(429, 'rate-limited', `More than ${opts.perMinute} requests a minute; try again later.`);
  };
  const address = (req: Request) => `ip:${req.ip ?? 'unknown'}`;

  const limit: RequestHandler = async (req, res, next) => {
    next(await over(principalOf(res)?.userId ?? address(req), res));
  };
  const limitFailedAuthentication: ErrorRequestHandler = async (err, req, res, next) => {
    if (!(err instanceof AppError) || err.status !== 401) return next(err);
    next((await over(address(req), res).catch(() => undefined)) ?? err);
  };
  return [limit, limitFailedAuthentication];
}
