import { createHash, randomUUID } from 'node:crypto';
import { extractSealFromImprint } from '../imprint/index.js';
import { conflict, unprocessable } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { assertUnitScope, auditActor, type Actor } from './actor.js';
import { appendAudit } from './audit.js';
import type { RegisterDeps } from './deps.js';
import { findActiveUnit, findApplication, findSeal, wrongState, type ApplicationRow, type UnitRow } from './records.js';
import { insertSeal, nextSealCode } from './seal-actions.js';
import { isSealKeyAlgorithm, SEAL_KEY_ALGORITHMS, type SealKeyAlgorithm } from '../algorithms/table.js';

/**
 * 印章申请 seal applications (Art. 17(1)): a unit administrator applies against the unit's physical
 * seal; the municipal office approves (which makes the seal) or rejects with a reason. A replacement
 * (Art. 17(3)) is an application linked to the old seal, which must be returned before approval.
 */
export interface NewApplication {
  unitId: string;
  template: string;
  text: string;
  bottomText?: string;
  physicalSealRef: string;
  purpose: string;
  /** The seal's key algorithm (API.md); SEAL_DEFAULT_ALGORITHM when absent. */
  algorithm?: string;
}

export interface ApplicationView {
  id: string;
  unitId: string;
  template: string;
  text: string;
  bottomText: string | null;
  physicalSealRef: string;
  purpose: string;
  status: ApplicationRow['status'];
  replacesSealId: string | null;
  appliedBy: string;
  appliedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  sealId: string | null;
  algorithm: SealKeyAlgorithm;
  /** The image extracted from the uploaded imprint, when there is one: approval binds it instead of the template's. */
  imprint: { imageSha256: string; sizeMm: { width: number; height: number }; report: Record<string, unknown>; imageUrl: string } | null;
}

export const applicationView = (a: ApplicationRow): ApplicationView => ({
  id: a.id,
  unitId: a.unit_id,
  template: a.template,
  text: a.text,
  bottomText: a.bottom_text,
  physicalSealRef: a.physical_seal_ref,
  purpose: a.purpose,
  status: a.status,
  replacesSealId: a.replaces_seal_id,
  appliedBy: a.applied_by,
  appliedAt: new Date(a.applied_at).toISOString(),
  decidedBy: a.decided_by,
  decidedAt: a.decided_at ? new Date(a.decided_at).toISOString() : null,
  decisionReason: a.decision_reason,
  sealId: a.seal_id,
  algorithm: a.algorithm,
  imprint: a.imprint_hash
    ? {
        imageSha256: Buffer.from(a.imprint_hash).toString('hex'),
        sizeMm: { width: a.imprint_width_mm!, height: a.imprint_height_mm! },
        report: a.imprint_report ?? {},
        imageUrl: `/v1/seal-applications/${a.id}/image.png`,
      }
    : null,
});

/** Art. 17(2): a unit's seal carries its name or one of its other external names. */
function assertUnitName(unit: UnitRow, text: string) {
  if (text !== unit.name && !unit.aliases.includes(text)) {
    throw unprocessable('text-not-a-unit-name', 'A unit seal carries the unit’s name or one of its registered aliases.', { field: 'text' });
  }
}

async function insertApplication(deps: RegisterDeps, tx: Queryable, actor: Actor, unit: UnitRow, input: NewApplication, replacesSealId: string | null) {
  assertUnitName(unit, input.text);
  // An application for the name a rename introduced answers that rename's 7-day obligation.
  const rename = (
    await tx.query<{ id: string }>('SELECT id FROM unit_renames WHERE unit_id = $1 AND new_name = $2 ORDER BY created_at DESC LIMIT 1', [
      unit.id,
      input.text,
    ])
  ).rows[0];
  const id = randomUUID();
  const algorithm = sealAlgorithm(deps, input.algorithm);
  await tx.query(
    `INSERT INTO seal_applications (id, unit_id, template, text, bottom_text, physical_seal_ref, purpose, status, replaces_seal_id, rename_id, applied_by, applied_at, algorithm)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'applied', $8, $9, $10, $11, $12)`,
    [id, unit.id, input.template, input.text, input.bottomText ?? null, input.physicalSealRef, input.purpose, replacesSealId, rename?.id ?? null, actor.principal.userId, deps.clock.now(), algorithm],
  );
  await appendAudit(tx, deps.clock, {
    ...auditActor(actor),
    action: replacesSealId ? 'application.replacement-applied' : 'application.applied',
    unitId: unit.id,
    sealId: replacesSealId,
    details: { applicationId: id, template: input.template, text: input.text, physicalSealRef: input.physicalSealRef, purpose: input.purpose, algorithm },
  });
  return id;
}

