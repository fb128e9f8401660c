import { createFirstAdministrator, createUserWithToken, replaceTokens } from '../auth/tokens.js';
import { MUNICIPAL_ROLES, UNIT_ROLES, type Role } from '../auth/roles.js';
import { badRequest, forbidden, notFound } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { assertUnitScope, auditActor, type Actor } from './actor.js';
import { appendAudit } from './audit.js';
import type { RegisterDeps } from './deps.js';
import { findActiveUnit } from './records.js';

/** Art. 12-14: each unit's administrator manages its own unit's users; accounts are personal; leavers lose access at once. */

interface UserRow {
  id: string;
  unit_id: string | null;
  role: Role;
  disabled_at: Date | null;
}

async function findUser(q: Queryable, id: string): Promise<UserRow> {
  const { rows } = await q.query<UserRow>('SELECT id, unit_id, role, disabled_at FROM users WHERE id = $1', [id]);
  if (!rows[0]) throw notFound('user-not-found', 'No such user.', { field: 'id' });
  return rows[0];
}

/** A user may be managed by the municipal office, or by the administrator of the user's own unit. */
function assertManages(actor: Actor, user: UserRow) {
  if (actor.principal.role === 'municipal-admin') return;
  if (user.unit_id === null) throw forbidden('Only the municipal office manages municipal users.');
  assertUnitScope(actor, user.unit_id);
}

export async function createUnitUser(deps: RegisterDeps, actor: Actor, unitId: string, input: { name: string; role: string }) {
  assertUnitScope(actor, unitId);
  if (!(UNIT_ROLES as readonly string[]).includes(input.role)) {
    throw badRequest('invalid-role', `A unit's user has one of the roles ${UNIT_ROLES.join(', ')}.`, { field: 'body.role' });
  }
  return deps.db.transaction(async (tx) => {
    await findActiveUnit(tx, unitId);
    const created = await createUserWithToken(tx, { name: input.name, role: input.role as Role, unitId });
    await appendAudit(tx, deps.clock, { ...auditActor(actor), action: 'user.created', unitId, details: { userId: created.id, name: input.name, role: input.role } });
    return created;
  });
}

export async function createMunicipalUser(deps: RegisterDeps, actor: Actor, input: { name: string; role: string }) {
  if (!(MUNICIPAL_ROLES as readonly string[]).includes(input.role)) {
    throw badRequest('invalid-role', `role must be one of ${MUNICIPAL_ROLES.join(', ')}`, { field: 'body.role' });
  }
  return deps.db.transaction(async (tx) => {
    const created = await createUserWithToken(tx, { name: input.name, role: input.role as Role, unitId: null });
    await appendAudit(tx, deps.clock, { ...auditActor(actor), action: 'user.created', details: { userId: created.id, name: input.name, role: input.role } });
    return created;
  });
}

export async function disableUser(deps: RegisterDeps, actor: Actor, userId: string) {
  await deps.db.transaction(async (tx) => {
    const user = await findUser(tx, userId);
    assertManages(actor, user);
    const { rowCount } = await tx.query('UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL', [userId, deps.clock.now()]);
    if (rowCount === 0) throw notFound('user-not-found', 'No such active user.', { field: 'id' });
    await appendAudit(tx, deps.clock, { ...auditActor(actor), action: 'user.disabled', unitId: user.unit_id, details: { userId } });
  });
}

/** Re-roling stays within the user's kind: unit users between unit roles, municipal users between municipal roles. */
export async function changeUserRole(deps: RegisterDeps, actor: Actor, userId: string, role: string) {
  return deps.db.transaction(async (tx) => {
    const user = await findUser(tx, userId);
    assertManages(actor, user);
    const allowed: readonly string[] = user.unit_id ? UNIT_ROLES : MUNICIPAL_ROLES;
    if (!allowed.includes(role)) throw badRequest('invalid-role', `This user's role must be one of ${allowed.join(', ')}.`, { field: 'body.role' });
    if (user.disabled_at) throw notFound('user-not-found', 'No such active user.', { field: 'id' });
    await tx.query('UPDATE users SET role = $2 WHERE id = $1', [userId, role]);
    if (role !== 'operator') {
      // An operator's seal authorisations do not survive a change of role.
      await tx.query('UPDATE seal_operators SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [userId, deps.clock.now()]);
    }
    await appendAudit(tx, deps.clock, { ...auditActor(actor), action: 'user.role-changed', unitId: user.unit_id, details: { userId, from: user.role, to: role } });
    return { id: userId, role };
  });
}

/**
 * First start: on an empty database, one municipal administrator (registered in the audit log as made by the
 * system), whose token the caller shows once; null when the database already has users.
 */
export async function ensureFirstAdministrator(deps: RegisterDeps): Promise<{ id: string; token: string } | null> {
  return deps.db.transaction(async (tx) => {
    const created = await createFirstAdministrator(tx);
    if (created) {
      await appendAudit(tx, deps.clock, { action: 'user.created', details: { userId: created.id, role: 'municipal-admin', firstStart: true } });
    }
    return created;
  });
}

/** A user replaces their own token: the new one is returned once, every earlier one stops working at once. */
export async function rotateOwnToken(deps: RegisterDeps, actor: Actor): Promise<{ id: string; token: string }> {
  return deps.db.transaction(async (tx) => {
    const token = await replaceTokens(tx, actor.principal.userId);
    await appendAudit(tx, deps.clock, { ...auditActor(actor), action: 'user.token-rotated', unitId: actor.principal.unitId, details: { userId: actor.principal.userId } });
    return { id: actor.principal.userId, token };
  });
}

