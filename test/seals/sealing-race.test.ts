import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCaFetch } from '../../src/ca/in-process-fetch.js';
import { listAudit } from '../../src/seals/audit.js';
import type { Db } from '../../src/store/db.js';
import { verifyPdf } from '../../src/verify/index.js';
import { basicPdf } from '../pdf/fixtures.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { storageAdapters } from '../helpers/storage.js';
import { activeSeal, RealClock, unitWithOperator } from '../helpers/units.js';

/** Resolves once `n` of the promises have settled. */
function afterAnswers(promises: Promise<unknown>[], n: number): Promise<void> {
  if (n === 0) return Promise.resolve();
  let done = 0;
  return new Promise((resolve) => {
    for (const p of promises)
      void p.finally(() => {
        if (++done === n) resolve();
      });
  });
}

/**
 * Issue 13: the state check and the register entry of a sealing are one transaction that a return
 * waits for. 20 sealings race a return, again and again: every 200 must verify as not revoked at
 * its signing time, and no "seal used" may follow "seal returned" in the register.
 */
describe.each(storageAdapters())('sealing racing a return on $name', (adapter) => {
  const TRIALS = adapter.name === 'pg' ? 10 : 3;
  let db: Db;
  let svc: TestService;
  let muni: string;
  let pdf: Buffer;
  const api = () => request(svc.app);

  beforeAll(async () => {
    db = await adapter.open();
    svc = await testService(db, { clock: new RealClock() });
    muni = (await makeUser(db, 'municipal-admin')).token;
    pdf = Buffer.from(await basicPdf());
  });
  afterAll(async () => svc.close());

  it(`20 parallel sealings and a return, ${TRIALS} times: no 200 after the return, none revoked before signing`, async () => {
    const u = await unitWithOperator(svc.app, muni, 900, '竞态测试局');
    const fetch = inProcessCaFetch(svc.ctx.ca, svc.ctx.config.publicUrl);
    let afterReturn = 0;
    let sealed200 = 0;
    let refused409 = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const sealId = await activeSeal(svc.app, muni, u, '竞态测试局');
      const sign = () =>
        api()
          .post(`/v1/seals/${sealId}/sign?page=1&x=100&y=100&level=B-T`)
          .set(bearer(u.operator.token))
          .set('Content-Type', 'application/pdf')
          .send(pdf)
          .buffer(true)
          .parse((res, cb) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => cb(null, Buffer.concat(chunks)));
          });
      const sealings = Array.from({ length: 20 }, () => sign().then((r) => r)); // then() sends the request now
      // the return lands somewhere in the middle of the sealings: after the first k answers (k = 0…4
      // across trials), whatever the machine's speed, so that both outcomes happen
      await afterAnswers(sealings, trial % 5);
      const ret = await api().post(`/v1/seals/${sealId}/return`).set(bearer(u.admin.token)).send({ reason: '收回' });
      expect(ret.status).toBe(200);
      const answers = await Promise.all(sealings);
      for (const a of answers) {
        expect([200, 409]).toContain(a.status);
        if (a.status === 409) {
          refused409 += 1;
          expect(JSON.parse((a.body as Buffer).toString()).state).toBe('returned');
          continue;
        }
        sealed200 += 1;
        const report = await verifyPdf(a.body as Buffer, { trustAnchors: [svc.ctx.ca.rootCertificate], now: new Date(), online: { fetch } });
        const sig = report.signatures[0]!;
        expect(sig.status, JSON.stringify(sig)).toBe('VALID');
        expect(sig.timeSource).toBe('timestamp');
      }
      // the register: every 200 is one "seal used", and all of them come before "seal returned"
      const entries = await listAudit(db, { sealId, limit: 1000 });
      const returnedAt = entries.findIndex((e) => e.action === 'seal.returned');
      expect(returnedAt).toBeGreaterThan(-1);
      afterReturn += entries.slice(returnedAt).filter((e) => e.action === 'seal.used').length;
      expect(entries.filter((e) => e.action === 'seal.used').length).toBe(answers.filter((a) => a.status === 200).length);
      // a sealing that lost the race after using the key is on record as abandoned
      for (const e of entries.filter((x) => x.action === 'seal.use-abandoned')) {
        expect(e).toMatchObject({ outcome: 'refused', details: { state: 'returned', timestamped: true } });
        expect(entries.indexOf(e)).toBeGreaterThan(returnedAt);
      }
    }
    const abandoned = (await listAudit(db, { limit: 1000 })).filter((e) => e.action === 'seal.use-abandoned').length;
    console.log(`${adapter.name}: ${TRIALS} trials, ${sealed200} sealed (200), ${refused409} refused (409), ${abandoned} abandoned after sealing, ${afterReturn} used after a return`);
    expect(afterReturn).toBe(0);
    // the race really happened: some sealings won and some lost over the trials
    expect(sealed200).toBeGreaterThan(0);
    expect(refused409).toBeGreaterThan(0);
  }, 300_000);
});
