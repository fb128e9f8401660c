import { Router, type Request, type Response } from 'express';
import type { ServiceContext } from '../../context.js';
import { forbidden } from '../../errors.js';
import { exportAuditTrail, writeCheckpointIfDue } from '../../seals/audit-anchor.js';
import { listAuditPage, listCheckpoints, verifyAuditChain, type AuditFilter } from '../../seals/audit.js';
import { mustPrincipal, requireRole } from '../auth.js';
import { pageRequestOf } from '../list-query.js';

type RegisterFilter = Omit<AuditFilter, 'afterSeq' | 'limit'>;

/** The register's filters from the query; a unit administrator reads its own unit's entries only. */
function filterOf(req: Request, res: Response): RegisterFilter {
  const q = req.query as Record<string, string | undefined>;
  const p = mustPrincipal(res);
  let unitId = q.unitId;
  if (p.role === 'unit-admin') {
    if (unitId !== undefined && unitId !== p.unitId) throw forbidden('This belongs to another unit.');
    unitId = p.unitId!;
  }
  return {
    unitId,
    sealId: q.sealId,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    action: q.action,
    documentSha256: q.documentSha256,
  };
}

export function auditRoutes(ctx: ServiceContext): Router {
  const r = Router();
  const readers = requireRole('auditor', 'municipal-admin');

  // Newest first, paged like every list; a unit administrator sees its own unit's register.
  r.get('/v1/audit', requireRole('auditor', 'municipal-admin', 'unit-admin'), async (req, res) => {
    res.json(await listAuditPage(ctx.db, filterOf(req, res), pageRequestOf(req)));
  });
  r.get('/v1/audit/export', requireRole('auditor', 'municipal-admin', 'unit-admin'), async (req, res) => {
    const filter = filterOf(req, res);
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
