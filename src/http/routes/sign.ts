import { Router } from 'express';
import type { ServiceContext } from '../../context.js';
import { badRequest } from '../../errors.js';
import type { PadesLevel } from '../../pdf/seal.js';
import { sealDocument } from '../../seals/sealing.js';
import { actorOf } from '../actor.js';
import { requireRole } from '../auth.js';

/**
 * Where the seal goes: exactly one of placement=auto or both x and y; a riding seal (riding=true) may also
 * stand alone, with neither. Anything else is 400 naming the parameter at fault.
 */
function position(q: Record<string, string | undefined>): { placement?: 'auto'; xMm?: number; yMm?: number } {
  const riding = String(q.riding) === 'true';
  const hasX = q.x !== undefined;
  const hasY = q.y !== undefined;
  if (q.placement === 'auto') {
    if (hasX || hasY) throw badRequest('placement-conflict', 'Give either placement=auto or x and y, not both.', { field: hasX ? 'x' : 'y' });
    return { placement: 'auto' };
  }
  if (hasX !== hasY) throw badRequest('position-incomplete', 'x and y go together: give both, or placement=auto.', { field: hasX ? 'y' : 'x' });
  if (!hasX && !riding) throw badRequest('position-missing', 'Where the seal goes: placement=auto, or both x and y (mm).', { field: 'placement' });
  return hasX ? { xMm: Number(q.x), yMm: Number(q.y) } : {};
}

/** POST /v1/seals/{id}/sign: the PDF in, the sealed PDF out. Query values are validated by openapi.yaml. */
export function signRoutes(ctx: ServiceContext): Router {
  const r = Router();
  r.post('/v1/seals/:id/sign', requireRole('operator', 'platform'), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw badRequest('missing-document', 'The body must be the PDF (application/pdf).', { field: 'body' });
    const q = req.query as Record<string, string | undefined>;
    const sealed = await sealDocument(ctx, actorOf(req, res), req.params.id as string, req.body, {
      ...(q.page !== undefined ? { page: Number(q.page) } : {}),
      ...position(q),
      riding: String(q.riding) === 'true',
      level: (q.level ?? 'B-LT') as PadesLevel,
      reason: q.reason,
      classification: q.classification ?? 'none',
      title: q.title,
      certify: q.certify ? (Number(q.certify) as 1 | 2 | 3) : undefined,
      ...(q.format !== undefined ? { format: q.format as 'ses' | 'cms' } : {}),
      onBehalfOf: req.get('seal-operator'),
    });
    const p = sealed.placement;
    if (p) res.set('Seal-Placement', `page=${p.page}; x=${round1(p.xMm)}; y=${round1(p.yMm)}`);
    res.type('application/pdf').send(sealed.pdf);
  });
  return r;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
