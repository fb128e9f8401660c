import { Router } from 'express';
import type { ServiceContext } from '../../context.js';
import { applicationImagePng, applyForSeal, approveApplication, attachImprint, getApplication, rejectApplication } from '../../seals/applications.js';
import { badRequest } from '../../errors.js';
import { listApplications, type ApplicationListFilter } from '../../seals/lists.js';
import { actorOf } from '../actor.js';
import { pageRequestOf, queryString } from '../list-query.js';
import { requireRole } from '../auth.js';

export function applicationRoutes(ctx: ServiceContext): Router {
  const r = Router();
  const deps = ctx.register;

  r.post('/v1/seal-applications', requireRole('unit-admin'), async (req, res) => {
    res.status(201).json(await applyForSeal(deps, actorOf(req, res), req.body));
  });
  r.get('/v1/seal-applications', requireRole('municipal-admin', 'unit-admin', 'auditor'), async (req, res) => {
    const filter: ApplicationListFilter = {
      ...pageRequestOf(req),
      q: queryString(req, 'q'),
      state: queryString(req, 'state') as ApplicationListFilter['state'],
      unitId: queryString(req, 'unitId'),
    };
    res.json(await listApplications(deps, actorOf(req, res), filter));
  });
  r.get('/v1/seal-applications/:id', requireRole('municipal-admin', 'unit-admin', 'auditor'), async (req, res) => {
    res.json(await getApplication(deps, actorOf(req, res), req.params.id as string));
  });
  r.post('/v1/seal-applications/:id/approve', requireRole('municipal-admin'), async (req, res) => {
    res.status(201).json(await approveApplication(deps, actorOf(req, res), req.params.id as string));
  });
  r.post('/v1/seal-applications/:id/reject', requireRole('municipal-admin'), async (req, res) => {
    res.json(await rejectApplication(deps, actorOf(req, res), req.params.id as string, (req.body as { reason: string }).reason));
  });
  r.get('/v1/seal-applications/:id/image.png', requireRole('municipal-admin', 'unit-admin', 'auditor'), async (req, res) => {
    res.type('image/png').send(await applicationImagePng(deps, actorOf(req, res), req.params.id as string));
  });
  r.post('/v1/seal-applications/:id/imprint', requireRole('unit-admin'), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw badRequest('missing-imprint', 'The body must be the scan (PNG, JPEG or TIFF).', { field: 'body' });
    const q = req.query as Record<string, string | undefined>;
    const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
    res.json(
      await attachImprint(deps, actorOf(req, res), req.params.id as string, req.body, {
        diameterMm: num(q.diameterMm),
        widthMm: num(q.widthMm),
        heightMm: num(q.heightMm),
        dpi: num(q.dpi),
      }),
    );
  });
  return r;
}
