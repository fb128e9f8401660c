import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, type Config } from '../../src/config.js';
import { createApp, OPENAPI_PATH } from '../../src/http/app.js';
import { clientAddresses } from '../../src/http/client-address.js';
import type { Db } from '../../src/store/db.js';
import { MemoryState } from '../../src/store/memory-state.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { storageAdapters } from '../helpers/storage.js';

/**
 * Issue 12, the order of the HTTP pipeline: authentication, then the rate limit (failed
 * authentication counted against the client address), then reading and validating the request.
 * Refusals go to the audit log at a bounded rate; X-Forwarded-For counts only from named proxies;
 * request ids from callers only in a safe form.
 */

const spec = parse(readFileSync(OPENAPI_PATH, 'utf8')) as {
  security: unknown[];
  paths: Record<string, Record<string, { security?: unknown[]; requestBody?: { content: Record<string, unknown> } }>>;
};
/** Every operation openapi.yaml says needs a token, with a path filled in. */
const SECURED = Object.entries(spec.paths).flatMap(([template, item]) =>
  Object.entries(item)
    .filter(([m, op]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m) && (op.security ?? spec.security).length > 0)
    .map(([method, op]) => ({ method, path: template.replace(/\{[^}]+\}/g, 'x1'), contentType: Object.keys(op.requestBody?.content ?? {})[0] })),
);

const call = (app: TestService['app'], method: string, path: string) => (request(app) as unknown as Record<string, (u: string) => request.Test>)[method]!(path);

async function auditRows(db: Db, action: string) {
  const { rows } = await db.query<{ client: string | null; details: Record<string, unknown>; request_id: string | null }>(
    'SELECT client, details, request_id FROM audit_log WHERE action = $1 ORDER BY seq',
    [action],
  );
  return rows;
}

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await what();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  return what();
}

