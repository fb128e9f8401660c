import { Router } from 'express';
import type { ServiceContext } from '../../context.js';
import { badRequest } from '../../errors.js';
import { extendDocument } from '../../seals/extension.js';
import { actorOf } from '../actor.js';
import { requireRole } from '../auth.js';

/** POST /v1/extend: a sealed PDF (anyone's) in, the same PDF extended to PAdES B-LTA out. */
export function extendRoutes(ctx: ServiceContext): Router {
  const r = Router();
  r.post('/v1/extend', requireRole(), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw badRequest('missing-document', 'The body must be the PDF (application/pdf).', { field: 'body' });
    const result = await extendDocument(ctx, actorOf(req, res), req.body);
    res.set('Seal-Extend-Added', `certs=${result.added.certs}, ocsps=${result.added.ocsps}, crls=${result.added.crls}`);
    res.type('application/pdf').send(result.pdf);
  });
  return r;
}
