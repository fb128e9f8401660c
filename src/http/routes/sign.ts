import { Router } from 'express';
import type { ServiceContext } from '../../context.js';
import { badRequest } from '../../errors.js';
import type { PadesLevel } from '../../pdf/seal.js';
import { sealDocument } from '../../seals/sealing.js';
import { actorOf } from '../actor.js';
import { requireRole } from '../auth.js';

/** POST /v1/seals/{id}/sign: the PDF in, the sealed PDF out. Query values are validated by openapi.yaml. */
export function signRoutes(ctx: ServiceContext): Router {
  const r = Router();
  r.post('/v1/seals/:id/sign', requireRole('operator', 'platform'), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw badRequest('missing-document', 'The body must be the PDF (application/pdf).', { field: 'body' });
    const q = req.query as Record<string, string | undefined>;
    const sealed = await sealDocument(ctx, actorOf(req, res), req.params.id as string, req.body, {
      page: Number(q.page ?? 1),
      xMm: Number(q.x),
      yMm: Number(q.y),
      level: (q.level ?? 'B-LT') as PadesLevel,
      reason: q.reason,
      classification: q.classification ?? 'none',
      title: q.title,
      certify: q.certify ? (Number(q.certify) as 1 | 2 | 3) : undefined,
      onBehalfOf: req.get('seal-operator'),
    });
    res.type('application/pdf').send(sealed);
  });
  return r;
}
