import { MUNICIPAL_ROLES, UNIT_ROLES, type Role } from '../auth/roles.js';
import { forbidden } from '../errors.js';
import { assertUnitScope, type Actor } from './actor.js';
import { applicationView, type ApplicationView } from './applications.js';
import type { RegisterDeps } from './deps.js';
import { APPLICATION_COLUMNS, findUnit, type ApplicationRow, type SealStatus, type UnitRow } from './records.js';
import { unitSummary, type UnitSummary } from './units.js';
import { containsPattern, decodeCursor, exactTime, pageOf, pageSize, Where, type Page, type PageRequest } from './paging.js';

/**
 * The lists the municipal office, unit administrators, auditors, operators and the platform browse
 * (units, users, applications, seals), newest first, filtered, paged by the one convention of
 * paging.ts. Each is scoped by role here, in the query, so a page never holds a row the caller may
 * not see (a unit administrator sees its own unit only).
 */

/** Certificates that expire within this many days are flagged (the console shows them; renew in time). */
export const EXPIRY_WARNING_DAYS = 90;
const DAY_MS = 86_400_000;

/** The newest-first keyset condition and order for a (creation time, id) key. */
function newestFirst(w: Where, page: PageRequest, timeColumn: string, idColumn: string): { order: string; limit: string; size: number } {
  const size = pageSize(page);
  const after = decodeCursor(page.cursor, 2);
  if (after) w.add(`(${timeColumn}, ${idColumn}) < (?::timestamptz, ?)`, after[0], after[1]);
  return { order: `ORDER BY ${timeColumn} DESC, ${idColumn} DESC`, limit: `LIMIT ${w.param(size + 1)}`, size };
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** A unit-admin reaches its own unit only: a filter naming another unit is refused, none means its own. */
function unitScope(actor: Actor, unitId: string | undefined): string | undefined {
  const p = actor.principal;
  if (p.role !== 'unit-admin') return unitId;
  if (unitId !== undefined && unitId !== p.unitId) throw forbidden('This belongs to another unit.');
  return p.unitId!;
}

// ---- units ----

export interface UnitListFilter extends PageRequest {
  q?: string;
  state?: 'active' | 'deregistered';
}

export interface UnitListItem extends UnitSummary {
  activeSeals: number;
}

export async function listUnits(deps: RegisterDeps, actor: Actor, f: UnitListFilter): Promise<Page<UnitListItem>> {
  const w = new Where();
  const own = unitScope(actor, undefined);
  if (own) w.add('u.id = ?', own);
  if (f.q) {
    const pattern = containsPattern(f.q);
    w.add(`(u.name ILIKE ? OR u.code ILIKE ? OR u.aliases::text ILIKE ?)`, pattern, pattern, pattern);
  }
  if (f.state) w.add('u.status = ?', f.state);
  const { order, limit, size } = newestFirst(w, f, 'u.created_at', 'u.id');
  const { rows } = await deps.db.query<UnitRow & { active_seals: string; sort_at: string }>(
    `SELECT u.id, u.name, u.code, u.aliases, u.status, u.created_at, u.deregistered_at, ${exactTime('u.created_at')} AS sort_at,
            (SELECT count(*) FROM seals s WHERE s.unit_id = u.id AND s.status = 'active') AS active_seals
       FROM units u ${w.sql} ${order} ${limit}`,
    w.params,
  );
  return pageOf(
    rows,
    size,
    (r) => [r.sort_at, r.id],
    (r) => ({ ...unitSummary(r), activeSeals: Number(r.active_seals) }),
  );
}

// ---- users ----

export interface UserListFilter extends PageRequest {
  q?: string;
  role?: Role;
  state?: 'active' | 'disabled';
}

export interface UserListItem {
  id: string;
  name: string;
  role: Role;
  unitId: string | null;
  status: 'active' | 'disabled';
  createdAt: string;
  disabledAt: string | null;
}

async function listUsersWhere(deps: RegisterDeps, w: Where, f: UserListFilter): Promise<Page<UserListItem>> {
  if (f.q) w.add('name ILIKE ?', containsPattern(f.q));
  if (f.role) w.add('role = ?', f.role);
  if (f.state === 'active') w.add('disabled_at IS NULL');
  if (f.state === 'disabled') w.add('disabled_at IS NOT NULL');
  const { order, limit, size } = newestFirst(w, f, 'created_at', 'id');
  const { rows } = await deps.db.query<{ id: string; name: string; role: Role; unit_id: string | null; created_at: Date; disabled_at: Date | null; sort_at: string }>(
    `SELECT id, name, role, unit_id, created_at, disabled_at, ${exactTime('created_at')} AS sort_at FROM users ${w.sql} ${order} ${limit}`,
    w.params,
  );
  return pageOf(
    rows,
    size,
    (r) => [r.sort_at, r.id],
    (r) => ({
      id: r.id,
      name: r.name,
      role: r.role,
      unitId: r.unit_id,
      status: r.disabled_at ? 'disabled' : 'active',
      createdAt: iso(r.created_at)!,
      disabledAt: iso(r.disabled_at),
    }),
  );
}

/** A unit's users (Art. 12): its own administrator, the municipal office and auditors. */
export async function listUnitUsers(deps: RegisterDeps, actor: Actor, unitId: string, f: UserListFilter): Promise<Page<UserListItem>> {
  if (actor.principal.role !== 'auditor') assertUnitScope(actor, unitId);
  await findUnit(deps.db, unitId);
  const w = new Where().add('unit_id = ?', unitId).add('role = ANY(?)', [...UNIT_ROLES]);
  return listUsersWhere(deps, w, f);
}

/** The users of the municipal roles (municipal office, auditors, the platform). */
export async function listMunicipalUsers(deps: RegisterDeps, _actor: Actor, f: UserListFilter): Promise<Page<UserListItem>> {
  const w = new Where().add('unit_id IS NULL').add('role = ANY(?)', [...MUNICIPAL_ROLES]);
  return listUsersWhere(deps, w, f);
}

// ---- applications ----

export interface ApplicationListFilter extends PageRequest {
  q?: string;
  state?: ApplicationRow['status'];
  unitId?: string;
}

export type ApplicationListItem = ApplicationView & { unitName: string };

export async function listApplications(deps: RegisterDeps, actor: Actor, f: ApplicationListFilter): Promise<Page<ApplicationListItem>> {
  const w = new Where();
  const unitId = unitScope(actor, f.unitId);
  if (unitId) w.add('a.unit_id = ?', unitId);
  if (f.state) w.add('a.status = ?', f.state);
  if (f.q) {
    const pattern = containsPattern(f.q);
    w.add('(a.text ILIKE ? OR u.name ILIKE ? OR a.purpose ILIKE ?)', pattern, pattern, pattern);
  }
  const { order, limit, size } = newestFirst(w, f, 'a.applied_at', 'a.id');
  const columns = APPLICATION_COLUMNS.split(',')
    .map((c) => `a.${c.trim()}`)
    .join(', ');
  const { rows } = await deps.db.query<ApplicationRow & { unit_name: string; sort_at: string }>(
    `SELECT ${columns}, u.name AS unit_name, ${exactTime('a.applied_at')} AS sort_at
       FROM seal_applications a JOIN units u ON u.id = a.unit_id ${w.sql} ${order} ${limit}`,
    w.params,
  );
  return pageOf(
    rows,
    size,
    (r) => [r.sort_at, r.id],
    (r) => ({ ...applicationView(r), unitName: r.unit_name }),
  );
}

// ---- seals ----

export interface SealListFilter extends PageRequest {
  q?: string;
  state?: SealStatus;
  unitId?: string;
  /** Unit seals, or department seals (Art. 17(4)). */
  kind?: 'unit' | 'department';
  /** Only seals whose certificate expires before this time. */
  expiresBefore?: Date;
}

export interface SealListItem {
  id: string;
  unitId: string;
  /** The unit name the certificate carries (O). */
  unitName: string;
  kind: 'unit' | 'department';
  name: string;
  department: string | null;
  template: string;
  text: string;
  status: SealStatus;
  /** The seal key's algorithm: ECDSA-P256, or SM2 (an SM2 seal also has GB/T 38540 seal data). */
  algorithm: string;
  certificateSerial: string;
  /** The certificate's notAfter. */
  notAfter: string;
  /** The certificate expires within EXPIRY_WARNING_DAYS (and has not yet). */
  expiringSoon: boolean;
  createdAt: string;
  returnedAt: string | null;
  destroyedAt: string | null;
  /** The users authorised to use it now. */
  operators: { id: string; name: string }[];
  imageUrl: string;
}

/**
 * Seals, by role: the municipal office and auditors see every seal, a unit administrator its unit's;
 * an operator the active seals it is authorised for, the platform the active seals some active
 * operator is authorised for (it names that operator in Seal-Operator when it seals).
 */
export async function listSeals(deps: RegisterDeps, actor: Actor, f: SealListFilter): Promise<Page<SealListItem>> {
  const p = actor.principal;
  const w = new Where();
  const unitId = unitScope(actor, f.unitId);
  if (unitId) w.add('s.unit_id = ?', unitId);
  const authorised = (who: string) =>
    `EXISTS (SELECT 1 FROM seal_operators o JOIN users ou ON ou.id = o.user_id
              WHERE o.seal_id = s.id AND o.revoked_at IS NULL AND ou.disabled_at IS NULL AND ou.unit_id = s.unit_id${who})`;
  if (p.role === 'operator') w.add(authorised(' AND o.user_id = ?'), p.userId).add(`s.status = 'active'`);
  if (p.role === 'platform') w.add(authorised('')).add(`s.status = 'active'`);
  if (f.state) w.add('s.status = ?', f.state);
  if (f.kind) w.add('s.kind = ?', f.kind);
  if (f.q) {
    const pattern = containsPattern(f.q);
    w.add('(s.name ILIKE ? OR s.unit_name ILIKE ? OR s.text ILIKE ? OR s.department ILIKE ?)', pattern, pattern, pattern, pattern);
  }
  if (f.expiresBefore) w.add('c.not_after < ?', f.expiresBefore.toISOString());
  const { order, limit, size } = newestFirst(w, f, 's.created_at', 's.id');
  const { rows } = await deps.db.query<{
    id: string;
    unit_id: string;
    unit_name: string;
    kind: 'unit' | 'department';
    name: string;
    department: string | null;
    template: string;
    text: string;
    status: SealStatus;
    algorithm: string;
    cert_serial: string;
    not_after: Date;
    created_at: Date;
    returned_at: Date | null;
    destroyed_at: Date | null;
    operators: { id: string; name: string }[] | null;
    sort_at: string;
  }>(
    `SELECT s.id, s.unit_id, s.unit_name, s.kind, s.name, s.department, s.template, s.text, s.status, s.algorithm, s.cert_serial,
            c.not_after, s.created_at, s.returned_at, s.destroyed_at, ${exactTime('s.created_at')} AS sort_at,
            (SELECT json_agg(json_build_object('id', o.user_id, 'name', ou.name) ORDER BY o.granted_at)
               FROM seal_operators o JOIN users ou ON ou.id = o.user_id WHERE o.seal_id = s.id AND o.revoked_at IS NULL) AS operators
       FROM seals s JOIN ca_certificates c ON c.serial = s.cert_serial ${w.sql} ${order} ${limit}`,
    w.params,
  );
  const now = deps.clock.now().getTime();
  return pageOf(
    rows,
    size,
    (r) => [r.sort_at, r.id],
    (r) => {
      const notAfter = new Date(r.not_after).getTime();
      return {
        id: r.id,
        unitId: r.unit_id,
        unitName: r.unit_name,
        kind: r.kind,
        name: r.name,
        department: r.department,
        template: r.template,
        text: r.text,
        status: r.status,
        algorithm: r.algorithm,
        certificateSerial: r.cert_serial,
        notAfter: new Date(notAfter).toISOString(),
        expiringSoon: notAfter > now && notAfter - now < EXPIRY_WARNING_DAYS * DAY_MS,
        createdAt: iso(r.created_at)!,
        returnedAt: iso(r.returned_at),
        destroyedAt: iso(r.destroyed_at),
        operators: r.operators ?? [],
        imageUrl: `/v1/seals/${r.id}/image.png`,
      };
    },
  );
}
