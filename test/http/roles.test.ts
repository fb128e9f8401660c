import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter } from '../../src/ca/credit-code.js';
import type { Db } from '../../src/store/db.js';
import { storageAdapters } from '../helpers/storage.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';

/** A valid unified social credit code with the given 9-digit body. */
const code = (n: number) => {
  const first17 = `11440100${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
};

type Who = 'anonymous' | 'municipal-admin' | 'unit-admin' | 'other-unit-admin' | 'operator' | 'auditor' | 'platform';
const EVERYONE: Who[] = ['municipal-admin', 'unit-admin', 'other-unit-admin', 'operator', 'auditor', 'platform'];

/**
 * Every role against every endpoint: allowed (anything but 401/403), 401 without a token, 403 otherwise.
 * 'unit-admin' is unit A's administrator; 'other-unit-admin' administers unit B and must never reach unit A.
 */
describe('roles against endpoints', () => {
  let db: Db;
  let svc: TestService;
  const tokens = {} as Record<Exclude<Who, 'anonymous'>, string>;
  const ids = {} as Record<string, string>;

  beforeAll(async () => {
    db = await storageAdapters()[0]!.open();
    svc = await testService(db);
    const api = () => request(svc.app);
    tokens['municipal-admin'] = (await makeUser(db, 'municipal-admin')).token;
    tokens.auditor = (await makeUser(db, 'auditor')).token;
    tokens.platform = (await makeUser(db, 'platform')).token;
    const muni = bearer(tokens['municipal-admin']);
    const unit = async (name: string, n: number) => (await api().post('/v1/units').set(muni).send({ name, code: code(n) }).expect(201)).body.id as string;
    ids.A = await unit('甲单位', 1);
    ids.B = await unit('乙单位', 2);
    ids.C = await unit('丙单位', 3);
    const adminA = await api().post(`/v1/units/${ids.A}/users`).set(muni).send({ name: 'a', role: 'unit-admin' }).expect(201);
    const adminB = await api().post(`/v1/units/${ids.B}/users`).set(muni).send({ name: 'b', role: 'unit-admin' }).expect(201);
    tokens['unit-admin'] = adminA.body.token;
    tokens['other-unit-admin'] = adminB.body.token;
    const a = bearer(adminA.body.token);
    const op = await api().post(`/v1/units/${ids.A}/users`).set(a).send({ name: 'op', role: 'operator' }).expect(201);
    tokens.operator = op.body.token;
    ids.operator = op.body.id;
    ids.op2 = (await api().post(`/v1/units/${ids.A}/users`).set(a).send({ name: 'op2', role: 'operator' }).expect(201)).body.id;
    ids.victim = (await api().post(`/v1/units/${ids.A}/users`).set(a).send({ name: 'leaver', role: 'operator' }).expect(201)).body.id;
    const apply = async () =>
      (
        await api()
          .post('/v1/seal-applications')
          .set(a)
          .send({ unitId: ids.A, template: 'round-official', text: '甲单位', physicalSealRef: 'ref', purpose: 'p' })
          .expect(201)
      ).body.id as string;
    ids.appPending = await apply();
    ids.appReject = await apply();
    ids.appApprove = await apply();
    ids.seal = (await api().post(`/v1/seal-applications/${await apply()}/approve`).set(muni).expect(201)).body.sealId;
    ids.seal2 = (await api().post(`/v1/seal-applications/${await apply()}/approve`).set(muni).expect(201)).body.sealId;
    await api().post(`/v1/seals/${ids.seal}/operators`).set(a).send({ userId: ids.operator }).expect(201);
  });
  afterAll(async () => svc.close());

  const table: { method: 'get' | 'post' | 'patch' | 'delete'; path: () => string; body?: () => object; allowed: Who[] }[] = [
    { method: 'get', path: () => '/v1/me', allowed: EVERYONE },
    { method: 'post', path: () => '/v1/users', body: () => ({ name: 'n', role: 'auditor' }), allowed: ['municipal-admin'] },
    { method: 'post', path: () => '/v1/units', body: () => ({ name: '丁单位', code: code(4) }), allowed: ['municipal-admin'] },
    { method: 'get', path: () => `/v1/units/${ids.A}`, allowed: ['municipal-admin', 'unit-admin', 'auditor'] },
    { method: 'post', path: () => `/v1/units/${ids.A}/users`, body: () => ({ name: 'x', role: 'operator' }), allowed: ['municipal-admin', 'unit-admin'] },
    { method: 'patch', path: () => `/v1/users/${ids.op2}`, body: () => ({ role: 'operator' }), allowed: ['municipal-admin', 'unit-admin'] },
    { method: 'delete', path: () => `/v1/users/${ids.victim}`, allowed: ['municipal-admin', 'unit-admin'] },
    {
      method: 'post',
      path: () => '/v1/seal-applications',
      body: () => ({ unitId: ids.A, template: 'round-official', text: '甲单位', physicalSealRef: 'r', purpose: 'p' }),
      allowed: ['unit-admin'],
    },
    { method: 'get', path: () => `/v1/seal-applications/${ids.appPending}`, allowed: ['municipal-admin', 'unit-admin', 'auditor'] },
    { method: 'post', path: () => `/v1/seal-applications/${ids.appReject}/reject`, body: () => ({ reason: 'r' }), allowed: ['municipal-admin'] },
    { method: 'post', path: () => `/v1/seal-applications/${ids.appApprove}/approve`, allowed: ['municipal-admin'] },
    { method: 'get', path: () => `/v1/seals/${ids.seal}`, allowed: ['municipal-admin', 'unit-admin', 'operator', 'auditor'] },
    // Art. 16: the image is kept like the physical seal: its unit's users, the municipal roles and auditors only
    { method: 'get', path: () => `/v1/seals/${ids.seal}/image.png`, allowed: ['municipal-admin', 'unit-admin', 'operator', 'auditor', 'platform'] },
    { method: 'get', path: () => `/v1/seals/${ids.seal}/certificate.pem`, allowed: EVERYONE },
    { method: 'post', path: () => `/v1/seals/${ids.seal}/operators`, body: () => ({ userId: ids.op2 }), allowed: ['unit-admin'] },
    { method: 'post', path: () => `/v1/units/${ids.A}/department-seals`, body: () => ({ department: '办公室', purpose: 'p' }), allowed: ['unit-admin'] },
    { method: 'post', path: () => `/v1/seals/${ids.seal2}/replace`, body: () => ({ physicalSealRef: 'r2', purpose: 'p' }), allowed: ['unit-admin'] },
    { method: 'post', path: () => `/v1/seals/${ids.seal2}/return`, body: () => ({ reason: 'r' }), allowed: ['municipal-admin', 'unit-admin'] },
    { method: 'post', path: () => `/v1/seals/${ids.seal2}/destroy`, body: () => ({ reason: 'r' }), allowed: ['municipal-admin'] },
    // lists: a unit administrator gets its own unit's rows (another unit's by name is 403, in test/http/lists.test.ts)
    { method: 'get', path: () => '/v1/units', allowed: ['municipal-admin', 'unit-admin', 'other-unit-admin', 'auditor'] },
    { method: 'get', path: () => `/v1/units/${ids.A}/users`, allowed: ['municipal-admin', 'unit-admin', 'auditor'] },
    { method: 'get', path: () => '/v1/users', allowed: ['municipal-admin', 'auditor'] },
    { method: 'get', path: () => '/v1/seal-applications', allowed: ['municipal-admin', 'unit-admin', 'other-unit-admin', 'auditor'] },
    { method: 'get', path: () => '/v1/seals', allowed: EVERYONE },
    { method: 'get', path: () => '/v1/audit', allowed: ['municipal-admin', 'unit-admin', 'other-unit-admin', 'auditor'] },
    { method: 'get', path: () => '/v1/audit/checkpoints', allowed: ['municipal-admin', 'auditor'] },
    { method: 'post', path: () => '/v1/audit/checkpoints', allowed: ['municipal-admin'] },
    { method: 'get', path: () => '/v1/audit/export', allowed: ['municipal-admin', 'unit-admin', 'other-unit-admin', 'auditor'] },
    { method: 'get', path: () => '/v1/audit/verify', allowed: ['municipal-admin', 'auditor'] },
    { method: 'post', path: () => `/v1/units/${ids.C}/rename`, body: () => ({ newName: '丙单位（新）', effectiveDate: '2026-11-25' }), allowed: ['municipal-admin'] },
    { method: 'post', path: () => `/v1/units/${ids.C}/deregister`, allowed: ['municipal-admin'] },
  ];

  it.each(table.map((t) => [`${t.method.toUpperCase()} ${t.path.toString().replace(/^\(\) => /, '')}`, t] as const))('%s', async (_name, t) => {
    const call = (who: Who) => {
      let req = request(svc.app)[t.method](t.path());
      if (who !== 'anonymous') req = req.set(bearer(tokens[who]));
      return t.body ? req.send(t.body()) : req;
    };
    const got: Record<string, number> = {};
    // refusals first, so an allowed call's side effects cannot turn a refusal into something else
    for (const who of ['anonymous', ...EVERYONE.filter((w) => !t.allowed.includes(w))] as Who[]) got[who] = (await call(who)).status;
    for (const who of t.allowed) got[who] = (await call(who)).status;
    for (const [who, status] of Object.entries(got)) {
      if (who === 'anonymous') expect([who, status]).toEqual([who, 401]);
      else if (t.allowed.includes(who as Who)) expect(status === 401 || status === 403 || status >= 500, `${who} got ${status}`).toBe(false);
      else expect([who, status]).toEqual([who, 403]);
    }
  });
});
