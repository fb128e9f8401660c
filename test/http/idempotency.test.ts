import { randomBytes } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/roles.js';
import { FixedClock } from '../../src/clock.js';
import { createApp } from '../../src/http/app.js';
import { idempotency } from '../../src/http/idempotency.js';
import { problemHandler } from '../../src/http/problem.js';
import type { Db } from '../../src/store/db.js';
import { MemoryState } from '../../src/store/memory-state.js';
import { openRedisState } from '../../src/store/redis-state.js';
import type { SharedState } from '../../src/store/shared-state.js';
import { basicPdf } from '../pdf/fixtures.js';
import { haveRedisServer, startPrivateRedis, type PrivateRedis } from '../helpers/processes.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { storageAdapters } from '../helpers/storage.js';
import { activeSeal, unitWithOperator, type UnitFixture } from '../helpers/units.js';

/**
 * Issue 12, the idempotency store: shared by every instance (Redis), bounded in time and in bytes, a
 * replay only for the same principal acting for the same operator, re-checked and registered; while
 * Redis is down a request with a key is 503 and nothing is done.
 */

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL && process.env.CI) throw new Error('CI is set but REDIS_URL is not');
/** Redis (a key prefix of its own, so nothing else on the shared server is touched) when there is one, else in-process. */
const sharedState = async (prefix: string, clock: FixedClock): Promise<SharedState> =>
  REDIS_URL ? openRedisState(REDIS_URL, { prefix }) : new MemoryState(clock);

async function auditCount(db: Db, action: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_log WHERE action = $1', [action]);
  return Number(rows[0]!.n);
}

