import { toPem } from '../asn1/pem.js';
import { MUNICIPAL_ROLES } from '../auth/roles.js';
import { forbidden, notFound, unprocessable } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { assertUnitScope, auditActor, type Actor } from './actor.js';
import { appendAudit, listAudit } from './audit.js';
import type { RegisterDeps } from './deps.js';
import type { MadeSeal, RevocationReason } from './ports.js';
import { findSeal, SEAL_COLUMNS, wrongState, type SealRow } from './records.js';

/**
 * The life of a made seal (Art. 17(3), 18): active → returned → destroyed, and its operators.
 * (Department seals are made in department-seals.ts.)
 */

/**
 * OCSP and CRLs carry whole seconds, time-stamps carry milliseconds: a revocation recorded as the
 * second it happened in (rounded down) could predate a sealing time-stamped a moment before the
 * return. The revocation takes effect at the next whole second instead.
 */
export const revocationTimeOf = (d: Date): Date => new Date(Math.ceil(d.getTime() / 1000) * 1000);

/** Within a transaction: active → returned, certificate revoked. Returns the revoked serial. */
export async function returnSealIn(
  deps: RegisterDeps,
  tx: Queryable,
  actor: Actor,
  sealId: string,
  input: { reason: string; revocationReason: RevocationReason },
): Promise<string> {
  // The row lock first: a sealing holding the seal FOR SHARE finishes (and registers) before this
  // goes on; of two concurrent returns exactly one finds the seal active.
  const seal = await findSeal(tx, sealId, { forUpdate: true });
  if (seal.status !== 'active') throw wrongState('seal', seal.status, 'active');
  const row = { cert_serial: seal.cert_serial, unit_id: seal.unit_id };
  // Taken only now, with the lock held: every sealing that got in first was time-stamped before this.
  const now = deps.clock.now();
  await tx.query(`UPDATE seals SET status = 'returned', returned_at = $2, return_reason = $3 WHERE id = $1`, [sealId, now, input.reason]);
  await deps.maker.revoke(tx, row.cert_serial, input.revocationReason, revocationTimeOf(now));
  await appendAudit(tx, deps.clock, {
    ...auditActor(actor),
    action: 'seal.returned',
    unitId: row.unit_id,
    sealId,
    details: { reason: input.reason, revocationReason: input.revocationReason, certificateSerial: row.cert_serial },
  });
  return row.cert_serial;
}

/** Within a transaction: returned → destroyed, the private key shredded. */
export async function destroySealIn(deps: RegisterDeps, tx: Queryable, actor: Actor, sealId: string, input: { reason: string }): Promise<void> {
  const { rows } = await tx.query<{ key_id: string; unit_id: string }>(
    `UPDATE seals SET status = 'destroyed', destroyed_at = $2, destroy_reason = $3
      WHERE id = $1 AND status = 'returned' RETURNING key_id, unit_id`,
    [sealId, deps.clock.now(), input.reason],
  );
  const row = rows[0];
  if (!row) {
    const seal = await findSeal(tx, sealId);
    throw wrongState('seal', seal.status, 'returned');
  }
  await deps.maker.destroyKey(tx, row.key_id);
  await appendAudit(tx, deps.clock, { ...auditActor(actor), action: 'seal.destroyed', unitId: row.unit_id, sealId, details: { reason: input.reason } });
}

export async function returnSeal(
  deps: RegisterDeps,
  actor: Actor,
  sealId: string,
  input: { reason: string; revocationReason?: RevocationReason },
) {
  const seal = await findSeal(deps.db, sealId);
  assertUnitScope(actor, seal.unit_id);
  const serial = await deps.db.transaction((tx) =>
    returnSealIn(deps, tx, actor, sealId, { reason: input.reason, revocationReason: input.revocationReason ?? 'cessationOfOperation' }),
  );
  await deps.maker.revocationsCommitted([serial]);
  return { id: sealId, status: 'returned' as const };
}

export async function destroySeal(deps: RegisterDeps, actor: Actor, sealId: string, input: { reason: string }) {
  await deps.db.transaction((tx) => destroySealIn(deps, tx, actor, sealId, input));
  return { id: sealId, status: 'destroyed' as const };
}

