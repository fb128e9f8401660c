import request from 'supertest';
import type { RequestListener } from 'node:http';
import { creditCodeCheckCharacter } from '../../src/ca/credit-code.js';
import { FixedClock } from '../../src/clock.js';
import { bearer } from './service.js';

/** A valid unified social credit code, different for each n. */
export const creditCode = (n: number) => {
  const first17 = `11440100${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
};

/** A clock that tells the real time (for tests whose ordering depends on time passing), typed as the tests' FixedClock. */
export class RealClock extends FixedClock {
  constructor() {
    super(new Date());
  }
  override now(): Date {
    return new Date();
  }
}

export interface UnitFixture {
  unitId: string;
  admin: { id: string; token: string };
  operator: { id: string; token: string };
}

/** A unit with an administrator and an operator, registered through HTTP by the municipal administrator. */
export async function unitWithOperator(app: RequestListener, muniToken: string, n: number, name: string, aliases: string[] = []): Promise<UnitFixture> {
  const api = () => request(app);
  const unitId = (await api().post('/v1/units').set(bearer(muniToken)).send({ name, code: creditCode(n), aliases }).expect(201)).body.id as string;
  const admin = (await api().post(`/v1/units/${unitId}/users`).set(bearer(muniToken)).send({ name: '管理员', role: 'unit-admin' }).expect(201)).body;
  const operator = (await api().post(`/v1/units/${unitId}/users`).set(bearer(admin.token)).send({ name: '用印人', role: 'operator' }).expect(201)).body;
  return { unitId, admin, operator };
}

/** Applies for, approves and authorises the unit's operator on a round official seal reading `text`. */
export async function activeSeal(app: RequestListener, muniToken: string, u: UnitFixture, text: string): Promise<string> {
  const api = () => request(app);
  const appId = (
    await api()
      .post('/v1/seal-applications')
      .set(bearer(u.admin.token))
      .send({ unitId: u.unitId, template: 'round-official', text, physicalSealRef: 'r', purpose: 'p' })
      .expect(201)
  ).body.id;
  const sealId = (await api().post(`/v1/seal-applications/${appId}/approve`).set(bearer(muniToken)).expect(201)).body.sealId as string;
  await api().post(`/v1/seals/${sealId}/operators`).set(bearer(u.admin.token)).send({ userId: u.operator.id }).expect(201);
  return sealId;
}
