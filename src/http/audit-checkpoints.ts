import type { RequestHandler } from 'express';
import type { ServiceContext } from '../context.js';

/**
 * After every request that may have written to the seal usage register, the checkpointer looks
 * whether a checkpoint is due (every N entries). It runs after the answer, never delays it.
 */
export function auditCheckpoints(ctx: Pick<ServiceContext, 'checkpointer'>): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.path.startsWith('/v1/')) res.on('finish', () => ctx.checkpointer.poke());
    next();
  };
}
