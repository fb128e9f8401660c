import type { SealKeyAlgorithm } from '../algorithms/table.js';
import { conflict, notFound } from '../errors.js';
import type { Queryable } from '../store/db.js';

/** Rows of the register as the services see them, and the lookups every service shares. */
export interface UnitRow {
  id: string;
  name: string;
  code: string;
  aliases: string[];
  status: 'active' | 'deregistered';
  created_at: Date;
  deregistered_at: Date | null;
}

export type SealStatus = 'active' | 'returned' | 'destroyed';

export interface SealRow {
  id: string;
  unit_id: string;
  kind: 'unit' | 'department';
  application_id: string | null;
  name: string;
  unit_name: string;
  department: string | null;
  template: string;
  text: string;
  bottom_text: string | null;
  status: SealStatus;
  key_id: string;
  cert_serial: string;
  certificate: Uint8Array;
  issuer_ca_id: string;
  image_hash: Uint8Array;
  width_mm: number;
  height_mm: number;
  created_by: string;
  created_at: Date;
  returned_at: Date | null;
  return_reason: string | null;
  destroyed_at: Date | null;
  destroy_reason: string | null;
  algorithm: SealKeyAlgorithm;
}

export interface ApplicationRow {
  id: string;
  unit_id: string;
  template: string;
  text: string;
  bottom_text: string | null;
  physical_seal_ref: string;
  purpose: string;
  status: 'applied' | 'approved' | 'rejected';
  replaces_seal_id: string | null;
  rename_id: string | null;
  applied_by: string;
  applied_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  seal_id: string | null;
  imprint_hash: Uint8Array | null;
  imprint_width_mm: number | null;
  imprint_height_mm: number | null;
  imprint_report: Record<string, unknown> | null;
  algorithm: SealKeyAlgorithm;
}

/** Application columns without the imprint image bytes. */
export const APPLICATION_COLUMNS = `id, unit_id, template, text, bottom_text, physical_seal_ref, purpose, status, replaces_seal_id, rename_id,
  applied_by, applied_at, decided_by, decided_at, decision_reason, seal_id, imprint_hash, imprint_width_mm, imprint_height_mm, imprint_report, algorithm`;

/** Seal columns without the image bytes (fetched only by the image endpoint). */
export const SEAL_COLUMNS = `id, unit_id, kind, application_id, name, unit_name, department, template, text, bottom_text, status, key_id, cert_serial,
  certificate, issuer_ca_id, image_hash, width_mm, height_mm, created_by, created_at, returned_at, return_reason, destroyed_at, destroy_reason, algorithm`;

export async function findUnit(q: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<UnitRow> {
  const { rows } = await q.query<UnitRow>(`SELECT * FROM units WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  if (!rows[0]) throw notFound('unit-not-found', 'No such unit.', { field: 'id' });
  return rows[0];
}

export async function findActiveUnit(q: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<UnitRow> {
  const unit = await findUnit(q, id, opts);
  if (unit.status !== 'active') throw conflict('invalid-state', 'The unit is deregistered.', { state: unit.status });
  return unit;
}

export async function findSeal(q: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<SealRow> {
  const { rows } = await q.query<SealRow>(`SELECT ${SEAL_COLUMNS} FROM seals WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  if (!rows[0]) throw notFound('seal-not-found', 'No such seal.', { field: 'id' });
  return rows[0];
}

export async function findApplication(q: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<ApplicationRow> {
  const { rows } = await q.query<ApplicationRow>(
    `SELECT ${APPLICATION_COLUMNS} FROM seal_applications WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  if (!rows[0]) throw notFound('application-not-found', 'No such seal application.', { field: 'id' });
  return rows[0];
}

/** 409 naming the state the thing is in now: what every illegal transition answers. */
export const wrongState = (what: string, state: string, wanted: string) =>
  conflict('invalid-state', `The ${what} is ${state}; this needs it ${wanted}.`, { state });
