import { randomUUID } from 'node:crypto';
import { assertCreditCode } from '../ca/credit-code.js';
import { conflict, unprocessable } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { assertUnitScope, auditActor, type Actor } from './actor.js';
import { appendAudit } from './audit.js';
import type { RegisterDeps } from './deps.js';
import { findActiveUnit, findUnit, SEAL_COLUMNS, type SealRow, type UnitRow } from './records.js';
import { destroySealIn, returnSealIn } from './seal-actions.js';
import { addWorkingDays, shanghaiDate } from './working-days.js';

/** A unit as every answer shows it (its view, the unit list). */
export interface UnitSummary {
  id: string;
  name: string;
  code: string;
  aliases: string[];
  status: 'active' | 'deregistered';
  createdAt: string;
  deregisteredAt: string | null;
}

export function unitSummary(unit: UnitRow): UnitSummary {
  return {
    id: unit.id,
    name: unit.name,
    code: unit.code,
    aliases: unit.aliases,
    status: unit.status,
    createdAt: new Date(unit.created_at).toISOString(),
    deregisteredAt: unit.deregistered_at ? new Date(unit.deregistered_at).toISOString() : null,
  };
}

/** 机关单位 units (Art. 18): registration, renaming, deregistration. */
export interface UnitView extends UnitSummary {
  seals: { id: string; kind: string; name: string; template: string; status: string; certificateSerial: string }[];
  renames: {
    oldName: string;
    newName: string;
    effectiveDate: string;
    deadline: string;
    /** The old name's seals and department sub-CA were returned and revoked (on the effective date). */
    effective: boolean;
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
    await deps.db.query<{
      id: string;
      old_name: string;
      new_name: string;
      effective_date: string | Date;
      deadline: string | Date;
      seals_retired_at: Date | null;
      made: string;
    }>(
      `SELECT r.*, (SELECT count(*) FROM seal_applications a WHERE a.rename_id = r.id) AS made
         FROM unit_renames r WHERE r.unit_id = $1 ORDER BY r.created_at`,
      [id],
    )
  ).rows;
  const today = shanghaiDate(deps.clock.now());
  // a PostgreSQL date comes back as a string (PGlite) or as a Date at local midnight (pg)
  const day = (d: string | Date) =>
    typeof d === 'string' ? d.slice(0, 10) : `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return {
    ...unitSummary(unit),
    seals: seals.map((s) => ({ id: s.id, kind: s.kind, name: s.name, template: s.template, status: s.status, certificateSerial: s.cert_serial })),
    renames: renames.map((r) => ({
      oldName: r.old_name,
      newName: r.new_name,
      effectiveDate: day(r.effective_date),
      deadline: day(r.deadline),
      effective: r.seals_retired_at !== null,
      applicationsMade: Number(r.made),
      overdue: Number(r.made) === 0 && unit.status === 'active' && today > day(r.deadline),
    })),
  };
}

/** Every active seal of the unit (or only those whose certificate names `unitName`) is returned, its certificate revoked with `reason`. */
async function returnAllSeals(
  deps: RegisterDeps,
  tx: Queryable,
  actor: Actor,
  unitId: string,
  why: string,
  reason: 'superseded' | 'cessationOfOperation',
  unitName?: string,
) {
  const active = (
    await tx.query<{ id: string }>(
      `SELECT id FROM seals WHERE unit_id = $1 AND status = 'active' AND ($2::text IS NULL OR unit_name = $2) ORDER BY created_at FOR UPDATE`,
      [unitId, unitName ?? null],
    )
  ).rows;
  const serials: string[] = [];
  for (const { id } of active) serials.push(await returnSealIn(deps, tx, actor, id, { reason: why, revocationReason: reason }));
  return serials;
}

/**
 * Art. 18(3): the new name is the unit's registered name at once (applications for it can be made);
 * the seals that name the old one (its alias seals too: their certificates name the old unit) and
 * the old name's department sub-CA stay usable until the effective date, a calendar date in
 * Asia/Shanghai, and are then returned and revoked as superseded: at once when that date is today
 * or past, otherwise by the scheduled job (applyDueRenames). Applications for the new name are due
 * within 7 working days of the effective date; the unit is flagged overdue after that.
 */
export async function renameUnit(deps: RegisterDeps, actor: Actor, id: string, input: { newName: string; effectiveDate: string }) {
  const newName = input.newName.trim();
  const revoked = await deps.db.transaction(async (tx) => {
    const unit = await findActiveUnit(tx, id, { forUpdate: true });
    if (unit.name === newName) throw unprocessable('same-name', 'The new name is the current name.', { field: 'newName' });
    const pending = await tx.query(`SELECT 1 FROM unit_renames WHERE unit_id = $1 AND seals_retired_at IS NULL`, [id]);
    if (pending.rows.length) throw conflict('rename-pending', 'An earlier rename of this unit has not taken effect yet.', { field: 'effectiveDate' });
    const renameId = randomUUID();
    const deadline = addWorkingDays(input.effectiveDate, 7);
    await tx.query(
      `INSERT INTO unit_renames (id, unit_id, old_name, new_name, effective_date, deadline, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [renameId, id, unit.name, newName, input.effectiveDate, deadline, deps.clock.now()],
    );
    const aliases = unit.aliases.filter((a) => a !== newName);
    await tx.query('UPDATE units SET name = $2, aliases = $3 WHERE id = $1', [id, newName, JSON.stringify(aliases)]);
    const effectiveNow = input.effectiveDate <= shanghaiDate(deps.clock.now());
    await appendAudit(tx, deps.clock, {
      ...auditActor(actor),
      action: 'unit.renamed',
      unitId: id,
      details: { oldName: unit.name, newName, effectiveDate: input.effectiveDate, applicationDeadline: deadline, takesEffectNow: effectiveNow },
    });
    return effectiveNow ? ((await retireOldName(deps, tx, actor, renameId)) ?? []) : [];
  });
  await deps.maker.revocationsCommitted(revoked);
  return getUnit(deps, actor, id);
}