describe.each(storageAdapters())('Idempotency-Key through the service ($name)', (adapter) => {
  let db: Db;
  let svc: TestService;
  /** A second instance: its own app and its own connection to the same Redis and database. */
  let other: ReturnType<typeof createApp>;
  let otherState: SharedState;
  let muni: string;
  let platform: string;
  let u: UnitFixture;
  let sealId: string;
  let pdf: Buffer;
  const prefix = `seal-test-${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    db = await adapter.open();
    const clock = new FixedClock(new Date('2026-11-25T08:00:00Z'));
    svc = await testService(db, { clock, state: await sharedState(prefix, clock) });
    otherState = REDIS_URL ? await openRedisState(REDIS_URL, { prefix }) : svc.ctx.state;
    other = createApp({ ...svc.ctx, state: otherState });
    muni = (await makeUser(db, 'municipal-admin')).token;
    platform = (await makeUser(db, 'platform')).token;
    u = await unitWithOperator(svc.app, muni, 1, '广州市幂等局');
    sealId = await activeSeal(svc.app, muni, u, '广州市幂等局');
    pdf = Buffer.from(await basicPdf({ pages: 1 }));
  }, 120_000);
  afterAll(async () => {
    if (REDIS_URL) await otherState?.close();
    await svc?.close();
  });

  const seal = (app: Parameters<typeof request>[0], token: string, key: string, operator?: string) => {
    let r = request(app).post(`/v1/seals/${sealId}/sign?page=1&x=100&y=100&level=B-B`).set(bearer(token)).set('Idempotency-Key', key).set('Content-Type', 'application/pdf');
    if (operator) r = r.set('Seal-Operator', operator);
    return r.send(pdf);
  };

  it('a retry on another instance gets the first answer, registered as a replay; the work is done once', async () => {
    const key = `users-${randomBytes(4).toString('hex')}`;
    const first = await request(svc.app).post('/v1/users').set(bearer(muni)).set('Idempotency-Key', key).send({ name: '审计员', role: 'auditor' }).expect(201);
    const replays = await auditCount(db, 'request.replayed');
    const again = await request(other).post('/v1/users').set(bearer(muni)).set('Idempotency-Key', key).send({ name: '审计员', role: 'auditor' });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const { rows } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM users WHERE name = '审计员'");
    expect(rows[0]!.n).toBe('1');
    expect(await auditCount(db, 'request.replayed')).toBe(replays + 1);
    const entry = (await db.query<{ details: { originalRequestId: string; status: number }; request_id: string }>(
      "SELECT details, request_id FROM audit_log WHERE action = 'request.replayed' ORDER BY seq DESC LIMIT 1",
    )).rows[0]!;
    expect(entry.details).toMatchObject({ originalRequestId: first.headers['x-request-id'], status: 201 });
    expect(entry.request_id).toBe(again.headers['x-request-id']);
  });

  it('replays only to the same principal acting for the same operator', async () => {
    const key = `seal-${randomBytes(4).toString('hex')}`;
    const used = await auditCount(db, 'seal.used');
    const mine = await seal(svc.app, u.operator.token, key);
    expect(mine.status).toBe(200);
    // The platform, with the same key, acting for the same operator: not the same principal, so not a replay.
    const platformFor = await seal(svc.app, platform, key, u.operator.id);
    expect(platformFor.status).toBe(200);
    expect(platformFor.headers['idempotent-replayed']).toBeUndefined();
    // The platform again, same operator: a replay. For another operator (not authorised): not a replay, refused.
    const platformAgain = await seal(other, platform, key, u.operator.id);
    expect(platformAgain.headers['idempotent-replayed']).toBe('true');
    expect(Buffer.compare(platformAgain.body as Buffer, platformFor.body as Buffer)).toBe(0);
    const forAdmin = await seal(svc.app, platform, key, u.admin.id);
    expect(forAdmin.status).toBe(403);
    expect(forAdmin.headers['idempotent-replayed']).toBeUndefined();
    expect(await auditCount(db, 'seal.used')).toBe(used + 2);
  }, 120_000);

  it('a sealing is not replayed once the seal is returned: the retry is refused as a new sealing would be', async () => {
    const key = `returned-${randomBytes(4).toString('hex')}`;
    const s2 = await activeSeal(svc.app, muni, u, '广州市幂等局');
    const sign = () => request(other).post(`/v1/seals/${s2}/sign?page=1&x=100&y=100&level=B-B`).set(bearer(u.operator.token)).set('Idempotency-Key', key).set('Content-Type', 'application/pdf').send(pdf);
    expect((await sign()).status).toBe(200);
    await request(svc.app).post(`/v1/seals/${s2}/return`).set(bearer(u.admin.token)).send({ reason: '印章停用' }).expect(200);
    const replays = await auditCount(db, 'request.replayed');
    const retry = await sign();
    expect(retry.status).toBe(409);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.headers['content-type']).toMatch(/problem\+json/);
    expect(await auditCount(db, 'request.replayed')).toBe(replays);
  }, 120_000);
});

describe('the idempotency store on its own: time and byte bounds, Redis down', () => {
  const principal: Principal = { userId: 'u1', name: 'u', role: 'operator', unitId: null };
  /** A small app: `n` bytes answered by POST /answer?n=…; `done` counts the handler's runs. */
  function appOn(state: SharedState, clock: FixedClock, maxTotalBytes: number, ttlMs = 600_000) {
    const counter = { done: 0 };
    const app = express();
    app.use((_req, res, next) => {
      res.locals.principal = principal;
      res.locals.requestId = randomBytes(4).toString('hex');
      next();
    });
    const db = { transaction: async () => undefined } as unknown as Db; // replays of this app write no audit (see above for that)
    app.use(idempotency({ state, clock, db, register: {} as never }, { ttlMs, maxTotalBytes }));
    app.post('/answer', (req, res) => {
      counter.done++;
      res.type('application/octet-stream').send(Buffer.alloc(Number(req.query.n), 7));
    });
    app.use(problemHandler);
    return { app, counter };
  }
  const post = (app: express.Express, key: string, n: number) => request(app).post(`/answer?n=${n}`).set('Idempotency-Key', key);

  it.each([['in-process'], ['Redis, two instances']])('keeps answers within SEAL_IDEMPOTENCY_MAX_BYTES in all (%s); one that does not fit is not done twice', async (kind) => {
    const clock = new FixedClock(new Date('2026-11-25T08:00:00Z'));
    const prefix = `seal-test-${randomBytes(4).toString('hex')}:`;
    const useRedis = kind.startsWith('Redis');
    if (useRedis && !REDIS_URL) return expect(process.env.CI).toBeFalsy();
    const stateA = useRedis ? await openRedisState(REDIS_URL!, { prefix }) : new MemoryState(clock);
    const stateB = useRedis ? await openRedisState(REDIS_URL!, { prefix }) : stateA;
    try {
      const A = appOn(stateA, clock, 64 * 1024);
      const B = appOn(stateB, clock, 64 * 1024);
      // One answer may hold a quarter: 16 KiB. Four of 15 000 bytes fit in 64 KiB; the fifth does not.
      for (let i = 0; i < 4; i++) await post(A.app, `k${i}`, 15_000).expect(200);
      await post(B.app, 'k4', 15_000).expect(200);
      for (let i = 0; i < 4; i++) {
        const r = await post(B.app, `k${i}`, 15_000).expect(200);
        expect(r.headers['idempotent-replayed']).toBe('true');
      }
      const notKept = await post(A.app, 'k4', 15_000);
      expect(notKept.status).toBe(409);
      expect(notKept.body.type).toBe('urn:e-seal:problem:idempotency-answer-not-kept');
      // An answer larger than a quarter of the budget is never kept either, and never done twice.
      await post(A.app, 'big', 20_000).expect(200);
      expect((await post(B.app, 'big', 20_000)).status).toBe(409);
      expect(A.counter.done + B.counter.done).toBe(6);
    } finally {
      if (useRedis) {
        await stateA.close();
        await stateB.close();
      }
    }
  });

  it('keeps answers SEAL_IDEMPOTENCY_TTL_SECONDS, then a retry is a new request and the bytes are free again', async () => {
    const clock = new FixedClock(new Date('2026-11-25T08:00:00Z'));
    const state = new MemoryState(clock);
    const { app, counter } = appOn(state, clock, 64 * 1024, 600_000);
    for (let i = 0; i < 4; i++) await post(app, `t${i}`, 15_000).expect(200);
    expect((await post(app, 't0', 15_000)).headers['idempotent-replayed']).toBe('true');
    clock.advance(599_000);
    expect((await post(app, 't1', 15_000)).headers['idempotent-replayed']).toBe('true');
    clock.advance(2_000 + 60_000); // past the window and the last byte bucket
    const after = await post(app, 't1', 15_000).expect(200);
    expect(after.headers['idempotent-replayed']).toBeUndefined();
    expect(counter.done).toBe(5);
    for (let i = 10; i < 13; i++) await post(app, `t${i}`, 15_000).expect(200);
    expect((await post(app, 't12', 15_000)).headers['idempotent-replayed']).toBe('true');
  });

  it('while Redis is down a request with a key is 503 shared-state-unavailable and nothing is done; without a key it goes on; then back', async () => {
    expect(haveRedisServer()).toBe(true);
    const redis: PrivateRedis = await startPrivateRedis();
    const clock = new FixedClock(new Date('2026-11-25T08:00:00Z'));
    const state = await openRedisState(redis.url, { prefix: 'seal-test:' });
    try {
      const { app, counter } = appOn(state, clock, 1024 * 1024);
      await post(app, 'before', 10).expect(200);
      redis.stop();
      const down = await post(app, 'during', 10);
      expect(down.status).toBe(503);
      expect(down.body.type).toBe('urn:e-seal:problem:shared-state-unavailable');
      expect(down.headers['content-type']).toMatch(/problem\+json/);
      const retried = await post(app, 'before', 10);
      expect(retried.status).toBe(503);
      expect(counter.done).toBe(1);
      await request(app).post('/answer?n=3').expect(200);
      expect(counter.done).toBe(2);
      await redis.start();
      let back = 0;
      for (let i = 0; i < 60 && back !== 200; i++) {
        back = (await post(app, 'after', 10)).status;
        if (back !== 200) await new Promise((r) => setTimeout(r, 250));
      }
      expect(back).toBe(200);
    } finally {
      await state.close();
      redis.destroy();
    }
  }, 60_000);
});