/** The key algorithm asked for, or SEAL_DEFAULT_ALGORITHM; anything else is 422 naming the field. */
export function sealAlgorithm(deps: Pick<RegisterDeps, 'defaultAlgorithm'>, asked: unknown): SealKeyAlgorithm {
  if (asked === undefined) return deps.defaultAlgorithm ?? 'ECDSA-P256';
  if (!isSealKeyAlgorithm(asked)) throw unprocessable('unsupported-algorithm', `A seal key is ${SEAL_KEY_ALGORITHMS.join(' or ')}.`, { field: 'algorithm' });
  return asked;
}

export async function applyForSeal(deps: RegisterDeps, actor: Actor, input: NewApplication): Promise<ApplicationView> {
  assertUnitScope(actor, input.unitId, false);
  // The template must exist and the text must fit: checked now, not at approval.
  await deps.renderer.render({ template: input.template, text: input.text, bottomText: input.bottomText });
  const id = await deps.db.transaction(async (tx) => {
    const unit = await findActiveUnit(tx, input.unitId);
    return insertApplication(deps, tx, actor, unit, input, null);
  });
  return applicationView(await findApplication(deps.db, id));
}

/** Art. 17(3): opens a new application linked to the seal it replaces. */
export async function applyForReplacement(
  deps: RegisterDeps,
  actor: Actor,
  sealId: string,
  input: { physicalSealRef: string; purpose: string; template?: string; text?: string; bottomText?: string; algorithm?: string },
): Promise<ApplicationView> {
  const old = await findSeal(deps.db, sealId);
  assertUnitScope(actor, old.unit_id, false);
  if (old.kind !== 'unit') throw unprocessable('not-a-unit-seal', 'Department seals are replaced by issuing a new one.', { field: 'id' });
  if (old.status === 'destroyed') throw wrongState('seal', old.status, 'active or returned');
  const template = input.template ?? old.template;
  const text = input.text ?? old.text;
  const bottomText = input.bottomText ?? old.bottom_text ?? undefined;
  await deps.renderer.render({ template, text, bottomText });
  const id = await deps.db.transaction(async (tx) => {
    const open = await tx.query(`SELECT id FROM seal_applications WHERE replaces_seal_id = $1 AND status = 'applied'`, [sealId]);
    if (open.rows.length) throw conflict('replacement-pending', 'A replacement for this seal is already waiting for a decision.');
    const unit = await findActiveUnit(tx, old.unit_id);
    // A replacement keeps the old seal's algorithm unless it names another.
    const algorithm = input.algorithm ?? old.algorithm;
    return insertApplication(deps, tx, actor, unit, { unitId: unit.id, template, text, bottomText, physicalSealRef: input.physicalSealRef, purpose: input.purpose, algorithm }, sealId);
  });
  return applicationView(await findApplication(deps.db, id));
}

export async function getApplication(deps: RegisterDeps, actor: Actor, id: string): Promise<ApplicationView> {
  const app = await findApplication(deps.db, id);
  if (actor.principal.role !== 'auditor') assertUnitScope(actor, app.unit_id);
  return applicationView(app);
}

/**
 * Approval makes the seal in one transaction: key in the vault, certificate with the image bound,
 * the seal active, the application approved. The image is rendered first (outside the transaction:
 * it is pure and takes the longest).
 */
export async function approveApplication(deps: RegisterDeps, actor: Actor, id: string): Promise<{ sealId: string }> {
  const pre = await findApplication(deps.db, id);
  const image = (await imprintImage(deps, pre)) ?? (await deps.renderer.render({ template: pre.template, text: pre.text, bottomText: pre.bottom_text ?? undefined }));
  return deps.db.transaction(async (tx) => {
    const app = await findApplication(tx, id, { forUpdate: true });
    if (app.status !== 'applied') throw wrongState('application', app.status, 'applied');
    if (!sameBytes(app.imprint_hash, pre.imprint_hash)) throw conflict('application-changed', 'The imprint changed while approving; look at it again.');
    const unit = await findActiveUnit(tx, app.unit_id);
    if (app.replaces_seal_id) {
      const old = await findSeal(tx, app.replaces_seal_id, { forUpdate: true });
      if (old.status === 'active') {
        throw conflict('old-seal-not-returned', 'The seal this replaces must be returned before the new one is made (Art. 17(3)).', { state: old.status });
      }
    }
    const made = await deps.maker.makeSeal(tx, {
      unit: { id: unit.id, name: unit.name, code: unit.code },
      issuer: 'municipal',
      sealName: app.text + (app.bottom_text ? app.bottom_text : ''),
      imageHash: image.imageHash,
      imageSizeMm: { width: image.widthMm, height: image.heightMm },
      algorithm: app.algorithm,
      png: image.png,
      sealCode: await nextSealCode(tx, unit),
    });
    const sealId = randomUUID();
    await insertSeal(tx, {
      id: sealId,
      unitId: unit.id,
      kind: 'unit',
      applicationId: app.id,
      unitName: unit.name,
      name: app.text + (app.bottom_text ?? ''),
      template: app.template,
      text: app.text,
      bottomText: app.bottom_text,
      made,
      image,
      createdBy: actor.principal.userId,
      createdAt: deps.clock.now(),
    });
    await tx.query(`UPDATE seal_applications SET status = 'approved', decided_by = $2, decided_at = $3, seal_id = $4 WHERE id = $1`, [
      id,
      actor.principal.userId,
      deps.clock.now(),
      sealId,
    ]);
    await appendAudit(tx, deps.clock, {
      ...auditActor(actor),
      action: 'application.approved',
      unitId: unit.id,
      sealId,
      details: { applicationId: id, certificateSerial: made.serial, issuerCaId: made.issuerCaId, algorithm: made.algorithm, imageSha256: image.imageHash.toString('hex') },
    });
    return { sealId };
  });
}

