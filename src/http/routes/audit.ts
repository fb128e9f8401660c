import { Router } from 'express';
import type { ServiceContext } from '../../context.js';
import { exportAuditTrail, writeCheckpointIfDue } from '../../seals/audit-anchor.js';
import { listAudit, listCheckpoints, verifyAuditChain, type AuditFilter } from '../../seals/audit.js';
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
    await exportAuditTrail(ctx.auditAnchor, filter, (line) => res.write(line));
    res.end();
  });
  r.get('/v1/audit/verify', readers, async (_req, res) => {
    res.json(await verifyAuditChain(ctx.db, [ctx.ca.rootCertificate]));
  });
  r.get('/v1/audit/checkpoints', readers, async (_req, res) => {
    res.json({ checkpoints: await listCheckpoints(ctx.db) });
  });
  // The municipal office may anchor the head now (e.g. before an export it hands to an auditor).
  r.post('/v1/audit/checkpoints', requireRole('municipal-admin'), async (_req, res) => {
    const checkpoint = await writeCheckpointIfDue(ctx.auditAnchor, { force: true });
    res.status(checkpoint ? 201 : 200).json({ checkpoint });
  });
  return r;
}