export interface SealView {
  id: string;
  unitId: string;
  kind: 'unit' | 'department';
  name: string;
  /** The unit name the certificate carries (O), and for a department seal its department (OU). */
  unitName: string;
  department: string | null;
  template: string;
  text: string;
  bottomText: string | null;
  status: string;
  applicationId: string | null;
  certificateSerial: string;
  issuerCaId: string;
  certificatePem: string;
  imageSha256: string;
  imageUrl: string;
  sizeMm: { width: number; height: number };
  createdAt: string;
  returnedAt: string | null;
  returnReason: string | null;
  destroyedAt: string | null;
  destroyReason: string | null;
  operators: string[];
  /** The seal's entries in the usage register: every state change, every use, every refused attempt. */
  history: { seq: string; at: string; action: string; outcome: string; actorId: string | null; onBehalfOf: string | null }[];
}

async function activeOperators(q: Queryable, sealId: string): Promise<string[]> {
  const { rows } = await q.query<{ user_id: string }>('SELECT user_id FROM seal_operators WHERE seal_id = $1 AND revoked_at IS NULL ORDER BY granted_at', [sealId]);
  return rows.map((r) => r.user_id);
}

/** Visible to the municipal office, auditors, its unit's administrator and its own operators. */
export async function getSeal(deps: RegisterDeps, actor: Actor, sealId: string): Promise<SealView> {
  const seal = await findSeal(deps.db, sealId);
  const operators = await activeOperators(deps.db, sealId);
  const p = actor.principal;
  const allowed =
    p.role === 'municipal-admin' ||
    p.role === 'auditor' ||
    (p.role === 'unit-admin' && p.unitId === seal.unit_id) ||
    (p.role === 'operator' && operators.includes(p.userId));
  if (!allowed) throw forbidden('This seal is not yours to see.');
  const history = (await listAudit(deps.db, { sealId, limit: 1000 })).map((e) => ({
    seq: e.seq,
    at: e.at,
    action: e.action,
    outcome: e.outcome,
    actorId: e.actorId,
    onBehalfOf: e.onBehalfOf,
  }));
  return sealView(seal, operators, history);
}

function sealView(seal: SealRow, operators: string[], history: SealView['history']): SealView {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: seal.id,
    unitId: seal.unit_id,
    kind: seal.kind,
    name: seal.name,
    unitName: seal.unit_name,
    department: seal.department,
    template: seal.template,
    text: seal.text,
    bottomText: seal.bottom_text,
    status: seal.status,
    applicationId: seal.application_id,
    certificateSerial: seal.cert_serial,
    issuerCaId: seal.issuer_ca_id,
    certificatePem: toPem(seal.certificate),
    imageSha256: Buffer.from(seal.image_hash).toString('hex'),
    imageUrl: `/v1/seals/${seal.id}/image.png`,
    sizeMm: { width: seal.width_mm, height: seal.height_mm },
    createdAt: new Date(seal.created_at).toISOString(),
    returnedAt: iso(seal.returned_at),
    returnReason: seal.return_reason,
    destroyedAt: iso(seal.destroyed_at),
    destroyReason: seal.destroy_reason,
    operators,
    history,
  };
}

/** The seal's image bytes, for the service's own use (sealing draws it on the page). */
export async function sealImagePng(deps: RegisterDeps, sealId: string): Promise<Buffer> {
  const { rows } = await deps.db.query<{ image_png: Uint8Array }>('SELECT image_png FROM seals WHERE id = $1', [sealId]);
  if (!rows[0]) throw notFound('seal-not-found', 'No such seal.', { field: 'id' });
  return Buffer.from(rows[0].image_png);
}

/**
 * 印章编码 the code of a new seal (its SESeal esID): the unit's credit code and the seal's sequence
 * number within the unit, four digits.
 */
export async function nextSealCode(tx: Queryable, unit: { id: string; code: string }): Promise<string> {
  // Two approvals for one unit at once would count the same seals: the count and the insert that follows it are
  // made one at a time per unit (a transaction-scoped advisory lock; it takes no row lock that a rename or a
  // deregistration could wait on in the other order).
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('seal-code:' || $1::text))", [unit.id]);
  const { rows } = await tx.query<{ n: string }>('SELECT count(*) AS n FROM seals WHERE unit_id = $1', [unit.id]);
  return `${unit.code}${String(Number(rows[0]!.n) + 1).padStart(4, '0')}`;
}

