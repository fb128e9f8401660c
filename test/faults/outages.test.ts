import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPdf } from '../../src/verify/index.js';
import { basicPdf } from '../pdf/fixtures.js';
import { creditCode } from '../helpers/units.js';
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
import { ocspStatus } from '../helpers/ocsp.js';

/**
 * Issue 13, "Done when": PostgreSQL and Redis are stopped and restarted under sealing load, and the
 * service is killed (SIGKILL) during sealings. Every answer is a 200 with a PDF whose seal holds, or
 * a 503 problem+json within 2 s; never a 500, never a hang; the register with its checkpoints
 * verifies afterwards. Everything runs on a PostgreSQL and a Redis this test starts itself.
 */
describe.runIf(havePrivatePostgres() && haveRedisServer())('outages under sealing load (private PostgreSQL and Redis)', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let svc: ServiceProcess;
  let env: Record<string, string>;
  let pdf: Buffer;
  let root: Buffer;
  const token = randomBytes(32).toString('hex');
  const ids: { sealId: string; operator: string; admin: string } = { sealId: '', operator: '', admin: '' };

  interface Answer {
    status: number; // 0: no answer (connection refused or reset)
    ms: number;
    type: string | null;
    body: Buffer;
    /** The phase the request was sent in (an answer to a request sent before a stop belongs to the phase before). */
    phase: string;
  }
  const answers: Answer[] = [];
  let phase = 'start';

  const call = async (method: string, path: string, opts: { token?: string; body?: unknown; pdf?: Buffer; headers?: Record<string, string> } = {}): Promise<Answer> => {
    const t0 = performance.now();
    const sentIn = phase;
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: BodyInit | undefined;
    if (opts.pdf) {
      headers['content-type'] = 'application/pdf';
      body = new Uint8Array(opts.pdf);
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    try {
      // 20 s is "a hang": far beyond the 2 s an outage answer may take, and beyond a loaded sealing
      const res = await fetch(svc.url + path, { method, headers, body, signal: AbortSignal.timeout(20_000) });
      const buf = Buffer.from(await res.arrayBuffer());
      const type = res.headers.get('content-type')?.startsWith('application/problem+json') ? (JSON.parse(buf.toString()).type as string) : null;
      return { status: res.status, ms: performance.now() - t0, type, body: buf, phase: sentIn };
    } catch (e) {
      if ((e as Error).name === 'TimeoutError') throw new Error(`${method} ${path} did not answer within 20 s (phase ${sentIn})`);
      return { status: 0, ms: performance.now() - t0, type: null, body: Buffer.alloc(0), phase: sentIn };
    }
  };
  const json = (a: Answer) => JSON.parse(a.body.toString());
  const seal = (headers: Record<string, string> = {}) =>
    call('POST', `/v1/seals/${ids.sealId}/sign?page=1&x=100&y=100&level=B-T`, { token: ids.operator, pdf, headers });

  /** Sealing load: `workers` sealings at a time until stop() is called; every answer is kept. */
  function load(workers = 3) {
    let running = true;
    const loops = Array.from({ length: workers }, async () => {
      while (running) {
        answers.push(await seal());
        if (answers[answers.length - 1]!.status !== 200) await new Promise((r) => setTimeout(r, 50));
      }
    });
    return async () => {
      running = false;
      await Promise.all(loops);
    };
  }
  const waitFor = async (what: string, ok: () => Promise<boolean>, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    redis = await startPrivateRedis();
    env = {
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      SEAL_DATA_DIR: `/tmp/seal-faults-${randomBytes(4).toString('hex')}`,
      SEAL_KEK: randomBytes(32).toString('base64'),
      SEAL_BOOTSTRAP_TOKEN: token,
      SEAL_AUDIT_CHECKPOINT_ENTRIES: '10',
    };
    svc = await startServiceProcess(env);
    pdf = Buffer.from(await basicPdf());
    root = Buffer.from((await call('GET', '/ca/root.pem')).body.toString().replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const unit = json(await call('POST', '/v1/units', { token, body: { name: '故障测试局', code: creditCode(800) } }));
    const admin = json(await call('POST', `/v1/units/${unit.id}/users`, { token, body: { name: 'a', role: 'unit-admin' } }));
    const op = json(await call('POST', `/v1/units/${unit.id}/users`, { token: admin.token, body: { name: 'o', role: 'operator' } }));
    const app = json(await call('POST', '/v1/seal-applications', { token: admin.token, body: { unitId: unit.id, template: 'round-official', text: '故障测试局', physicalSealRef: 'r', purpose: 'p' } }));
    ids.sealId = json(await call('POST', `/v1/seal-applications/${app.id}/approve`, { token })).sealId;
    expect((await call('POST', `/v1/seals/${ids.sealId}/operators`, { token: admin.token, body: { userId: op.id } })).status).toBe(201);
    ids.operator = op.token;
    ids.admin = admin.token;
  }, 240_000);

  afterAll(async () => {
    await svc?.stop('SIGKILL');
    redis?.destroy();
    await pg?.destroy();
  });

  it('PostgreSQL stopped and restarted under load: 503 within 2 s while it is down, /readyz 503, /healthz 200, then back by itself', async () => {
    phase = 'pg-up';
    const stop = load();
    const sealedIn = (p: string) => answers.filter((a) => a.phase === p && a.status === 200).length;
    await waitFor('sealings before the stop', async () => sealedIn('pg-up') >= 3);
    await pg.stop(); // sealings sent before this point may end either way (200 or 503)
    phase = 'pg-down';
    const down = {
      readyz: await call('GET', '/readyz'),
      healthz: await call('GET', '/healthz'),
      seal: await seal(),
      return: await call('POST', `/v1/seals/${ids.sealId}/return`, { token: ids.admin, body: { reason: 'x' } }),
      audit: await call('GET', '/v1/audit/verify', { token }),
      unit: await call('POST', '/v1/units', { token, body: { name: '停机局', code: creditCode(801) } }),
    };
    await new Promise((r) => setTimeout(r, 2_000));
    phase = 'pg-restarting';
    await pg.start();
    await waitFor('/readyz', async () => (await call('GET', '/readyz')).status === 200);
    phase = 'pg-back';
    await waitFor('sealings after the restart', async () => sealedIn('pg-back') >= 3);
    await stop();

    expect(down.healthz.status).toBe(200);
    for (const [what, a] of Object.entries(down).filter(([k]) => k !== 'healthz')) {
      expect([what, a.status, a.type]).toEqual([what, 503, 'urn:e-seal:problem:storage-unavailable']);
      expect(a.ms, what).toBeLessThan(2_000);
    }
    // every request sent while PostgreSQL was down was answered 503 within 2 s
    const during = answers.filter((a) => a.phase === 'pg-down');
    expect(during.length).toBeGreaterThan(0);
    for (const a of during) expect([a.status, a.ms < 2_000]).toEqual([503, true]);
    expect(answers.filter((a) => a.phase === 'pg-back' && a.status === 200).length).toBeGreaterThan(0);
    expect((await seal()).status).toBe(200);
  }, 240_000);

  it('Redis stopped and restarted: answers within 2 s, never a hang; rate limits and OCSP fall back; Idempotency-Key gets 503; then back', async () => {
    phase = 'redis-down';
    redis.stop();
    const stop = load(2);
    await new Promise((r) => setTimeout(r, 3_000));
    const sealed = await seal();
    const withKey = await seal({ 'Idempotency-Key': `k-${randomBytes(6).toString('hex')}` });
    const sealCert = Buffer.from(json(await call('GET', `/v1/seals/${ids.sealId}`, { token })).certificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const chain = (await call('GET', '/ca/chain.pem')).body.toString();
    const issuing = Buffer.from(chain.split('-----END CERTIFICATE-----')[0]!.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const t0 = performance.now();
    const ocsp = await ocspStatus({ baseUrl: svc.url }, sealCert, issuing);
    const ocspMs = performance.now() - t0;
    const ready = await call('GET', '/readyz');
    await stop();
    phase = 'redis-back';
    await redis.start();
    await new Promise((r) => setTimeout(r, 2_500));
    const keyed = await seal({ 'Idempotency-Key': `k-${randomBytes(6).toString('hex')}` });

    expect(sealed.status).toBe(200);
    expect(sealed.ms).toBeLessThan(2_000 + 3_000); // a sealing's own time on a loaded machine, with no wait for Redis in it
    expect([withKey.status, withKey.type]).toEqual([503, 'urn:e-seal:problem:shared-state-unavailable']);
    expect(withKey.ms).toBeLessThan(2_000);
    expect(ocsp).toBe('good');
    expect(ocspMs).toBeLessThan(2_000 + 1_000); // two openssl runs included
    expect(ready.status).toBe(200);
    for (const a of answers.filter((x) => x.phase === 'redis-down')) expect(a.status).toBe(200);
    expect(keyed.status).toBe(200);
  }, 240_000);

  it('the service killed (SIGKILL) in the middle of sealings: the register stays consistent, every 200 is in it', async () => {
    phase = 'kill';
    const inFlight = Array.from({ length: 12 }, () => seal());
    await Promise.race(inFlight); // the service is busy sealing: kill it with the rest in flight
    await svc.stop('SIGKILL');
    const killed = await Promise.all(inFlight);
    answers.push(...killed);
    expect(killed.some((a) => a.status === 0)).toBe(true);
    phase = 'restarted';
    svc = await startServiceProcess(env);
    const after = await seal();
    answers.push(after);
    expect(after.status).toBe(200);
    // anchor the head now, so the checkpoint covers everything written under every fault above
    const cp = await call('POST', '/v1/audit/checkpoints', { token });
    expect([200, 201]).toContain(cp.status);
    const report = json(await call('GET', '/v1/audit/verify', { token }));
    expect(report, JSON.stringify(report.problems)).toMatchObject({ valid: true, chainChecked: true });
    expect(report.checkpoints).toBeGreaterThan(1);

    // every 200 anyone received is in the register, with the hash of the very document sent back
    const used = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = json(await call('GET', `/v1/audit?sealId=${ids.sealId}&action=seal.used&limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { token })) as {
        items: { seq: string; action: string; details: { sealedSha256?: string } }[];
        nextCursor: string | null;
      };
      for (const e of page.items) if (e.action === 'seal.used') used.add(e.details.sealedSha256!);
      cursor = page.nextCursor;
    } while (cursor);
    const { createHash } = await import('node:crypto');
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBeGreaterThan(10);
    for (const a of ok) expect(used.has(createHash('sha256').update(a.body).digest('hex'))).toBe(true);
  }, 240_000);

  it('over the whole run: only 200 with a sealed PDF or 503 problem+json (no answer only while the process was dead), never a 500', async () => {
    const statuses = new Map<string, number>();
    for (const a of answers) statuses.set(`${a.phase}:${a.status}`, (statuses.get(`${a.phase}:${a.status}`) ?? 0) + 1);
    console.log(`answers by phase and status: ${[...statuses].map(([k, n]) => `${k}×${n}`).join(' ')}; slowest 503: ${Math.round(Math.max(0, ...answers.filter((a) => a.status === 503).map((a) => a.ms)))} ms`);
    for (const a of answers) {
      if (a.status === 0) expect(a.phase, [...statuses].join(' ')).toBe('kill');
      else expect([200, 503], [...statuses].join(' ')).toContain(a.status);
      if (a.status === 503) expect(a.type).toMatch(/^urn:e-seal:problem:(storage|shared-state)-unavailable$/);
    }
    // each sealed document: intact and signed by the seal (revocation is not the question here)
    for (const a of answers.filter((x) => x.status === 200).slice(0, 40)) {
      const report = await verifyPdf(a.body, { trustAnchors: [root], now: new Date() });
      expect(report.signatures).toHaveLength(1);
      expect(report.signatures[0]!.checks).toMatchObject({ integrity: true, signature: true, chain: true });
    }
  }, 240_000);
});
