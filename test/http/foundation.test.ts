import { readFileSync } from 'node:fs';
import request from 'supertest';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/tokens.js';
import type { RequestListener } from 'node:http';
import { OPENAPI_PATH, type createApp } from '../../src/http/app.js';
import { PKI_ROUTES } from '../../src/http/pki-front.js';
import type { Db } from '../../src/store/db.js';
import { storageAdapters } from '../helpers/storage.js';
import { bearer, makeUser, testService } from '../helpers/service.js';

describe.each(storageAdapters())('HTTP foundation on $name', (adapter) => {
  let db: Db;
  let app: RequestListener;
  let expressApp: ReturnType<typeof createApp>;
  let admin: { id: string; token: string };
  let auditor: { id: string; token: string };

  beforeAll(async () => {
    db = await adapter.open();
    const svc = await testService(db);
    app = svc.app;
    expressApp = svc.express;
    admin = await makeUser(db, 'municipal-admin');
    auditor = await makeUser(db, 'auditor');
  });
  afterAll(async () => db.close());

  it('answers liveness and readiness', async () => {
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    const ready = await request(app).get('/readyz').expect(200);
    expect(ready.body.storage).toBe(adapter.name);
  });

  it('sets a request id and security headers', async () => {
    const res = await request(app).get('/healthz').set('X-Request-Id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
    const other = await request(app).get('/healthz').set('X-Request-Id', 'bad id with spaces');
    expect(other.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is 401 without a token or with an unknown one, as problem+json', async () => {
    for (const headers of [{}, bearer('seal_unknown-token-0000000000000000'), { Authorization: 'Basic abc' }]) {
      const res = await request(app).get('/v1/me').set(headers).expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: 'urn:e-seal:problem:unauthorized', status: 401 });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('is 403 for the wrong role', async () => {
    const res = await request(app)
      .post('/v1/users')
      .set(bearer(auditor.token))
      .send({ name: 'x', role: 'auditor' })
      .expect(403);
    expect(res.body.type).toBe('urn:e-seal:problem:forbidden');
  });

  it('is 400 naming the field when a request breaks openapi.yaml', async () => {
    const res = await request(app).post('/v1/users').set(bearer(admin.token)).send({ name: 'x', role: 'king' }).expect(400);
    expect(res.body).toMatchObject({ type: 'urn:e-seal:problem:invalid-request', field: 'body.role' });
    const missing = await request(app).post('/v1/users').set(bearer(admin.token)).send({ role: 'auditor' }).expect(400);
    expect(missing.body.field).toBe('body.name');
    const extra = await request(app).post('/v1/users').set(bearer(admin.token)).send({ name: 'x', role: 'auditor', admin: true }).expect(400);
    expect(extra.body.field).toBe('body.admin');
    const broken = await request(app).post('/v1/users').set(bearer(admin.token)).set('Content-Type', 'application/json').send('{"name":').expect(400);
    expect(broken.body.type).toBe('urn:e-seal:problem:malformed-body');
  });

  it('is 413 for a body over the limit, and 404 problem for unknown paths', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), role: 'auditor' });
    const res = await request(app).post('/v1/users').set(bearer(admin.token)).set('Content-Type', 'application/json').send(big).expect(413);
    expect(res.body.type).toBe('urn:e-seal:problem:body-too-large');
    const nf = await request(app).get('/v1/nothing-here').set(bearer(admin.token)).expect(404);
    expect(nf.body.type).toBe('urn:e-seal:problem:not-found');
  });

  it('stores tokens only as SHA-256 hashes', async () => {
    const created = await request(app).post('/v1/users').set(bearer(admin.token)).send({ name: 'Platform', role: 'platform' }).expect(201);
    const token: string = created.body.token;
    expect(token).toMatch(/^seal_[A-Za-z0-9_-]{43}$/);
    const { rows } = await db.query<{ token_hash: Uint8Array }>('SELECT token_hash FROM api_tokens WHERE user_id = $1', [created.body.id]);
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0]!.token_hash)).toEqual(hashToken(token));
    const dump = JSON.stringify((await db.query('SELECT * FROM api_tokens')).rows) + JSON.stringify((await db.query('SELECT * FROM users')).rows);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(token.slice(5));
    const me = await request(app).get('/v1/me').set(bearer(token)).expect(200);
    expect(me.body).toMatchObject({ userId: created.body.id, role: 'platform' });
  });

  it("stops a disabled user's tokens at once", async () => {
    const user = await makeUser(db, 'auditor');
    await request(app).get('/v1/me').set(bearer(user.token)).expect(200);
    await request(app).delete(`/v1/users/${user.id}`).set(bearer(admin.token)).expect(204);
    await request(app).get('/v1/me').set(bearer(user.token)).expect(401);
    await request(app).delete(`/v1/users/${user.id}`).set(bearer(admin.token)).expect(404);
  });

  it('replays the first answer for a repeated Idempotency-Key and refuses it with another body', async () => {
    const send = (name: string) =>
      request(app).post('/v1/users').set(bearer(admin.token)).set('Idempotency-Key', 'create-aud-1').send({ name, role: 'auditor' });
    const first = await send('Auditor A').expect(201);
    const again = await send('Auditor A').expect(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const { rows } = await db.query("SELECT id FROM users WHERE name = 'Auditor A'");
    expect(rows).toHaveLength(1);
    const other = await send('Auditor B').expect(422);
    expect(other.body.type).toBe('urn:e-seal:problem:idempotency-key-reused');
  });

  it('describes every route in openapi.yaml', () => {
    const spec = parse(readFileSync(OPENAPI_PATH, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const described = new Set(
      Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{[^}]+\}/g, ':param')}`)),
    );
    const routes = [
      ...listRoutes(expressApp).map((r) => `${r.method} ${r.path.replace(/[:*][A-Za-z]+/g, ':param')}`),
      // answered by the plain node:http front before Express
      ...PKI_ROUTES.map((r) => `${r.method} ${r.path.replace(/\{[^}]+\}/g, ':param')}`),
    ];
    expect(routes).toContain('POST /ocsp');
    const missing = routes.filter((r) => !described.has(r));
    expect(missing).toEqual([]);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After over the limit', async () => {
    const [pglite] = storageAdapters();
    const db = await pglite!.open();
    try {
      const app = (await testService(db, { env: { SEAL_RATE_LIMIT_PER_MINUTE: '3' } })).app;
      for (let i = 0; i < 3; i++) await request(app).get('/healthz').expect(200);
      const res = await request(app).get('/healthz').expect(429);
      expect(res.body.type).toBe('urn:e-seal:problem:rate-limited');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // relying parties behind one address: the PKI endpoints have their own, much higher limit
      for (let i = 0; i < 10; i++) await request(app).get(i % 2 ? '/ca/root.pem' : '/ca/crl/issuing.crl').expect(200);
    } finally {
      await db.close();
    }
  });
});

describe('readiness', () => {
  it('is 503 while storage is unreachable', async () => {
    const [pglite] = storageAdapters();
    const db = await pglite!.open();
    const app = (await testService(db)).app;
    await request(app).get('/readyz').expect(200);
    await db.close();
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body.type).toBe('urn:e-seal:problem:storage-unavailable');
  });
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}
/** Every method+path the express app serves (express 5 router internals). */
function listRoutes(app: ReturnType<typeof createApp>): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods)) out.push({ method: m.toUpperCase(), path: layer.route.path });
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}