/**
 * The rename takes effect (inside the caller's transaction): the seals naming the old name are
 * returned, the old name's department sub-CA revoked. At most once per rename, whoever calls: the
 * conditional update claims it. Returns the serials revoked ([] when someone else did it).
 */
async function retireOldName(deps: RegisterDeps, tx: Queryable, actor: Actor, renameId: string): Promise<string[] | null> {
  const now = deps.clock.now();
  const claimed = await tx.query<{ unit_id: string; old_name: string; new_name: string; effective_date: string | Date }>(
    `UPDATE unit_renames SET seals_retired_at = $2 WHERE id = $1 AND seals_retired_at IS NULL RETURNING unit_id, old_name, new_name, effective_date`,
    [renameId, now],
  );
  const r = claimed.rows[0];
  if (!r) return null;
  const unit = await findUnit(tx, r.unit_id, { forUpdate: true });
  const why = `unit renamed from ${r.old_name} to ${r.new_name}`;
  const serials = await returnAllSeals(deps, tx, actor, r.unit_id, why, 'superseded', r.old_name);
  const subCa = await deps.maker.retireDepartmentCa(tx, { name: r.old_name, code: unit.code }, 'superseded', now, { destroyKey: false });
  if (subCa) serials.push(subCa);
  await appendAudit(tx, deps.clock, {
    ...auditActor(actor),
    action: 'unit.rename-effective',
    unitId: r.unit_id,
    details: { renameId, oldName: r.old_name, newName: r.new_name, sealsReturned: serials.length - (subCa ? 1 : 0), departmentCaRevoked: subCa },
  });
  return serials;
}

/**
 * The scheduled job (every instance runs it; each rename is applied once): renames whose effective
 * date has come (in Asia/Shanghai) take effect. Returns how many this call applied.
 */
export async function applyDueRenames(deps: RegisterDeps, actor: Actor): Promise<number> {
  const today = shanghaiDate(deps.clock.now());
  const due = await deps.db.query<{ id: string }>(
    `SELECT id FROM unit_renames WHERE seals_retired_at IS NULL AND effective_date <= $1::date ORDER BY effective_date, created_at`,
    [today],
  );
  let applied = 0;
  for (const { id } of due.rows) {
    const revoked = await deps.db.transaction((tx) => retireOldName(deps, tx, actor, id));
    if (revoked === null) continue; // another instance applied it
    applied += 1;
    await deps.maker.revocationsCommitted(revoked);
  }
  return applied;
}

/** Art. 18(2): every seal returned and destroyed, every user disabled; the unit stays as history. */
export async function deregisterUnit(deps: RegisterDeps, actor: Actor, id: string) {
  const revoked = await deps.db.transaction(async (tx) => {
    await findActiveUnit(tx, id, { forUpdate: true });
    const why = 'unit deregistered';
    const unit = await findUnit(tx, id);
    const serials = await returnAllSeals(deps, tx, actor, id, why, 'cessationOfOperation');
    // Its department sub-CAs (under its name now and under any earlier name) are revoked, their keys destroyed after their last CRL.
    const names = new Set([unit.name, ...(await tx.query<{ old_name: string }>('SELECT old_name FROM unit_renames WHERE unit_id = $1', [id])).rows.map((r) => r.old_name)]);
    for (const name of names) {
      const subCa = await deps.maker.retireDepartmentCa(tx, { name, code: unit.code }, 'cessationOfOperation', deps.clock.now(), { destroyKey: true });
      if (subCa) serials.push(subCa);
    }
    await tx.query(`UPDATE unit_renames SET seals_retired_at = $2 WHERE unit_id = $1 AND seals_retired_at IS NULL`, [id, deps.clock.now()]);
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
  await deps.maker.finishRetirements();
  return getUnit(deps, actor, id);
}
