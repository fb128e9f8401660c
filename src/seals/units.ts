import { randomUUID } from 'node:crypto';
import { assertCreditCode } from '../ca/credit-code.js';
import { conflict, unprocessable } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { assertUnitScope, auditActor, type Actor } from './actor.js';
import { appendAudit } from './audit.js';
import type { RegisterDeps } from './deps.js';
import { findActiveUnit, findUnit, SEAL_COLUMNS, type SealRow } from './records.js';
import { destroySealIn, returnSealIn } from './seal-actions.js';
import { addWorkingDays } from './working-days.js';

/** 机关单位 units (Art. 18): registration, renaming, deregistration. */
export interface UnitView {
  id: string;
  name: string;
  code: string;
  aliases: string[];
  status: 'active' | 'deregistered';
  createdAt: string;
  deregisteredAt: string | null;
  seals: { id: string; kind: string; name: string; template: string; status: string; certificateSerial: string }[];
  renames: {
    oldName: string;
    newName: string;
    effectiveDate: string;
    deadline: string;
    applicationsMade: number;
    /** Art. 18(3): no application for the new name within 7 working days. */
    overdue: boolean;
  }[];
}

function normaliseNames(name: string, aliases: string[]): string[] {
  const clean = [...new Set(aliases.map((a) => a.trim()).filter(Boolean))];
  if (clean.includes(name.trim())) throw unprocessable('duplicate-name', 'An alias repeats the unit name.', { field: 'aliases' });
  return clean;
}

export async function registerUnit(deps: RegisterDeps, actor: Actor, input: { name: string; code: string; aliases?: string[] }) {
  assertCreditCode(input.code);
  const name = input.name.trim();
  const aliases = normaliseNames(name, input.aliases ?? []);
  return deps.db.transaction(async (tx) => {
    const taken = await tx.query(`SELECT id FROM units WHERE code = $1 AND status = 'active'`, [input.code]);
    if (taken.rows.length) throw conflict('unit-exists', 'A unit with this credit code is already registered.', { field: 'code' });
    const id = randomUUID();
    await tx.query('INSERT INTO units (id, name, code, aliases, created_at) VALUES ($1, $2, $3, $4, $5)', [
      id,
      name,
      input.code,
      JSON.stringify(aliases),
      deps.clock.now(),
    ]);
    await appendAudit(tx, deps.clock, { ...auditActor(actor), action: 'unit.registered', unitId: id, details: { name, code: input.code, aliases } });
    return { id };
  });
}

export async function getUnit(deps: RegisterDeps, actor: Actor, id: string): Promise<UnitView> {
  const p = actor.principal;
  if (p.role === 'unit-admin') assertUnitScope(actor, id);
  const unit = await findUnit(deps.db, id);
  const seals = (await deps.db.query<SealRow>(`SELECT ${SEAL_COLUMNS} FROM seals WHERE unit_id = $1 ORDER BY created_at`, [id])).rows;
  const renames = (
    await deps.db.query<{ id: string; old_name: string; new_name: string; effective_date: string | Date; deadline: string | Date; made: string }>(
      `SELECT r.*, (SELECT count(*) FROM seal_applications a WHERE a.rename_id = r.id) AS made
         FROM unit_renames r WHERE r.unit_id = $1 ORDER BY r.created_at`,
      [id],
    )
  ).rows;
  const today = deps.clock.now().toISOString().slice(0, 10);
  const day = (d: string | Date) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));
  return {
    id: unit.id,
    name: unit.name,
    code: unit.code,
    aliases: unit.aliases,
    status: unit.status,
    createdAt: new Date(unit.created_at).toISOString(),
    deregisteredAt: unit.deregistered_at ? new Date(unit.deregistered_at).toISOString() : null,
    seals: seals.map((s) => ({ id: s.id, kind: s.kind, name: s.name, template: s.template, status: s.status, certificateSerial: s.cert_serial })),
    renames: renames.map((r) => ({
      oldName: r.old_name,
      newName: r.new_name,
      effectiveDate: day(r.effective_date),
      deadline: day(r.deadline),
      applicationsMade: Number(r.made),
      overdue: Number(r.made) === 0 && unit.status === 'active' && today > day(r.deadline),
    })),
  };
}

