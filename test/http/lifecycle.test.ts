import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { storageAdapters } from '../helpers/storage.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';

/** Registers a unit with an admin, as most tests need. */
const CODE_A = '91350100M000100Y43';
const CODE_B = '911100001000000000'.slice(0, 17);

describe.each(storageAdapters())('the seal lifecycle through HTTP on $name', (adapter) => {
  let db: Db;
  let svc: TestService;
  let muni: { id: string; token: string };
  let auditor: { id: string; token: string };
  const api = () => request(svc.app);

  beforeAll(async () => {
    db = await adapter.open();
    svc = await testService(db);
    muni = await makeUser(db, 'municipal-admin');
    auditor = await makeUser(db, 'auditor');
  });
  afterAll(async () => svc.close());

  it('registers, applies, approves, authorises, replaces, returns and destroys, with the chain intact', async () => {
    const unit = await api().post('/v1/units').set(bearer(muni.token)).send({ name: '广州市测试局', code: CODE_A, aliases: ['广州市测试领导小组'] }).expect(201);
    const unitId: string = unit.body.id;
    const admin = await api().post(`/v1/units/${unitId}/users`).set(bearer(muni.token)).send({ name: '管理员', role: 'unit-admin' }).expect(201);
    const operator = await api().post(`/v1/units/${unitId}/users`).set(bearer(admin.body.token)).send({ name: '用印人', role: 'operator' }).expect(201);

    const application = await api()
      .post('/v1/seal-applications')
      .set(bearer(admin.body.token))
      .send({ unitId, template: 'round-official', text: '广州市测试局', physicalSealRef: '穗印备字2026-001', purpose: '公文交换' })
      .expect(201);
    expect(application.body.status).toBe('applied');
    const approved = await api().post(`/v1/seal-applications/${application.body.id}/approve`).set(bearer(muni.token)).expect(201);
    const sealId: string = approved.body.sealId;
    // approving twice is an illegal transition
    const again = await api().post(`/v1/seal-applications/${application.body.id}/approve`).set(bearer(muni.token)).expect(409);
    expect(again.body.state).toBe('approved');

    const seal = await api().get(`/v1/seals/${sealId}`).set(bearer(admin.body.token)).expect(200);
    expect(seal.body).toMatchObject({ status: 'active', kind: 'unit', text: '广州市测试局', template: 'round-official' });
    expect(seal.body.certificatePem).toMatch(/BEGIN CERTIFICATE/);
    const png = await api().get(`/v1/seals/${sealId}/image.png`).set(bearer(operator.body.token)).expect(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.body.subarray(1, 4).toString()).toBe('PNG');

    await api().post(`/v1/seals/${sealId}/operators`).set(bearer(admin.body.token)).send({ userId: operator.body.id }).expect(201);
    const seen = await api().get(`/v1/seals/${sealId}`).set(bearer(operator.body.token)).expect(200);
    expect(seen.body.operators).toEqual([operator.body.id]);

    // replacement: an application linked to the old seal, which cannot be made until the old one is returned
    const replacement = await api()
      .post(`/v1/seals/${sealId}/replace`)
      .set(bearer(admin.body.token))
      .send({ physicalSealRef: '穗印备字2026-002', purpose: '印章磨损更换' })
      .expect(201);
    expect(replacement.body.replacesSealId).toBe(sealId);
    const early = await api().post(`/v1/seal-applications/${replacement.body.id}/approve`).set(bearer(muni.token)).expect(409);
    expect(early.body.type).toBe('urn:e-seal:problem:old-seal-not-returned');

    // destroy before return is illegal
    const tooSoon = await api().post(`/v1/seals/${sealId}/destroy`).set(bearer(muni.token)).send({ reason: 'x' }).expect(409);
    expect(tooSoon.body.state).toBe('active');

    // two concurrent returns: exactly one wins
    const returns = await Promise.all(
      [1, 2].map(() => api().post(`/v1/seals/${sealId}/return`).set(bearer(admin.body.token)).send({ reason: '印章更换' })),
    );
    expect(returns.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await svc.revokedSerials()).toContain(seal.body.certificateSerial);

    const newSeal = await api().post(`/v1/seal-applications/${replacement.body.id}/approve`).set(bearer(muni.token)).expect(201);
    expect(newSeal.body.sealId).not.toBe(sealId);

    // two concurrent destroys: exactly one wins; the key is gone
    const destroys = await Promise.all(
      [1, 2].map(() => api().post(`/v1/seals/${sealId}/destroy`).set(bearer(muni.token)).send({ reason: '已交回，销毁' })),
    );
    expect(destroys.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await svc.keyDestroyed(sealId)).toBe(true);
    const final = await api().get(`/v1/seals/${sealId}`).set(bearer(muni.token)).expect(200);
    expect(final.body.status).toBe('destroyed');
    expect(final.body.history.map((h: { action: string }) => h.action)).toEqual(
      expect.arrayContaining(['application.approved', 'seal.operator-authorised', 'seal.returned', 'seal.destroyed']),
    );

    const verify = await api().get('/v1/audit/verify').set(bearer(auditor.token)).expect(200);
    expect(verify.body.valid).toBe(true);
    const log = await api().get(`/v1/audit?sealId=${sealId}&limit=1000`).set(bearer(auditor.token)).expect(200);
    const actions = log.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['application.approved', 'seal.operator-authorised', 'seal.returned', 'seal.destroyed']),
    );
    expect(log.body.items.some((e: { outcome: string }) => e.outcome === 'refused')).toBe(true);

    // an edited row is detected
    await db.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    await db.query(`UPDATE audit_log SET details = '{"reason":"nothing happened"}' WHERE action = 'seal.destroyed'`);
    await db.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    const broken = await api().get('/v1/audit/verify').set(bearer(auditor.token)).expect(200);
    expect(broken.body.valid).toBe(false);
    expect(broken.body.problem).toMatch(/changed after it was written/);
  });
});
