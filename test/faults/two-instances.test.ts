import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCertificate } from '../../src/asn1/certificate.js';
import { creditCode } from '../helpers/units.js';
import { ocspStatus } from '../helpers/ocsp.js';
import {
  havePrivatePostgres,
  haveRedisServer,
  startPrivatePostgres,
  startPrivateRedis,
  startServiceProcess,
  type PrivatePostgres,
  type PrivateRedis,
  type ServiceProcess,
} from '../helpers/processes.js';

/**
 * Issue 13: two service processes behind one PostgreSQL and one Redis, as the README says to
 * scale. A seal returned through one is refused at once by the other; OCSP says revoked on both at
 * once (cached answers are never served against the database); of 16 concurrent returns split
 * across both exactly one wins; checkpoints written by both form one chain that verifies.
 */
describe.runIf(havePrivatePostgres() && haveRedisServer())('two instances on one PostgreSQL and one Redis', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let a: ServiceProcess;
  let b: ServiceProcess;
  const token = randomBytes(32).toString('hex');
  let admin = '';
  let operator = '';
  let operatorId = '';
  let unitId = '';
  let pdf: Buffer;

  const call = async (svc: ServiceProcess, method: string, path: string, opts: { token?: string; body?: unknown; pdf?: Buffer } = {}) => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: BodyInit | undefined;
    if (opts.pdf) {
      headers['content-type'] = 'application/pdf';
      body = new Uint8Array(opts.pdf);
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const res = await fetch(svc.url + path, { method, headers, body, signal: AbortSignal.timeout(30_000) });
    const buf = Buffer.from(await res.arrayBuffer());
    return { status: res.status, body: buf, json: () => JSON.parse(buf.toString()) };
  };
  const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  async function newSeal(via: ServiceProcess): Promise<{ id: string; cert: Buffer }> {
    const app = (await call(via, 'POST', '/v1/seal-applications', { token: admin, body: { unitId, template: 'round-official', text: '双实例测试局', physicalSealRef: 'r', purpose: 'p' } })).json();
    const id = (await call(via, 'POST', `/v1/seal-applications/${app.id}/approve`, { token })).json().sealId as string;
    expect((await call(via, 'POST', `/v1/seals/${id}/operators`, { token: admin, body: { userId: operatorId } })).status).toBe(201);
    return { id, cert: der((await call(via, 'GET', `/v1/seals/${id}`, { token })).json().certificatePem) };
  }
  const sign = (via: ServiceProcess, sealId: string) => call(via, 'POST', `/v1/seals/${sealId}/sign?page=1&x=100&y=100&level=B-B`, { token: operator, pdf });

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    redis = await startPrivateRedis();
    const env = {
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      SEAL_DATA_DIR: `/tmp/seal-two-${randomBytes(4).toString('hex')}`,
      SEAL_KEK: randomBytes(32).toString('base64'),
      SEAL_BOOTSTRAP_TOKEN: token,
      SEAL_AUDIT_CHECKPOINT_ENTRIES: '4',
    };
    // started together: the migrations and the key ceremony happen once
    [a, b] = await Promise.all([startServiceProcess(env), startServiceProcess(env)]);
    const unit = (await call(a, 'POST', '/v1/units', { token, body: { name: '双实例测试局', code: creditCode(850) } })).json();
    unitId = unit.id;
    const adm = (await call(b, 'POST', `/v1/units/${unitId}/users`, { token, body: { name: 'a', role: 'unit-admin' } })).json();
    admin = adm.token;
    const op = (await call(a, 'POST', `/v1/units/${unitId}/users`, { token: admin, body: { name: 'o', role: 'operator' } })).json();
    operator = op.token;
    operatorId = op.id;
    const { basicPdf } = await import('../pdf/fixtures.js');
    pdf = Buffer.from(await basicPdf());
  }, 240_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    redis?.destroy();
    await pg?.destroy();
  });

  it('both instances serve one CA', async () => {
    const [ra, rb] = await Promise.all([call(a, 'GET', '/ca/root.pem'), call(b, 'GET', '/ca/root.pem')]);
    expect(ra.body.equals(rb.body)).toBe(true);
  });

  it('a seal returned through one instance is refused at once by the other; OCSP says revoked on both at once', async () => {
    const seal = await newSeal(a);
    const issuing = der((await call(a, 'GET', '/ca/chain.pem')).body.toString().split('-----END CERTIFICATE-----')[0]! + '-----END CERTIFICATE-----');
    expect((await sign(b, seal.id)).status).toBe(200);
    expect((await sign(a, seal.id)).status).toBe(200);
    // both answer "good" (and so both hold the answer in memory), by POST and by GET
    for (const method of ['post', 'get'] as const) {
      expect(await ocspStatus({ baseUrl: a.url }, seal.cert, issuing, method)).toBe('good');
      expect(await ocspStatus({ baseUrl: b.url }, seal.cert, issuing, method)).toBe('good');
      expect(await ocspStatus({ baseUrl: b.url }, seal.cert, issuing, method)).toBe('good');
    }
    const crlBefore = (await call(b, 'GET', '/ca/crl/issuing.crl')).body;

    expect((await call(a, 'POST', `/v1/seals/${seal.id}/return`, { token: admin, body: { reason: '收回' } })).status).toBe(200);
    const refused = await sign(b, seal.id);
    expect(refused.status).toBe(409);
    expect(refused.json().state).toBe('returned');
    // the other instance heard of it on the shared channel: nothing it kept in memory is served
    expect(await ocspStatus({ baseUrl: b.url }, seal.cert, issuing, 'get')).toBe('revoked');
    expect(await ocspStatus({ baseUrl: b.url }, seal.cert, issuing)).toBe('revoked');
    expect(await ocspStatus({ baseUrl: a.url }, seal.cert, issuing, 'get')).toBe('revoked');
    expect(await ocspStatus({ baseUrl: a.url }, seal.cert, issuing)).toBe('revoked');
    const crlAfter = (await call(b, 'GET', '/ca/crl/issuing.crl')).body;
    expect(crlAfter.equals(crlBefore)).toBe(false);
    expect(crlAfter.includes(Buffer.from(readCertificate(seal.cert).serialHex, 'hex'))).toBe(true);
  });

  it('16 concurrent returns split across both instances: exactly one 200', async () => {
    const seal = await newSeal(b);
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => call(i % 2 ? a : b, 'POST', `/v1/seals/${seal.id}/return`, { token: i % 3 ? admin : token, body: { reason: `第${i}次` } })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(15).fill(409)]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.json().state).toBe('returned');
    const history = (await call(a, 'GET', `/v1/seals/${seal.id}`, { token })).json().history as { action: string }[];
    expect(history.filter((h) => h.action === 'seal.returned')).toHaveLength(1);
  });

  it('checkpoints written by both instances form one chain that verifies on both', async () => {
    const seal = await newSeal(a);
    for (let i = 0; i < 12; i++) {
      expect((await sign(i % 2 ? a : b, seal.id)).status).toBe(200);
      // each instance also anchors on demand, alternately
      if (i % 3 === 2) expect([200, 201]).toContain((await call(i % 2 ? b : a, 'POST', '/v1/audit/checkpoints', { token })).status);
    }
    await new Promise((r) => setTimeout(r, 1_000)); // automatic checkpoints run after the answer
    const checkpoints = (await call(b, 'GET', '/v1/audit/checkpoints', { token })).json().checkpoints as { id: string }[];
    expect(checkpoints.map((c) => c.id)).toEqual(checkpoints.map((_, i) => String(i + 1)));
    const entries = (await call(a, 'GET', '/v1/audit?limit=1000', { token })).json().items as { action: string; details: { writtenBy?: string } }[];
    const writers = new Set(entries.filter((e) => e.action === 'audit.checkpoint').map((e) => e.details.writtenBy));
    expect(writers.size).toBe(2);
    for (const via of [a, b]) {
      const report = (await call(via, 'GET', '/v1/audit/verify', { token })).json();
      expect(report, JSON.stringify(report.problems)).toMatchObject({ valid: true, chainChecked: true });
      expect(report.checkpoints).toBe(checkpoints.length);
    }
  });
});
