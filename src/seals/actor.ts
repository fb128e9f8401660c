import type { Principal } from '../auth/roles.js';
import { forbidden } from '../errors.js';

/** Who does something, and from where: what every audit entry records. */
export interface Actor {
  principal: Principal;
  requestId?: string;
  client?: string;
}

export const auditActor = (a: Actor) => ({
  actorId: a.principal.userId,
  actorRole: a.principal.role,
  requestId: a.requestId ?? null,
  client: a.client ?? null,
});

/** Art. 12: a unit administrator acts on its own unit only; the municipal office on every unit. */
export function assertUnitScope(actor: Actor, unitId: string, allowMunicipal = true): void {
  const p = actor.principal;
  if (allowMunicipal && p.role === 'municipal-admin') return;
  if (p.role === 'unit-admin' && p.unitId === unitId) return;
  throw forbidden('This belongs to another unit.');
}