/** Every seal of the unit that still exists is returned (its certificate revoked with `reason`). */
async function returnAllSeals(deps: RegisterDeps, tx: Queryable, actor: Actor, unitId: string, why: string, reason: 'superseded' | 'cessationOfOperation') {
  const active = (await tx.query<{ id: string }>(`SELECT id FROM seals WHERE unit_id = $1 AND status = 'active' ORDER BY created_at FOR UPDATE`, [unitId])).rows;
  const serials: string[] = [];
  for (const { id } of active) serials.push(await returnSealIn(deps, tx, actor, id, { reason: why, revocationReason: reason }));
  return serials;
}

/**
 * Art. 18(3): the new name takes over at once; every seal of the unit (each names the old unit name
 * in its certificate) is returned and revoked as superseded; applications for the new name are due
 * within 7 working days of the effective date, and the unit is flagged overdue after that.
 */
export async function renameUnit(deps: RegisterDeps, actor: Actor, id: string, input: { newName: string; effectiveDate: string }) {
  const newName = input.newName.trim();
  const revoked = await deps.db.transaction(async (tx) => {
    const unit = await findActiveUnit(tx, id, { forUpdate: true });
    if (unit.name === newName) throw unprocessable('same-name', 'The new name is the current name.', { field: 'newName' });
    const renameId = randomUUID();
    const deadline = addWorkingDays(input.effectiveDate, 7);
    await tx.query(
      `INSERT INTO unit_renames (id, unit_id, old_name, new_name, effective_date, deadline, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [renameId, id, unit.name, newName, input.effectiveDate, deadline, deps.clock.now()],
    );
    const aliases = unit.aliases.filter((a) => a !== newName);
    await tx.query('UPDATE units SET name = $2, aliases = $3 WHERE id = $1', [id, newName, JSON.stringify(aliases)]);
    const serials = await returnAllSeals(deps, tx, actor, id, `unit renamed from ${unit.name} to ${newName}`, 'superseded');
    await appendAudit(tx, deps.clock, {
      ...auditActor(actor),
      action: 'unit.renamed',
      unitId: id,
      details: { oldName: unit.name, newName, effectiveDate: input.effectiveDate, applicationDeadline: deadline, sealsReturned: serials.length },
    });
    return serials;
  });
  await deps.maker.revocationsCommitted(revoked);
  return getUnit(deps, actor, id);
}

/** Art. 18(2): every seal returned and destroyed, every user disabled; the unit stays as history. */
export async function deregisterUnit(deps: RegisterDeps, actor: Actor, id: string) {
  const revoked = await deps.db.transaction(async (tx) => {
    await findActiveUnit(tx, id, { forUpdate: true });
    const why = 'unit deregistered';
    const serials = await returnAllSeals(deps, tx, actor, id, why, 'cessationOfOperation');
    const toDestroy = (await tx.query<{ id: string }>(`SELECT id FROM seals WHERE unit_id = $1 AND status = 'returned' ORDER BY created_at`, [id])).rows;
    for (const { id: sealId } of toDestroy) await destroySealIn(deps, tx, actor, sealId, { reason: why });
    const pending = await tx.query(
      `UPDATE seal_applications SET status = 'rejected', decided_by = $2, decided_at = $3, decision_reason = $4
        WHERE unit_id = $1 AND status = 'applied'`,
      [id, actor.principal.userId, deps.clock.now(), why],
    );
    const users = await tx.query(`UPDATE users SET disabled_at = $2 WHERE unit_id = $1 AND disabled_at IS NULL`, [id, deps.clock.now()]);
    await tx.query(`UPDATE units SET status = 'deregistered', deregistered_at = $2 WHERE id = $1`, [id, deps.clock.now()]);
    await appendAudit(tx, deps.clock, {
      ...auditActor(actor),
      action: 'unit.deregistered',
      unitId: id,
      details: { sealsDestroyed: toDestroy.length, usersDisabled: users.rowCount, applicationsRejected: pending.rowCount },
    });
    return serials;
  });
  await deps.maker.revocationsCommitted(revoked);
  return getUnit(deps, actor, id);
}
