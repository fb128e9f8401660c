import { Router } from 'express';
import type { ServiceContext } from '../../context.js';
import { MUNICIPAL_ROLES } from '../../auth/roles.js';
import { createUserWithToken } from '../../auth/tokens.js';
import { badRequest, notFound } from '../../errors.js';
import { mustPrincipal, requireRole } from '../auth.js';

export function userRoutes(ctx: ServiceContext): Router {
  const r = Router();

  r.get('/v1/me', requireRole(), (_req, res) => {
    res.json(mustPrincipal(res));
  });

  // Municipal roles only; a unit's users are made by its administrator under /v1/units/{id}/users.
  r.post('/v1/users', requireRole('municipal-admin'), async (req, res) => {
    const { name, role } = req.body as { name: string; role: string };
    if (!(MUNICIPAL_ROLES as readonly string[]).includes(role)) {
      throw badRequest('invalid-role', `role must be one of ${MUNICIPAL_ROLES.join(', ')}`, { field: 'body.role' });
    }
    const created = await ctx.db.transaction((tx) =>
      createUserWithToken(tx, { name, role: role as (typeof MUNICIPAL_ROLES)[number], unitId: null }),
    );
    res.status(201).json(created);
  });

  r.delete('/v1/users/:id', requireRole('municipal-admin'), async (req, res) => {
    const { rowCount } = await ctx.db.query(
      'UPDATE users SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL',
      [req.params.id],
    );
    if (rowCount === 0) throw notFound('user-not-found', 'No such active user.', { field: 'id' });
    res.status(204).end();
  });

  return r;
}
