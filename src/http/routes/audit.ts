import { Router } from 'express';
import type { ServiceContext } from '../../context.js';
import { exportAudit, listAudit, verifyAuditChain, type AuditFilter } from '../../seals/audit.js';
import { requireRole } from '../auth.js';

function filterOf(q: Record<string, unknown>): AuditFilter {
  return {
    unitId: q.unitId as string | undefined,
    sealId: q.sealId as string | undefined,
    from: q.from ? new Date(q.from as string) : undefined,
    to: q.to ? new Date(q.to as string) : undefined,
    afterSeq: q.afterSeq as string | undefined,
    limit: q.limit ? Number(q.limit) : undefined,
  };
}

export function auditRoutes(ctx: ServiceContext): Router {
  const r = Router();
  const readers = requireRole('auditor', 'municipal-admin');

  r.get('/v1/audit', readers, async (req, res) => {
    res.json({ entries: await listAudit(ctx.db, filterOf(req.query)) });
  });
  r.get('/v1/audit/export', readers, async (req, res) => {
    const { afterSeq: _a, limit: _l, ...filter } = filterOf(req.query);
    res.type('application/x-ndjson');
    for await (const entry of exportAudit(ctx.db, filter)) res.write(JSON.stringify(entry) + '\n');
    res.end();
  });
  r.get('/v1/audit/verify', readers, async (_req, res) => {
    res.json(await verifyAuditChain(ctx.db));
  });
  return r;
}
