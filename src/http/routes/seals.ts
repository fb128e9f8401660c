import { Router } from 'express';
import type { ServiceContext } from '../../context.js';
import { applyForReplacement } from '../../seals/applications.js';
import { toPem } from '../../asn1/pem.js';
import { addOperator, destroySeal, getSeal, removeOperator, returnSeal, sealImageFor, sesealFor } from '../../seals/seal-actions.js';
import { findSeal } from '../../seals/records.js';
import { listSeals, type SealListFilter } from '../../seals/lists.js';
import { actorOf } from '../actor.js';
import { pageRequestOf, queryString } from '../list-query.js';
import { requireRole } from '../auth.js';

export function sealRoutes(ctx: ServiceContext): Router {
  const r = Router();
  const deps = ctx.register;

  r.get('/v1/seals', requireRole('municipal-admin', 'unit-admin', 'auditor', 'operator', 'platform'), async (req, res) => {
    const expiresBefore = queryString(req, 'expiresBefore');
    const filter: SealListFilter = {
      ...pageRequestOf(req),
      q: queryString(req, 'q'),
      state: queryString(req, 'state') as SealListFilter['state'],
      unitId: queryString(req, 'unitId'),
      kind: queryString(req, 'kind') as SealListFilter['kind'],
      expiresBefore: expiresBefore ? new Date(expiresBefore) : undefined,
    };
    res.json(await listSeals(deps, actorOf(req, res), filter));
  });
  r.get('/v1/seals/:id', requireRole(), async (req, res) => {
    res.json(await getSeal(deps, actorOf(req, res), req.params.id as string));
  });
  r.get('/v1/seals/:id/image.png', requireRole(), async (req, res) => {
    res.type('image/png').send(await sealImageFor(deps, actorOf(req, res), req.params.id as string));
  });
  r.get('/v1/seals/:id/seseal.der', requireRole(), async (req, res) => {
    res.type('application/octet-stream').send(await sesealFor(deps, actorOf(req, res), req.params.id as string));
  });
  r.get('/v1/seals/:id/certificate.pem', requireRole(), async (req, res) => {
    const seal = await findSeal(deps.db, req.params.id as string);
    res.type('application/x-pem-file').send(toPem(seal.certificate));
  });
  r.post('/v1/seals/:id/operators', requireRole('unit-admin'), async (req, res) => {
    res.status(201).json(await addOperator(deps, actorOf(req, res), req.params.id as string, (req.body as { userId: string }).userId));
  });
  r.delete('/v1/seals/:id/operators/:userId', requireRole('unit-admin'), async (req, res) => {
    res.json(await removeOperator(deps, actorOf(req, res), req.params.id as string, req.params.userId as string));
  });
  r.post('/v1/seals/:id/replace', requireRole('unit-admin'), async (req, res) => {
    res.status(201).json(await applyForReplacement(deps, actorOf(req, res), req.params.id as string, req.body));
  });
  r.post('/v1/seals/:id/return', requireRole('unit-admin', 'municipal-admin'), async (req, res) => {
    res.json(await returnSeal(deps, actorOf(req, res), req.params.id as string, req.body));
  });
  r.post('/v1/seals/:id/destroy', requireRole('municipal-admin'), async (req, res) => {
    res.json(await destroySeal(deps, actorOf(req, res), req.params.id as string, req.body));
  });
  return r;
}