export async function rejectApplication(deps: RegisterDeps, actor: Actor, id: string, reason: string): Promise<ApplicationView> {
  await deps.db.transaction(async (tx) => {
    const app = await findApplication(tx, id, { forUpdate: true });
    if (app.status !== 'applied') throw wrongState('application', app.status, 'applied');
    await tx.query(`UPDATE seal_applications SET status = 'rejected', decided_by = $2, decided_at = $3, decision_reason = $4 WHERE id = $1`, [
      id,
      actor.principal.userId,
      deps.clock.now(),
      reason,
    ]);
    await appendAudit(tx, deps.clock, { ...auditActor(actor), action: 'application.rejected', unitId: app.unit_id, details: { applicationId: id, reason } });
  });
  return applicationView(await findApplication(deps.db, id));
}

const sameBytes = (a: Uint8Array | null, b: Uint8Array | null) => (a === null || b === null ? a === b : Buffer.from(a).equals(Buffer.from(b)));

/** The application's imprint image as a seal image, or null when it has none. */
async function imprintImage(deps: RegisterDeps, app: ApplicationRow) {
  if (!app.imprint_hash) return null;
  const { rows } = await deps.db.query<{ imprint_png: Uint8Array }>('SELECT imprint_png FROM seal_applications WHERE id = $1', [app.id]);
  return {
    png: Buffer.from(rows[0]!.imprint_png),
    imageHash: Buffer.from(app.imprint_hash),
    widthMm: app.imprint_width_mm!,
    heightMm: app.imprint_height_mm!,
  };
}

export async function applicationImagePng(deps: RegisterDeps, actor: Actor, id: string): Promise<Buffer> {
  const app = await findApplication(deps.db, id);
  if (actor.principal.role !== 'auditor') assertUnitScope(actor, app.unit_id);
  const imprint = await imprintImage(deps, app);
  if (imprint) return imprint.png;
  return (await deps.renderer.render({ template: app.template, text: app.text, bottomText: app.bottom_text ?? undefined })).png;
}

/**
 * Art. 15, 17(1): the seal is made against the physical seal. A unit administrator uploads a scan or
 * photo of its imprint; the extracted image and its quality report wait with the application for
 * the municipal office, and approval binds that image into the certificate.
 */
export async function attachImprint(
  deps: RegisterDeps,
  actor: Actor,
  id: string,
  scan: Buffer,
  opts: { diameterMm?: number; widthMm?: number; heightMm?: number; dpi?: number },
): Promise<ApplicationView> {
  const pre = await findApplication(deps.db, id);
  assertUnitScope(actor, pre.unit_id, false);
  if (pre.status !== 'applied') throw wrongState('application', pre.status, 'applied');
  const sized = opts.diameterMm !== undefined || opts.widthMm !== undefined;
  const seal = await extractSealFromImprint(scan, { ...opts, template: sized ? undefined : pre.template });
  await deps.db.transaction(async (tx) => {
    const app = await findApplication(tx, id, { forUpdate: true });
    if (app.status !== 'applied') throw wrongState('application', app.status, 'applied');
    await tx.query(
      `UPDATE seal_applications SET imprint_png = $2, imprint_hash = $3, imprint_width_mm = $4, imprint_height_mm = $5, imprint_report = $6 WHERE id = $1`,
      [id, seal.png, seal.imageHash, seal.widthMm, seal.heightMm, JSON.stringify(seal.report)],
    );
    await appendAudit(tx, deps.clock, {
      ...auditActor(actor),
      action: 'application.imprint-attached',
      unitId: app.unit_id,
      details: { applicationId: id, scanSha256: createHash('sha256').update(scan).digest('hex'), imageSha256: seal.imageHash.toString('hex'), report: seal.report },
    });
  });
  return applicationView(await findApplication(deps.db, id));
}
