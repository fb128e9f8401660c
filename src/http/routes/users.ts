import { Router, type Request } from 'express';
import type { ServiceContext } from '../../context.js';
import { changeUserRole, createMunicipalUser, createUnitUser, disableUser, rotateOwnToken } from '../../seals/users.js';
import { listMunicipalUsers, listUnitUsers, type UserListFilter } from '../../seals/lists.js';
import { actorOf } from '../actor.js';
import { pageRequestOf, queryString } from '../list-query.js';
import { mustPrincipal, requireRole } from '../auth.js';

const userFilterOf = (req: Request): UserListFilter => ({
  ...pageRequestOf(req),
  q: queryString(req, 'q'),
  role: queryString(req, 'role') as UserListFilter['role'],
  state: queryString(req, 'state') as UserListFilter['state'],
});

export function userRoutes(ctx: ServiceContext): Router {
  const r = Router();
  const deps = ctx.register;

  r.get('/v1/me', requireRole(), (_req, res) => {
    res.json(mustPrincipal(res));
  });

  // Any user replaces their own token (a leaked one, or the first administrator's printed at start).
  r.post('/v1/me/token', requireRole(), async (req, res) => {
    res.status(201).json(await rotateOwnToken(deps, actorOf(req, res)));
  });

  r.get('/v1/users', requireRole('municipal-admin', 'auditor'), async (req, res) => {
    res.json(await listMunicipalUsers(deps, actorOf(req, res), userFilterOf(req)));
  });
  r.get('/v1/units/:id/users', requireRole('municipal-admin', 'unit-admin', 'auditor'), async (req, res) => {
    res.json(await listUnitUsers(deps, actorOf(req, res), req.params.id as string, userFilterOf(req)));
  });

  // Municipal roles only; a unit's users are made by its administrator under /v1/units/{id}/users.
  r.post('/v1/users', requireRole('municipal-admin'), async (req, res) => {
    res.status(201).json(await createMunicipalUser(deps, actorOf(req, res), req.body));
  });

  r.post('/v1/units/:id/users', requireRole('municipal-admin', 'unit-admin'), async (req, res) => {
    res.status(201).json(await createUnitUser(deps, actorOf(req, res), req.params.id as string, req.body));
  });

  r.patch('/v1/users/:id', requireRole('municipal-admin', 'unit-admin'), async (req, res) => {
    res.json(await changeUserRole(deps, actorOf(req, res), req.params.id as string, (req.body as { role: string }).role));
  });

  r.delete('/v1/users/:id', requireRole('municipal-admin', 'unit-admin'), async (req, res) => {
    await disableUser(deps, actorOf(req, res), req.params.id as string);
    res.status(204).end();
  });

  return r;
}
