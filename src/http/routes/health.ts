import { Router } from 'express';
import type { ServiceContext } from '../../context.js';
import { AppError } from '../../errors.js';

export function healthRoutes(ctx: ServiceContext): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    try {
      await ctx.db.ping();
    } catch {
      throw new AppError(503, 'storage-unavailable', 'Storage cannot be reached.');
    }
    res.json({ status: 'ready', storage: ctx.db.kind, sharedState: ctx.state.kind });
  });
  return r;
}