describe.each(storageAdapters())('the HTTP pipeline ($name)', (adapter) => {
  let db: Db;
  let svc: TestService;
  let token: string;
  /** The same service with some settings changed, and shared state of its own (fresh counters). */
  const appWith = (config: Partial<Config>) => createApp({ ...svc.ctx, state: new MemoryState(svc.ctx.clock), config: { ...svc.ctx.config, ...config } });

  beforeAll(async () => {
    db = await adapter.open();
    svc = await testService(db);
    token = (await makeUser(db, 'municipal-admin')).token;
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('no token: 401 before any 400, 413 or 415, on every operation that needs one', async () => {
    expect(SECURED.length).toBeGreaterThan(30);
    const failures: string[] = [];
    for (const op of SECURED) {
      // A body that is wrong in every way: malformed JSON, the wrong type, an unknown query parameter.
      const malformed = await call(svc.app, op.method, `${op.path}?nonsense=%00`).set('Content-Type', op.contentType ?? 'application/json').send('{"name": \u0000');
      const huge = await call(svc.app, op.method, op.path).set('Content-Type', 'application/pdf').set('Content-Length', String(10 * 1024 ** 3));
      for (const [what, res] of [['malformed', malformed], ['huge', huge]] as const) {
        if (res.status !== 401 || res.body.type !== 'urn:e-seal:problem:unauthorized') failures.push(`${op.method} ${op.path} (${what}): ${res.status} ${res.body.type}`);
      }
    }
    expect(failures).toEqual([]);
    // An unknown token is 401 the same way, and public operations still answer without one.
    const unknown = await request(svc.app).post('/v1/units').set(bearer('u'.repeat(43))).set('Content-Type', 'application/json').send('{oops');
    expect(unknown.status).toBe(401);
    await request(svc.app).get('/healthz').expect(200);
    await request(svc.app).get('/ca/root.pem').expect(200);
    // With a token, the same malformed body is the 400 it is.
    const mine = await request(svc.app).post('/v1/units').set(bearer(token)).set('Content-Type', 'application/json').send('{oops');
    expect(mine.status).toBe(400);
  });

  it('failed authentication counts against the client address: made-up tokens meet 429; a real user from there is not limited by them', async () => {
    const app = appWith({ rateLimitPerMinute: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const made = `guess-${i}-${'g'.repeat(40)}`;
      statuses.push((await request(app).get('/v1/me').set(bearer(made))).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await request(app).post('/v1/units').send({});
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^[0-9]+$/);
    // The user's own requests are counted against the user, not the address.
    await request(app).get('/v1/me').set(bearer(token)).expect(200);
  });

  it('refusals are written to the audit log one by one up to the budget, the rest of the minute as one aggregated entry', async () => {
    const app = appWith({ refusalAuditPerMinute: 3 });
    // Entries of this test only (earlier tests' refusals may still be on their way to the log).
    const mine = new Set<string>();
    const refused = async () => (await auditRows(db, 'request.refused')).filter((r) => mine.has(r.request_id!));
    for (let i = 0; i < 10; i++) {
      const r = await request(app).post('/v1/units').set(bearer(`flood-${i}-${'f'.repeat(40)}`)).send({ name: 'x', code: 'y' }).expect(401);
      mine.add(r.headers['x-request-id'] as string);
    }
    expect((await until(refused, (r) => r.length >= 3)).length).toBe(3);
    await new Promise((r) => setTimeout(r, 300)); // and no more come
    expect(await refused()).toHaveLength(3);
    expect(await auditRows(db, 'request.refused.aggregated')).toEqual([]);
    // The minute ends: the next refusal writes the aggregate of the last one, and is itself written.
    svc.ctx.clock.advance(61_000);
    const late = await request(app).post('/v1/units').set(bearer(`flood-late-${'f'.repeat(40)}`)).send({}).expect(401);
    mine.add(late.headers['x-request-id'] as string);
    const aggregated = await until(() => auditRows(db, 'request.refused.aggregated'), (r) => r.length >= 1);
    expect(aggregated).toHaveLength(1);
    expect(aggregated[0]!.details).toMatchObject({ count: 7, statuses: { '401': 7 } });
    expect(aggregated[0]!.client).toMatch(/127\.0\.0\.1|::1/);
    expect(await until(refused, (r) => r.length >= 4)).toHaveLength(4);
    // And the chain still verifies with the aggregate in it.
    const verify = await request(svc.app).get('/v1/audit/verify').set(bearer(token)).expect(200);
    expect(verify.body.valid).toBe(true);
  });

  it('SEAL_TRUST_PROXY takes addresses and CIDR subnets, comma-separated; anything else stops the start naming it', () => {
    expect(loadConfig({}).trustProxy).toEqual([]);
    expect(loadConfig({ SEAL_TRUST_PROXY: '10.0.0.5, 192.168.0.0/16,fd00::/8' }).trustProxy).toEqual(['10.0.0.5', '192.168.0.0/16', 'fd00::/8']);
    for (const bad of ['loopback', '10.0.0.0/33', '10.0.0.1/x', 'proxy.example.org', '10.0.0.1;rm']) {
      expect(() => loadConfig({ SEAL_TRUST_PROXY: bad }), bad).toThrow(/SEAL_TRUST_PROXY/);
    }
  });

  it('the client address: the peer unless it is a named proxy; X-Forwarded-For walked from the right past named proxies only', () => {
    const none = clientAddresses([]);
    expect(none.of('::ffff:127.0.0.1', '203.0.113.9')).toBe('127.0.0.1');
    const lb = clientAddresses(['10.0.0.0/8', '192.0.2.1']);
    expect(lb.of('10.1.2.3', '203.0.113.9')).toBe('203.0.113.9');
    expect(lb.of('10.1.2.3', '198.51.100.1, 203.0.113.9, 192.0.2.1')).toBe('203.0.113.9'); // the client's own header left of it is not believed
    expect(lb.of('10.1.2.3', ['198.51.100.1', '10.9.9.9'])).toBe('198.51.100.1');
    expect(lb.of('10.1.2.3', '<script>, 10.9.9.9')).toBe('10.9.9.9'); // not an address: the walk ends at the proxy that passed it on
    expect(lb.of('10.1.2.3', undefined)).toBe('10.1.2.3');
    expect(lb.of('::ffff:10.1.2.3', '203.0.113.9')).toBe('203.0.113.9');
    expect(lb.of('203.0.113.50', '198.51.100.1')).toBe('203.0.113.50');
  });

  it('X-Forwarded-For is believed only from proxies named in SEAL_TRUST_PROXY', async () => {
    const refusedFrom = async (app: ReturnType<typeof createApp>, xff: string) => {
      const res = await request(app).post('/v1/units').set('X-Forwarded-For', xff).set(bearer(`xff-${'x'.repeat(40)}`)).send({}).expect(401);
      const rows = await until(() => auditRows(db, 'request.refused'), (r) => r.some((x) => x.request_id === res.headers['x-request-id']));
      return rows.find((x) => x.request_id === res.headers['x-request-id'])!.client;
    };
    const untrusted = await refusedFrom(appWith({ trustProxy: [] }), '203.0.113.9');
    expect(untrusted).not.toBe('203.0.113.9');
    expect(untrusted).toMatch(/127\.0\.0\.1|::1/);
    expect(await refusedFrom(appWith({ trustProxy: ['127.0.0.1', '::1'] }), '203.0.113.9')).toBe('203.0.113.9');
    // A proxy that is not the one in front of us changes nothing.
    expect(await refusedFrom(appWith({ trustProxy: ['10.0.0.0/8'] }), '203.0.113.9')).not.toBe('203.0.113.9');

    // Rate limits follow the same address: spoofed headers from an untrusted peer all count as one client.
    const app = appWith({ rateLimitPerMinute: 3, trustProxy: [] });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(app).get('/v1/me').set('X-Forwarded-For', `198.51.100.${i}`).set(bearer(`s-${i}-${'s'.repeat(40)}`))).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('a caller-supplied request id is kept only in a safe form and length; otherwise a fresh one', async () => {
    const idOf = async (given?: string) => {
      const r = request(svc.app).get('/healthz');
      return (await (given === undefined ? r : r.set('X-Request-Id', given))).headers['x-request-id'] as string;
    };
    expect(await idOf('exchange-2026.11.29_0001')).toBe('exchange-2026.11.29_0001');
    const fresh = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const bad of ['a'.repeat(65), 'has space', 'semi;colon', '\u0085x', 'a/b', '']) expect(await idOf(bad), JSON.stringify(bad)).toMatch(fresh);
    expect(await idOf()).toMatch(fresh);
  });
});
