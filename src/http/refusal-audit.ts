import type { RequestHandler } from 'express';
import type { ServiceContext } from '../context.js';
import { appendAudit } from '../seals/audit.js';
import { principalOf } from './auth.js';

const AUDITED_REFUSALS = new Set([401, 403, 409, 422]);
const SEAL_PATH = /^\/v1\/seals\/([A-Za-z0-9._-]+)/;

/**
 * Every refused attempt to change something or to use a seal goes into the seal usage register too:
 * who tried, what, and why it was refused. Written after the answer, in its own transaction (the
 * refused request changed nothing, so there is nothing to be atomic with).
 */
export function refusalAudit(ctx: ServiceContext): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || !req.path.startsWith('/v1/')) return next();
    res.on('finish', () => {
      if (!AUDITED_REFUSALS.has(res.statusCode)) return;
      const p = principalOf(res);
      const sealId = SEAL_PATH.exec(req.path)?.[1] ?? null;
      ctx.db
        .transaction((tx) =>
          appendAudit(tx, ctx.clock, {
            action: 'request.refused',
            outcome: 'refused',
            actorId: p?.userId ?? null,
            actorRole: p?.role ?? null,
            onBehalfOf: req.get('seal-operator') ?? null,
            unitId: p?.unitId ?? null,
            sealId,
            requestId: res.locals.requestId as string,
            client: req.ip ?? null,
            details: { method: req.method, path: req.path, status: res.statusCode, problem: res.locals.problemType ?? null },
          }),
        )
        .catch((err: unknown) => req.log?.error({ err }, 'could not record a refused request in the audit log'));
    });
    next();
  };
}
