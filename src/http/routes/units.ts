import { Router } from 'express';
import type { ServiceContext } from '../../context.js';
import { deregisterUnit, getUnit, registerUnit, renameUnit } from '../../seals/units.js';
import { issueDepartmentSeal } from '../../seals/department-seals.js';
import { listUnits, type UnitListFilter } from '../../seals/lists.js';
import { pageRequestOf, queryString } from '../list-query.js';
import { actorOf } from '../actor.js';
import { requireRole } from '../auth.js';

export function unitRoutes(ctx: ServiceContext): Router {
  const r = Router();
  const deps = ctx.register;

  r.post('/v1/units', requireRole('municipal-admin'), async (req, res) => {
    res.status(201).json(await registerUnit(deps, actorOf(req, res), req.body));
  });
  r.get('/v1/units', requireRole('municipal-admin', 'unit-admin', 'auditor'), async (req, res) => {
    const state = queryString(req, 'state') as UnitListFilter['state'];
    res.json(await listUnits(deps, actorOf(req, res), { ...pageRequestOf(req), q: queryString(req, 'q'), state }));
  });
  r.get('/v1/units/:id', requireRole('municipal-admin', 'unit-admin', 'auditor'), async (req, res) => {
    res.json(await getUnit(deps, actorOf(req, res), req.params.id as string));
  });
  r.post('/v1/units/:id/rename', requireRole('municipal-admin'), async (req, res) => {
    res.json(await renameUnit(deps, actorOf(req, res), req.params.id as string, req.body));
  });
  r.post('/v1/units/:id/deregister', requireRole('municipal-admin'), async (req, res) => {
    res.json(await deregisterUnit(deps, actorOf(req, res), req.params.id as string));
  });
  r.post('/v1/units/:id/department-seals', requireRole('unit-admin'), async (req, res) => {
    res.status(201).json(await issueDepartmentSeal(deps, actorOf(req, res), req.params.id as string, req.body));
  });
  return r;
}