/** Who may fetch a seal's image or its SESeal (Art. 16): the unit's own users, municipal roles, auditors. */
async function assertMayReadSealData(deps: RegisterDeps, actor: Actor, sealId: string): Promise<void> {
  const seal = await findSeal(deps.db, sealId);
  const p = actor.principal;
  const municipal = (MUNICIPAL_ROLES as readonly string[]).includes(p.role);
  if (!municipal && p.unitId !== seal.unit_id) throw forbidden('This seal image belongs to another unit.');
}

/**
 * The SESeal (GB/T 38540 电子印章数据, DER) of an SM2 seal, with the same access as its image; it
 * stays after the seal is destroyed. 404 `no-seseal` for an ECDSA seal.
 */
export async function sesealFor(deps: RegisterDeps, actor: Actor, sealId: string): Promise<Buffer> {
  await assertMayReadSealData(deps, actor, sealId);
  const { rows } = await deps.db.query<{ seseal: Uint8Array | null }>('SELECT seseal FROM seals WHERE id = $1', [sealId]);
  if (!rows[0]?.seseal) throw notFound('no-seseal', 'This seal has no GB/T 38540 seal data: only SM2 seals do.', { field: 'id' });
  return Buffer.from(rows[0].seseal);
}

/**
 * Art. 16: the seal image is kept like the physical seal. Only the unit's own users, the municipal
 * roles (municipal office, exchange platform) and auditors may fetch it; another unit's users may
 * not. (The certificate stays public: every sealed document carries it.)
 */
export async function sealImageFor(deps: RegisterDeps, actor: Actor, sealId: string): Promise<Buffer> {
  await assertMayReadSealData(deps, actor, sealId);
  return sealImagePng(deps, sealId);
}

/** A unit administrator authorises one of its own unit's operators to use one of its unit's seals. */
export async function addOperator(deps: RegisterDeps, actor: Actor, sealId: string, userId: string) {
  return deps.db.transaction(async (tx) => {
    const seal = await findSeal(tx, sealId, { forUpdate: true });
    assertUnitScope(actor, seal.unit_id, false);
    if (seal.status !== 'active') throw wrongState('seal', seal.status, 'active');
    const { rows } = await tx.query<{ role: string; unit_id: string | null; disabled_at: Date | null }>(
      'SELECT role, unit_id, disabled_at FROM users WHERE id = $1',
      [userId],
    );
    const user = rows[0];
    if (!user || user.unit_id !== seal.unit_id) throw unprocessable('user-not-in-unit', 'The user is not one of this unit’s users.', { field: 'userId' });
    if (user.disabled_at) throw unprocessable('user-disabled', 'The user is disabled.', { field: 'userId' });
    if (user.role !== 'operator') throw unprocessable('not-an-operator', 'Only users with the operator role can be authorised to use a seal.', { field: 'userId' });
    await tx.query(
      `INSERT INTO seal_operators (seal_id, user_id, granted_by, granted_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (seal_id, user_id) DO UPDATE SET revoked_at = NULL, granted_by = $3, granted_at = $4`,
      [sealId, userId, actor.principal.userId, deps.clock.now()],
    );
    await appendAudit(tx, deps.clock, { ...auditActor(actor), action: 'seal.operator-authorised', unitId: seal.unit_id, sealId, details: { userId } });
    return { sealId, operators: await activeOperators(tx, sealId) };
  });
}

export async function removeOperator(deps: RegisterDeps, actor: Actor, sealId: string, userId: string) {
  return deps.db.transaction(async (tx) => {
    const seal = await findSeal(tx, sealId, { forUpdate: true });
    assertUnitScope(actor, seal.unit_id, false);
    const { rowCount } = await tx.query('UPDATE seal_operators SET revoked_at = $3 WHERE seal_id = $1 AND user_id = $2 AND revoked_at IS NULL', [
      sealId,
      userId,
      deps.clock.now(),
    ]);
    if (rowCount === 0) throw notFound('operator-not-found', 'That user is not authorised for this seal.', { field: 'userId' });
    await appendAudit(tx, deps.clock, { ...auditActor(actor), action: 'seal.operator-withdrawn', unitId: seal.unit_id, sealId, details: { userId } });
    return { sealId, operators: await activeOperators(tx, sealId) };
  });
}

