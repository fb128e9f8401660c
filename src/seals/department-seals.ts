import { randomUUID } from 'node:crypto';
import { AppError, conflict, unprocessable } from '../errors.js';
import { assertUnitScope, auditActor, type Actor } from './actor.js';
import { appendAudit } from './audit.js';
import type { RegisterDeps } from './deps.js';
import { findActiveUnit, type UnitRow } from './records.js';
import { sealAlgorithm } from './applications.js';
import { insertSeal, nextSealCode } from './seal-actions.js';
import { unsafeCharacter } from '../text.js';

/**
 * 内设机构印章 department seals (Art. 17(4)): a unit makes its internal departments' seals itself,
 * with no municipal approval, under its own department sub-CA. What it can make is fixed: the arc
 * reads the unit's registered name, the department stands below the star, the template is the
 * department template, and the certificate says O = the unit, OU = the department. The sub-CA's
 * name constraints confine O to the unit, so even a certificate made around this code would not
 * verify outside it.
 */
export interface DepartmentSealRequest {
  department: string;
  purpose?: string;
  algorithm?: string;
}

export const DEPARTMENT_TEMPLATE = 'round-department';
const RULE = 'Art. 17(4): a unit self-issues seals for its own internal departments only; a department seal names its unit on the arc and a department below the star';


/** Why this department name is refused, or null. Registered names of any unit are not departments. */
async function departmentProblem(deps: RegisterDeps, unit: UnitRow, department: string): Promise<string | null> {
  if (!department) return 'the department name is blank';
  // The HTTP layer refuses these first (400); a caller of this service from elsewhere meets the same rule.
  const unsafe = unsafeCharacter(department);
  if (unsafe) return `the department name holds ${unsafe}`;
  const own = [unit.name, ...unit.aliases];
  if (own.some((n) => department.includes(n) || n === department)) return 'the department name repeats the unit’s own name: that is a unit seal, made only by the municipal office (Art. 17(1))';
  const others = await deps.db.query<{ name: string }>(
    `SELECT name FROM units WHERE id <> $1 AND strpos($2, name) > 0
     UNION SELECT a.value #>> '{}' FROM units u, jsonb_array_elements(u.aliases) a WHERE u.id <> $1 AND strpos($2, a.value #>> '{}') > 0
     UNION SELECT old_name FROM unit_renames WHERE unit_id <> $1 AND strpos($2, old_name) > 0
     LIMIT 1`,
    [unit.id, department],
  );
  if (others.rows[0]) return `the department name contains another unit’s name (${others.rows[0].name})`;
  return null;
}

export async function issueDepartmentSeal(deps: RegisterDeps, actor: Actor, unitId: string, input: DepartmentSealRequest): Promise<{ sealId: string }> {
  assertUnitScope(actor, unitId, false);
  const department = input.department.normalize('NFC').trim();
  // An SM2 department seal is certified by the unit's SM2 department sub-CA, under the SM2 root.
  const algorithm = sealAlgorithm(deps, input.algorithm);
  const pre = await findActiveUnit(deps.db, unitId);
  const problem = await departmentProblem(deps, pre, department);
  if (problem) throw unprocessable('department-seal-rule', `${RULE}: ${problem}.`, { field: 'department', rule: 'Art. 17(4)' });
  // Rendered before the transaction (pure, the slow part); a department too long for the seal is 422 here.
  const image = await deps.renderer.render({ template: DEPARTMENT_TEMPLATE, text: pre.name, bottomText: department }).catch((err: unknown) => {
    throw asDepartmentSealProblem(err);
  });
  const sealName = `${pre.name}${department}`;
  return deps.db.transaction(async (tx) => {
    const unit = await findActiveUnit(tx, unitId, { forUpdate: true });
    if (unit.name !== pre.name) throw conflict('unit-renamed', 'The unit was renamed meanwhile; issue the department seal again.', { field: 'department' });
    const made = await deps.maker.makeSeal(tx, {
      unit: { id: unit.id, name: unit.name, code: unit.code },
      issuer: 'department',
      sealName,
      department,
      imageHash: image.imageHash,
      imageSizeMm: { width: image.widthMm, height: image.heightMm },
      algorithm,
      png: image.png,
      sealCode: await nextSealCode(tx, unit),
    });
    const id = randomUUID();
    await insertSeal(tx, {
      id,
      unitId,
      kind: 'department',
      applicationId: null,
      unitName: unit.name,
      department,
      name: sealName,
      template: DEPARTMENT_TEMPLATE,
      text: unit.name,
      bottomText: department,
      made,
      image,
      createdBy: actor.principal.userId,
      createdAt: deps.clock.now(),
    });
    await appendAudit(tx, deps.clock, {
      ...auditActor(actor),
      action: 'seal.department-issued',
      unitId,
      sealId: id,
      details: { name: sealName, department, template: DEPARTMENT_TEMPLATE, purpose: input.purpose ?? null, certificateSerial: made.serial, issuerCaId: made.issuerCaId, algorithm },
    });
    return { sealId: id };
  });
}

/**
 * The renderer names its own fields (`text`, `bottomText`); on a department seal those are the unit's registered
 * name on the arc and the `department` below the star, so the refusal names what the caller can act on.
 */
function asDepartmentSealProblem(err: unknown): unknown {
  if (!(err instanceof AppError) || err.status !== 422) return err;
  if (err.details.field === 'bottomText') return new AppError(422, err.type, err.message.replace(/^The bottom text/, 'The department name'), { ...err.details, field: 'department' });
  if (err.details.field === 'text') {
    return new AppError(422, err.type, `The unit's registered name is the arc text of its department seals: ${err.message}`, { ...err.details, field: 'unit.name' });
  }
  return err;
}

