/**
 * Hostile documents against the running service (issue 12): the sign endpoint and /v1/verify answer every class
 * of hostile file with a 4xx application/problem+json or a report within seconds, /healthz keeps answering while
 * they are processed (measured, with a generous bound: the machine is shared), the service is alive afterwards,
 * and its resident memory comes back within 1.5x of idle.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter } from '../../src/ca/credit-code.js';
import type { Db } from '../../src/store/db.js';
import { storageAdapters } from '../helpers/storage.js';
import { makeUser, testService, type TestService } from '../helpers/service.js';
import { basePdf } from '../verify/kit.js';
import * as files from './files.js';

/** The slowest /healthz answer we accept while a hostile document is processed (the issue saw 44 s and "never"). */
const HEALTHZ_BOUND_MS = 1000;

let db: Db;
let svc: TestService;
let server: Server;
let base: string;
let operator: string;
let sealId: string;

const code = (n: number) => {
  const first17 = `11440100${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
};

async function json(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(base + path, {
    method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() as Record<string, string> };
}

beforeAll(async () => {
  db = await storageAdapters()[0]!.open();
  svc = await testService(db);
  server = await new Promise<Server>((resolve) => { const s = createServer(svc.app).listen(0, '127.0.0.1', () => resolve(s)); });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const muni = (await makeUser(db, 'municipal-admin')).token;
  const unitId = (await json('POST', '/v1/units', muni, { name: '广州市测试局', code: code(912) })).body.id!;
  const admin = (await json('POST', `/v1/units/${unitId}/users`, muni, { name: 'admin', role: 'unit-admin' })).body.token!;
  const op = (await json('POST', `/v1/units/${unitId}/users`, admin, { name: 'op', role: 'operator' })).body;
  const appId = (await json('POST', '/v1/seal-applications', admin, { unitId, template: 'round-official', text: '广州市测试局', physicalSealRef: 'ref-h', purpose: '测试' })).body.id!;
  sealId = (await json('POST', `/v1/seal-applications/${appId}/approve`, muni)).body.sealId!;
  await json('POST', `/v1/seals/${sealId}/operators`, admin, { userId: op.id });
  operator = op.token!;
}, 180_000);

/** What was measured, printed once at the end (for the bench README and the closing note). */
const measured: string[] = [];

afterAll(async () => {
  console.info(`hostile documents through the service:\n${measured.join('\n')}`);
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await svc?.close();
});

const post = (path: string, pdf: Uint8Array) =>
  fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/pdf' }, body: Buffer.from(pdf) });
const sign = (pdf: Uint8Array, query = 'page=1&x=50&y=50&level=B-B') => post(`/v1/seals/${sealId}/sign?${query}`, pdf);
const verify = (pdf: Uint8Array) => post('/v1/verify', pdf);

/** Runs `request` while polling /healthz every 50 ms; the slowest /healthz answer and the request's own time. */
async function whileWatchingHealth(request: () => Promise<Response>) {
  let slowest = 0;
  let polls = 0;
  let done = false;
  const poller = (async () => {
    while (!done) {
      const t0 = performance.now();
      const r = await fetch(`${base}/healthz`);
      await r.arrayBuffer();
      expect(r.status).toBe(200);
      slowest = Math.max(slowest, performance.now() - t0);
      polls++;
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  const t0 = performance.now();
  const res = await request();
  const body = Buffer.from(await res.arrayBuffer());
  const seconds = (performance.now() - t0) / 1000;
  done = true;
  await poller;
  return { res, body, seconds, slowest, polls };
}

async function rssSettlesWithin(limit: number) {
  for (let i = 0; i < 40; i++) {
    if (process.memoryUsage().rss <= limit) return process.memoryUsage().rss;
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 500));
  }
  return process.memoryUsage().rss;
}

const HOSTILE: [string, () => Uint8Array][] = [
  ['xref /W [0 0 0] and a huge /Index over four /Prev sections', () => files.xrefZeroWidth(4)],
  ['xref /Index beyond its data', () => files.xrefIndexBeyondData()],
  ['a million objects in one update', () => files.millionObjects()],
  ['a flate bomb as the cross-reference stream', () => files.xrefFlateBomb()],
  ['a flate bomb in the object stream holding the AcroForm', () => files.objectStreamBomb()],
  ['duplicate page-tree kids, no /Count (page 2 asked)', () => files.duplicateKids(40)],
  ['a page tree containing itself', () => files.pageTreeCycle()],
  ['a lying /Count over duplicate kids', () => files.lyingCount(30)],
  ['a deeply nested array', () => files.deepArray(20_000)],
  ['deeply nested dictionaries', () => files.deepDict(20_000)],
  ['half a million huge numbers', () => files.hugeNumbers(500_000)],
  ['an object left open at the end of a revision', () => files.unterminatedAcrossRevisions().bytes],
];

describe('hostile documents through the service', () => {
  let idleRss = 0;

  it('warms up on a benign document (sign and verify), then measures idle memory', async () => {
    const pdf = await basePdf(1);
    const s = await sign(pdf);
    expect(s.status).toBe(200);
    const sealed = Buffer.from(await s.arrayBuffer());
    const v = await verify(sealed);
    expect(v.status).toBe(200);
    expect((await v.json() as { signatures: unknown[] }).signatures).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 500));
    idleRss = process.memoryUsage().rss;
  }, 120_000);

  for (const [name, make] of HOSTILE) {
    it(`${name}: sign and verify answer 4xx problem+json or a report within seconds, /healthz answering throughout`, async () => {
      const pdf = make();
      for (const [endpoint, run] of [['sign', () => sign(pdf, 'page=2&x=50&y=50&level=B-B')], ['verify', () => verify(pdf)]] as const) {
        const { res, body, seconds, slowest, polls } = await whileWatchingHealth(run);
        const type = res.headers.get('content-type') ?? '';
        if (res.status === 200) {
          // only a verification report (or a sealed file when the hostile part is never read) is a 200
          if (endpoint === 'verify') expect(JSON.parse(body.toString())).toHaveProperty('signatures');
          else expect(body.subarray(0, 5).toString()).toBe('%PDF-');
        } else {
          expect(res.status, `${endpoint}: ${body.toString().slice(0, 300)}`).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(type).toContain('application/problem+json');
          const problem = JSON.parse(body.toString()) as { type: string; limit?: string };
          expect(problem.type).toMatch(/^urn:e-seal:problem:/);
          if (problem.type.endsWith('document-too-complex')) expect(problem.limit).toBeTruthy();
        }
        measured.push(`${name} / ${endpoint}: ${res.status} in ${seconds.toFixed(2)} s, slowest /healthz ${slowest.toFixed(0)} ms (${polls} polls)`);
        expect(seconds, `${endpoint} took ${seconds.toFixed(1)} s`).toBeLessThan(30);
        expect(slowest, `${endpoint}: slowest /healthz ${slowest.toFixed(0)} ms over ${polls} polls`).toBeLessThan(HEALTHZ_BOUND_MS);
      }
    }, 120_000);
  }

  it('after them all: the service still seals and verifies, and memory is back within 1.5x of idle', async () => {
    const s = await sign(await basePdf(1));
    expect(s.status).toBe(200);
    const v = await verify(Buffer.from(await s.arrayBuffer()));
    expect(v.status).toBe(200);
    const rss = await rssSettlesWithin(idleRss * 1.5);
    measured.push(`resident memory after: ${(rss / idleRss).toFixed(2)}x idle (${Math.round(rss / 1e6)} MB / ${Math.round(idleRss / 1e6)} MB)`);
    expect(rss / idleRss, `rss ${Math.round(rss / 1e6)} MB, idle ${Math.round(idleRss / 1e6)} MB`).toBeLessThanOrEqual(1.5);
  }, 120_000);
});