/** A seal's record as sealing needs it: its key, certificate, issuer and image. */
export interface SealForSigning {
  seal: SealRow;
  /** The operator the sealing is done by (the caller, or the one a platform names). */
  operatorId: string;
}

/**
 * Who may use a seal: an operator authorised for it, or the exchange platform acting for such an
 * operator (Seal-Operator header). The seal must be active. Anything else is refused (403 / 409).
 */
export async function authorizeSealing(deps: RegisterDeps, actor: Actor, sealId: string, onBehalfOf: string | undefined): Promise<SealForSigning> {
  const p = actor.principal;
  let operatorId: string;
  if (p.role === 'operator') {
    if (onBehalfOf && onBehalfOf !== p.userId) throw forbidden('An operator seals only for itself.');
    operatorId = p.userId;
  } else if (p.role === 'platform') {
    if (!onBehalfOf) throw forbidden('The platform must name the operator it acts for in the Seal-Operator header.', { field: 'Seal-Operator' });
    operatorId = onBehalfOf;
  } else {
    throw forbidden('Only an operator, or the platform acting for one, may use a seal.');
  }
  // The seal and whether this operator may use it, in one query.
  const { rows } = await deps.db.query<SealRow & { operator_authorised: boolean }>(
    `SELECT ${SEAL_COLUMNS}, ${operatorMayUse('seals', '$2')} AS operator_authorised
       FROM seals WHERE id = $1`,
    [sealId, operatorId],
  );
  const found = rows[0];
  if (!found) throw notFound('seal-not-found', 'No such seal.', { field: 'id' });
  const { operator_authorised: authorised, ...seal } = found;
  if (!authorised) throw forbidden('This operator is not authorised to use this seal.');
  if (seal.status !== 'active') throw wrongState('seal', seal.status, 'active');
  return { seal, operatorId };
}

/**
 * SQL: whether the user `operator` (a parameter) may use the seal row `seal` (a table alias): an operator of it not
 * revoked, a user not disabled, of the seal's own unit. Checked when a sealing starts and again when it is registered.
 */
export const operatorMayUse = (seal: string, operator: string): string =>
  `EXISTS (SELECT 1 FROM seal_operators o JOIN users u ON u.id = o.user_id
            WHERE o.seal_id = ${seal}.id AND o.user_id = ${operator} AND o.revoked_at IS NULL AND u.disabled_at IS NULL AND u.unit_id = ${seal}.unit_id)`;

export async function insertSeal(
  tx: Queryable,
  s: {
    id: string;
    unitId: string;
    kind: 'unit' | 'department';
    applicationId: string | null;
    /** The unit's name the certificate carries (O); a rename returns the seals that carry the old one. */
    unitName: string;
    department?: string | null;
    name: string;
    template: string;
    text: string;
    bottomText: string | null;
    made: MadeSeal;
    image: { png: Buffer; imageHash: Buffer; widthMm: number; heightMm: number };
    createdBy: string;
    createdAt: Date;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO seals (id, unit_id, kind, application_id, name, template, text, bottom_text, status, key_id, cert_serial, certificate,
                        issuer_ca_id, image_png, image_hash, width_mm, height_mm, created_by, created_at, unit_name, department, algorithm, seseal)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
    [
      s.id,
      s.unitId,
      s.kind,
      s.applicationId,
      s.name,
      s.template,
      s.text,
      s.bottomText,
      s.made.keyId,
      s.made.serial,
      s.made.certificate,
      s.made.issuerCaId,
      s.image.png,
      s.image.imageHash,
      s.image.widthMm,
      s.image.heightMm,
      s.createdBy,
      s.createdAt,
      s.unitName,
      s.department ?? null,
      s.made.algorithm,
      s.made.seseal ?? null,
    ],
  );
}
