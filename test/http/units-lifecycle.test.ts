import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter } from '../../src/ca/credit-code.js';
import { addWorkingDays } from '../../src/seals/working-days.js';
import type { Db } from '../../src/store/db.js';
import { storageAdapters } from '../helpers/storage.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';

const code = (n: number) => {
  const first17 = `11440100${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
};

describe('working days', () => {
  it('skips weekends', () => {
    expect(addWorkingDays('2026-11-25', 7)).toBe('2026-12-04'); // Wednesday + 7 working days
    expect(addWorkingDays('2026-11-28', 1)).toBe('2026-11-30'); // Saturday → Monday
  });
});

/** Art. 17(2), 17(4), 18: aliases, department seals, rename and deregistration through HTTP. */
describe.each(storageAdapters())('units and department seals on $name', (adapter) => {
  let db: Db;
  let svc: TestService;
  let muni: string;
  const api = () => request(svc.app);

  beforeAll(async () => {
    db = await adapter.open();
    svc = await testService(db);
    muni = (await makeUser(db, 'municipal-admin')).token;
  });
  afterAll(async () => svc.close());

  async function unitWithSeals(n: number, name: string, aliases: string[] = []) {
    const unitId = (await api().post('/v1/units').set(bearer(muni)).send({ name, code: code(n), aliases }).expect(201)).body.id as string;
    const admin = (await api().post(`/v1/units/${unitId}/users`).set(bearer(muni)).send({ name: 'a', role: 'unit-admin' }).expect(201)).body;
    const seals: string[] = [];
    for (const text of [name, ...aliases]) {
      const appId = (
        await api().post('/v1/seal-applications').set(bearer(admin.token)).send({ unitId, template: 'round-official', text, physicalSealRef: 'r', purpose: 'p' }).expect(201)
      ).body.id;
      seals.push((await api().post(`/v1/seal-applications/${appId}/approve`).set(bearer(muni)).expect(201)).body.sealId);
    }
    return { unitId, admin, seals };
  }

  it('validates the credit code and refuses a seal for a name the unit does not hold', async () => {
    const bad = await api().post('/v1/units').set(bearer(muni)).send({ name: 'x', code: '91350100M000100Y44' }).expect(422);
    expect(bad.body).toMatchObject({ type: 'urn:e-seal:problem:invalid-credit-code', field: 'code' });
    const { unitId, admin } = await unitWithSeals(10, '甲委员会', ['甲委员会临时工作组']);
    const res = await api()
      .post('/v1/seal-applications')
      .set(bearer(admin.token))
      .send({ unitId, template: 'round-official', text: '别人的单位', physicalSealRef: 'r', purpose: 'p' })
      .expect(422);
    expect(res.body).toMatchObject({ type: 'urn:e-seal:problem:text-not-a-unit-name', field: 'text' });
    const dup = await api().post('/v1/units').set(bearer(muni)).send({ name: 'y', code: code(10) }).expect(409);
    expect(dup.body.type).toBe('urn:e-seal:problem:unit-exists');
  });

  it('renames: every seal returned and revoked as superseded; overdue after 7 working days without an application', async () => {
    const { unitId, admin, seals } = await unitWithSeals(11, '乙局', ['乙局工作组']);
    const renamed = await api().post(`/v1/units/${unitId}/rename`).set(bearer(muni)).send({ newName: '乙管理局', effectiveDate: '2026-11-25' }).expect(200);
    expect(renamed.body).toMatchObject({ name: '乙管理局', renames: [{ oldName: '乙局', newName: '乙管理局', deadline: '2026-12-04', overdue: false }] });
    for (const id of seals) expect((await api().get(`/v1/seals/${id}`).set(bearer(muni))).body.status).toBe('returned');
    const { rows } = await db.query<{ revocation_reason: string }>('SELECT revocation_reason FROM ca_certificates WHERE revoked_at IS NOT NULL AND serial IN (SELECT cert_serial FROM seals WHERE unit_id = $1)', [unitId]);
    expect(rows.map((r) => r.revocation_reason)).toEqual(['superseded', 'superseded']);

    svc.ctx.clock.set(new Date('2026-12-05T09:00:00Z'));
    const late = await api().get(`/v1/units/${unitId}`).set(bearer(muni)).expect(200);
    expect(late.body.renames[0].overdue).toBe(true);
    await api()
      .post('/v1/seal-applications')
      .set(bearer(admin.token))
      .send({ unitId, template: 'round-official', text: '乙管理局', physicalSealRef: 'r2', purpose: '更名' })
      .expect(201);
    const answered = await api().get(`/v1/units/${unitId}`).set(bearer(muni)).expect(200);
    expect(answered.body.renames[0]).toMatchObject({ applicationsMade: 1, overdue: false });
    svc.ctx.clock.set(new Date('2026-11-25T08:00:00Z'));
  });

  it('department seals are self-issued under the unit sub-CA; the municipal office sees and revokes them', async () => {
    const { unitId, admin } = await unitWithSeals(12, '丙局');
    const dept = await api().post(`/v1/units/${unitId}/department-seals`).set(bearer(admin.token)).send({ department: '办公室', purpose: '内部文件' }).expect(201);
    const seal = (await api().get(`/v1/seals/${dept.body.sealId}`).set(bearer(muni)).expect(200)).body;
    expect(seal).toMatchObject({ kind: 'department', template: 'round-department', status: 'active', text: '丙局', bottomText: '办公室', unitName: '丙局', department: '办公室' });
    expect(seal.issuerCaId).toMatch(/^dept-/);
    const unit = (await api().get(`/v1/units/${unitId}`).set(bearer(muni)).expect(200)).body;
    expect(unit.seals.some((s: { id: string; kind: string }) => s.id === dept.body.sealId && s.kind === 'department')).toBe(true);
    await api().post(`/v1/seals/${dept.body.sealId}/return`).set(bearer(muni)).send({ reason: '市办收回', revocationReason: 'privilegeWithdrawn' }).expect(200);
    expect(await svc.revokedSerials()).toContain(seal.certificateSerial);
    // the municipal office does not make department seals
    await api().post(`/v1/units/${unitId}/department-seals`).set(bearer(muni)).send({ department: '办公室', purpose: 'p' }).expect(403);
  });

  it('deregisters: seals returned and destroyed, users disabled, the unit kept as history', async () => {
    const { unitId, admin, seals } = await unitWithSeals(13, '丁办');
    const res = await api().post(`/v1/units/${unitId}/deregister`).set(bearer(muni)).expect(200);
    expect(res.body).toMatchObject({ status: 'deregistered', seals: [{ status: 'destroyed' }] });
    expect(await svc.keyDestroyed(seals[0]!)).toBe(true);
    await api().get('/v1/me').set(bearer(admin.token)).expect(401);
    const again = await api().post(`/v1/units/${unitId}/deregister`).set(bearer(muni)).expect(409);
    expect(again.body.state).toBe('deregistered');
    const cert = await api().get(`/v1/seals/${seals[0]}/certificate.pem`).set(bearer(muni)).expect(200);
    expect(cert.text).toMatch(/BEGIN CERTIFICATE/);
  });

  it('a unit administrator re-roles and disables only its own users', async () => {
    const a = await unitWithSeals(14, '戊局');
    const b = await unitWithSeals(15, '己局');
    const op = (await api().post(`/v1/units/${a.unitId}/users`).set(bearer(a.admin.token)).send({ name: 'o', role: 'operator' }).expect(201)).body;
    await api().patch(`/v1/users/${op.id}`).set(bearer(b.admin.token)).send({ role: 'unit-admin' }).expect(403);
    await api().delete(`/v1/users/${op.id}`).set(bearer(b.admin.token)).expect(403);
    await api().patch(`/v1/users/${op.id}`).set(bearer(a.admin.token)).send({ role: 'auditor' }).expect(400);
    await api().patch(`/v1/users/${op.id}`).set(bearer(a.admin.token)).send({ role: 'unit-admin' }).expect(200);
    await api().delete(`/v1/users/${op.id}`).set(bearer(a.admin.token)).expect(204);
    await api().get('/v1/me').set(bearer(op.token)).expect(401);
    const log = (await api().get(`/v1/audit?unitId=${a.unitId}&limit=1000`).set(bearer(muni))).body.items.map((e: { action: string }) => e.action);
    expect(log).toEqual(expect.arrayContaining(['user.created', 'user.role-changed', 'user.disabled']));
  });
});
