/**
 * openapi.yaml describes what the service answers: every response of every operation has a schema (binary
 * answers included), every problem type the code can emit is listed in x-problem-types with its status (and
 * nothing listed is stale), and a whole seal's life, run with response validation on, answers only what the
 * schemas say (the verification report, lists and problems included).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createApp, OPENAPI_PATH } from '../../src/http/app.js';
import { basicPdf } from '../pdf/fixtures.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { storageAdapters } from '../helpers/storage.js';
import { creditCode } from '../helpers/units.js';

interface Spec {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  components: Record<string, Record<string, unknown>>;
  'x-problem-types': Record<string, { status: number[]; description: string }>;
}
const spec = parse(readFileSync(OPENAPI_PATH, 'utf8')) as Spec;
const resolve = (o: unknown): Record<string, unknown> => {
  let x = o as Record<string, unknown>;
  while (typeof x?.$ref === 'string') x = (x.$ref as string).replace(/^#\//, '').split('/').reduce<Record<string, unknown>>((a, k) => a[k] as Record<string, unknown>, spec as unknown as Record<string, unknown>);
  return x;
};

/** Every problem type the source can emit, with its statuses: AppError and the errors.ts helpers, as written. */
function emittedProblemTypes(): Map<string, Set<number>> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk('src');
  const helpers: Record<string, number> = { badRequest: 400, unprocessable: 422, notFound: 404, conflict: 409 };
  const out = new Map<string, Set<number>>();
  const add = (t: string, s: number) => out.set(t, (out.get(t) ?? new Set()).add(s));
  for (const f of files) {
    const s = readFileSync(f, 'utf8');
    for (const m of s.matchAll(/new AppError\(\s*(\d{3}),\s*'([a-z0-9-]+)'/g)) add(m[2]!, Number(m[1]));
    // Subclasses of AppError (LimitExceeded, StorageUnavailableError, …) name theirs in super().
    if (/extends AppError\b/.test(s)) for (const m of s.matchAll(/\bsuper\(\s*(\d{3}),\s*'([a-z0-9-]+)'/g)) add(m[2]!, Number(m[1]));
    for (const m of s.matchAll(/\b(badRequest|unprocessable|notFound|conflict)\(\s*'([a-z0-9-]+)'/g)) add(m[2]!, helpers[m[1]!]!);
    if (/\bforbidden\(/.test(s)) add('forbidden', 403);
    if (/\bunauthorized\(/.test(s)) add('unauthorized', 401);
    // The validator's statuses become these codes (src/http/problem.ts).
    if (f.endsWith('problem.ts')) for (const m of s.matchAll(/^\s+(\d{3}): '([a-z0-9-]+)',$/gm)) add(m[2]!, Number(m[1]));
  }
  return out;
}

describe('openapi.yaml', () => {
  it('every response of every operation has a schema for each media type', () => {
    const missing: string[] = [];
    let count = 0;
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        for (const [status, r] of Object.entries(op.responses ?? {})) {
          if (status === '204' || status === '304') continue; // no body
          count++;
          const content = resolve(r).content as Record<string, { schema?: unknown }> | undefined;
          if (!content || Object.keys(content).length === 0) missing.push(`${method.toUpperCase()} ${path} ${status}: no content`);
          else for (const [type, c] of Object.entries(content)) if (!c.schema) missing.push(`${method.toUpperCase()} ${path} ${status} ${type}: no schema`);
        }
      }
    }
    expect(count).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });

  it('lists every problem type the code can emit, with its statuses, and none that it cannot', () => {
    const emitted = emittedProblemTypes();
    const listed = spec['x-problem-types'];
    expect(emitted.size).toBeGreaterThan(100);
    const unlisted = [...emitted.keys()].filter((t) => !listed[t]);
    expect(unlisted).toEqual([]);
    const stale = Object.keys(listed).filter((t) => !emitted.has(t));
    expect(stale).toEqual([]);
    const wrongStatus = [...emitted].filter(([t, s]) => [...s].sort().join() !== [...new Set(listed[t]!.status)].sort().join()).map(([t, s]) => `${t}: code ${[...s]}, listed ${listed[t]!.status}`);
    expect(wrongStatus).toEqual([]);
    for (const [t, { description }] of Object.entries(listed)) expect(description.length, t).toBeGreaterThan(10);
  });
});

describe('what the service answers matches the schemas (response validation on)', () => {
  let svc: TestService;
  const mismatches: string[] = [];
  let api: () => ReturnType<typeof request>;
  beforeAll(async () => {
    svc = await testService(await storageAdapters()[0]!.open());
    const app = createApp(svc.ctx, [], { onResponseMismatch: (m) => mismatches.push(m) });
    api = () => request(app);
  });
  afterAll(() => svc?.close());

  it('a seal from registration to destruction, sealing, verifying, the register and its lists', async () => {
    const muni = (await makeUser(svc.ctx.db, 'municipal-admin')).token;
    let aud = (await makeUser(svc.ctx.db, 'auditor')).token;
    const expectOk = async (r: PromiseLike<Response>, status: number) => {
      const res = await r;
      const sent = (res as unknown as { req: { method: string; path: string } }).req;
      expect(res.status, `${sent.method} ${sent.path}: ${JSON.stringify(res.body)}`).toBe(status);
      return res;
    };
    await expectOk(api().get('/healthz'), 200);
    await expectOk(api().get('/readyz'), 200);
    await expectOk(api().get('/v1/me').set(bearer(muni)), 200);
    const unitId = (await expectOk(api().post('/v1/units').set(bearer(muni)).send({ name: '广州市测试局', code: creditCode(4401), aliases: ['测试局'] }), 201)).body.id;
    const admin = (await expectOk(api().post(`/v1/units/${unitId}/users`).set(bearer(muni)).send({ name: 'admin', role: 'unit-admin' }), 201)).body;
    const op = (await expectOk(api().post(`/v1/units/${unitId}/users`).set(bearer(admin.token)).send({ name: 'op', role: 'operator' }), 201)).body;
    await expectOk(api().patch(`/v1/users/${op.id}`).set(bearer(admin.token)).send({ role: 'operator' }), 200);
    const application = (await expectOk(api().post('/v1/seal-applications').set(bearer(admin.token)).send({ unitId, template: 'round-official', text: '广州市测试局', physicalSealRef: 'r', purpose: 'p' }), 201)).body;
    await expectOk(api().get(`/v1/seal-applications/${application.id}`).set(bearer(muni)), 200);
    const sealId = (await expectOk(api().post(`/v1/seal-applications/${application.id}/approve`).set(bearer(muni)), 201)).body.sealId;
    const other = (await expectOk(api().post('/v1/seal-applications').set(bearer(admin.token)).send({ unitId, template: 'round-official', text: '测试局', physicalSealRef: 'r', purpose: 'p' }), 201)).body;
    await expectOk(api().post(`/v1/seal-applications/${other.id}/reject`).set(bearer(muni)).send({ reason: 'one is enough' }), 200);
    await expectOk(api().get(`/v1/units/${unitId}`).set(bearer(muni)), 200);
    await expectOk(api().get(`/v1/seals/${sealId}`).set(bearer(muni)), 200);
    await expectOk(api().get(`/v1/seals/${sealId}/image.png`).set(bearer(muni)), 200);
    await expectOk(api().get(`/v1/seals/${sealId}/certificate.pem`).set(bearer(muni)), 200);
    await expectOk(api().post(`/v1/seals/${sealId}/operators`).set(bearer(admin.token)).send({ userId: op.id }), 201);
    const sealed = await expectOk(
      api().post(`/v1/seals/${sealId}/sign?x=50&y=50&level=B-T`).set(bearer(op.token)).set('Content-Type', 'application/pdf')
        .buffer(true).parse((res, cb) => { const c: Buffer[] = []; res.on('data', (x: Buffer) => c.push(x)); res.on('end', () => cb(null, Buffer.concat(c))); })
        .send(Buffer.from(await basicPdf({ pages: 1 }))),
      200,
    );
    const report = await expectOk(api().post('/v1/verify').set(bearer(aud)).set('Content-Type', 'application/pdf').send(sealed.body as Buffer), 200);
    expect(report.body.signatures[0]).toMatchObject({ status: 'VALID', level: 'B-T' });
    for (const list of ['/v1/units', `/v1/units/${unitId}/users`, '/v1/users', '/v1/seal-applications', '/v1/seals', '/v1/audit?limit=3']) await expectOk(api().get(list).set(bearer(muni)), 200);
    await expectOk(api().delete(`/v1/seals/${sealId}/operators/${op.id}`).set(bearer(admin.token)), 200);
    await expectOk(api().post(`/v1/seals/${sealId}/replace`).set(bearer(admin.token)).send({ physicalSealRef: 'r2', purpose: 'worn' }), 201);
    await expectOk(api().post(`/v1/seals/${sealId}/return`).set(bearer(admin.token)).send({ reason: 'worn' }), 200);
    await expectOk(api().post(`/v1/seals/${sealId}/destroy`).set(bearer(muni)).send({ reason: 'done' }), 200);
    await expectOk(api().post(`/v1/units/${unitId}/department-seals`).set(bearer(admin.token)).send({ department: '办公室' }), 201);
    aud = (await expectOk(api().post('/v1/me/token').set(bearer(aud)), 201)).body.token;
    await expectOk(api().post('/v1/audit/checkpoints').set(bearer(muni)), 201);
    await expectOk(api().post('/v1/audit/checkpoints').set(bearer(muni)), 200);
    await expectOk(api().get('/v1/audit/checkpoints').set(bearer(muni)), 200);
    await expectOk(api().get('/v1/audit/verify').set(bearer(muni)), 200);
    await expectOk(api().get('/v1/audit/export').set(bearer(muni)), 200);
    await expectOk(api().post(`/v1/units/${unitId}/rename`).set(bearer(muni)).send({ newName: '广州市新测试局', effectiveDate: '2026-11-25' }), 200);
    await expectOk(api().post(`/v1/units/${unitId}/deregister`).set(bearer(muni)), 200);
    // Problems too: 401, 403, 404, 409, 415, 422.
    await expectOk(api().get('/v1/me'), 401);
    await expectOk(api().post('/v1/units').set(bearer(aud)).send({ name: 'x', code: creditCode(4402) }), 403);
    await expectOk(api().get('/v1/seals/no-such-seal').set(bearer(muni)), 404);
    await expectOk(api().post(`/v1/seals/${sealId}/destroy`).set(bearer(muni)).send({ reason: 'again' }), 409);
    await expectOk(api().post('/v1/verify').set(bearer(aud)).set('Content-Type', 'text/plain').send('x'), 415);
    await expectOk(api().post('/v1/render/preview').set(bearer(muni)).send({ template: 'oval', text: '某'.repeat(40) }), 422);
    expect(mismatches).toEqual([]);
  }, 300_000);
});
