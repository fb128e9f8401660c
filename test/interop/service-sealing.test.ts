import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { createHash } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/clock.js';
import { creditCodeCheckCharacter } from '../../src/ca/credit-code.js';
import type { Db } from '../../src/store/db.js';
import { nssDbTrusting } from '../helpers/openssl-pki.js';
import { storageAdapters } from '../helpers/storage.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { basicPdf, scratch } from '../pdf/fixtures.js';
import { opensslVerifyAll, pdfsig, qpdfCheck, renderPage } from '../pdf/judges.js';

const code = (n: number) => {
  const first17 = `11440100${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
};

async function freePort(): Promise<number> {
  const s: Server = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * The service end to end, judged by tools we did not write: three units seal one document in turn
 * through HTTP (B-T, B-LT, B-LTA), and pdfsig (with OCSP against the running service), qpdf and
 * openssl accept every signature; our own verifier agrees; the usage register holds each sealing.
 */
describe('sealing through the service, judged by pdfsig, qpdf and openssl', () => {
  let db: Db;
  let svc: TestService;
  let http: import('node:http').Server;
  let muni: string;
  let platform: string;
  const units: { unitId: string; admin: string; operator: string; operatorId: string; sealId: string }[] = [];
  let rootPem: string;
  const api = () => request(svc.app);

  beforeAll(async () => {
    const port = await freePort();
    db = await storageAdapters()[0]!.open();
    // Real time: pdfsig checks validity against the machine's clock.
    svc = await testService(db, { env: { SEAL_PUBLIC_URL: `http://127.0.0.1:${port}` }, clock: new FixedClock(new Date(Date.now() - 60_000)) });
    http = await new Promise((resolve) => {
      const s = createHttpServer(svc.app).listen(port, '127.0.0.1', () => resolve(s));
    });
    muni = (await makeUser(db, 'municipal-admin')).token;
    platform = (await makeUser(db, 'platform')).token;
    rootPem = (await api().get('/ca/root.pem').expect(200)).text;
    for (const [i, name] of ['广州市甲局', '广州市乙局', '广州市丙局'].entries()) {
      const unitId = (await api().post('/v1/units').set(bearer(muni)).send({ name, code: code(100 + i) }).expect(201)).body.id;
      const admin = (await api().post(`/v1/units/${unitId}/users`).set(bearer(muni)).send({ name: 'admin', role: 'unit-admin' }).expect(201)).body.token;
      const op = (await api().post(`/v1/units/${unitId}/users`).set(bearer(admin)).send({ name: 'op', role: 'operator' }).expect(201)).body;
      const appId = (
        await api()
          .post('/v1/seal-applications')
          .set(bearer(admin))
          .send({ unitId, template: 'round-official', text: name, physicalSealRef: `ref-${i}`, purpose: '联合发文' })
          .expect(201)
      ).body.id;
      const sealId = (await api().post(`/v1/seal-applications/${appId}/approve`).set(bearer(muni)).expect(201)).body.sealId;
      await api().post(`/v1/seals/${sealId}/operators`).set(bearer(admin)).send({ userId: op.id }).expect(201);
      units.push({ unitId, admin, operator: op.token, operatorId: op.id, sealId });
    }
  });
  afterAll(async () => {
    await new Promise<void>((r) => http?.close(() => r()));
    await svc?.close();
  });

  const sign = (u: (typeof units)[number], pdf: Uint8Array, query: string, asPlatform = false) => {
    const req = api()
      .post(`/v1/seals/${u.sealId}/sign?${query}`)
      .set(bearer(asPlatform ? platform : u.operator))
      .set('Content-Type', 'application/pdf');
    if (asPlatform) req.set('Seal-Operator', u.operatorId);
    return req.buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).send(Buffer.from(pdf));
  };

  it('three units seal in turn and every judge accepts every signature', async () => {
    const original = await basicPdf();
    const first = await sign(units[0]!, original, 'page=1&x=40&y=60&level=B-T&reason=%E8%81%94%E5%90%88%E5%8F%91%E6%96%87&title=joint-notice').expect(200);
    expect(first.headers['content-type']).toBe('application/pdf');
    const firstPdf = first.body as Buffer;
    expect(firstPdf.subarray(0, original.length).equals(Buffer.from(original))).toBe(true);

    const second = (await sign(units[1]!, firstPdf, 'page=1&x=105&y=60&level=B-LT', true).expect(200)).body as Buffer;
    const third = (await sign(units[2]!, second, 'page=1&x=170&y=60&level=B-LTA').expect(200)).body as Buffer;
    expect(third.subarray(0, second.length).equals(second)).toBe(true);

    const nss = await nssDbTrusting(rootPem);
    const judged = await pdfsig(third, nss);
    expect(judged.signatures).toHaveLength(4); // three seals and the document time-stamp
    const seals = judged.signatures.filter((s) => s.subFilter === 'ETSI.CAdES.detached');
    expect(seals).toHaveLength(3);
    for (const s of seals) expect({ valid: s.valid, trusted: s.trusted }).toEqual({ valid: true, trusted: true });
    // pdfsig 22.12 lists the document time-stamp but cannot validate ETSI.RFC3161 ("Signature Type: unknown")
    expect(judged.out).toMatch(/Signature Field Name: DocTimeStamp[\s\S]*Time-Stamping Authority/);

    expect((await qpdfCheck(third)).code).toBe(0);
    const dir = scratch('svc-root-');
    writeFileSync(join(dir, 'root.pem'), rootPem);
    const cms = await opensslVerifyAll(third, join(dir, 'root.pem'));
    expect(cms.length).toBeGreaterThanOrEqual(3);
    for (const r of cms) expect({ field: r.field, code: r.code }).toEqual({ field: r.field, code: 0 });

    const report = await api().post('/v1/verify').set(bearer(muni)).set('Content-Type', 'application/pdf').send(third).expect(200);
    expect(report.body.valid).toBe(true);
    expect(report.body.signatures.map((s: { status: string }) => s.status)).toEqual(['VALID', 'VALID', 'VALID', 'VALID']);
    expect(report.body.signatures.slice(0, 3).map((s: { level: string }) => s.level)).toEqual(['B-LTA', 'B-LTA', 'B-LTA']); // the later DSS and document time-stamp lift the earlier seals too

    const png = await renderPage(third, 1, 100);
    copyFileSync(png, join(scratch('svc-look-'), 'sealed-page.png'));
    process.env.SEAL_LOOK_AT && copyFileSync(png, process.env.SEAL_LOOK_AT);

    const log = await api().get('/v1/audit?action=seal.used&limit=1000').set(bearer(muni)).expect(200);
    const used = log.body.items.filter((e: { action: string }) => e.action === 'seal.used').reverse(); // oldest first
    expect(used).toHaveLength(3);
    expect(used[0].details).toMatchObject({ title: 'joint-notice', level: 'B-T', page: 1 });
    // the register names the documents exactly: what came in and what went out, each sealing
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const byTitle = used.find((e: { details: { title?: string } }) => e.details.title === 'joint-notice');
    expect(byTitle.details.documentSha256).toBe(sha(original));
    expect(byTitle.details.sealedSha256).toBe(sha(firstPdf));
    const sealedHashes = used.map((e: { details: { sealedSha256: string } }) => e.details.sealedSha256).sort();
    expect(sealedHashes).toEqual([sha(firstPdf), sha(second), sha(third)].sort());
    expect(used[1]).toMatchObject({ actorRole: 'platform', onBehalfOf: units[1]!.operatorId });
  });

  it('replays an Idempotency-Key and refuses what may not be sealed, logging no sealing', async () => {
    const u = units[0]!;
    const pdf = await basicPdf();
    const once = await sign(u, pdf, 'x=40&y=60&level=B-B').set('Idempotency-Key', 'doc-42').expect(200);
    const twice = await sign(u, pdf, 'x=40&y=60&level=B-B').set('Idempotency-Key', 'doc-42').expect(200);
    expect(twice.headers['idempotent-replayed']).toBe('true');
    expect((twice.body as Buffer).equals(once.body as Buffer)).toBe(true);

    const count = async () => (await api().get(`/v1/audit?sealId=${u.sealId}&limit=1000`).set(bearer(muni))).body.items.filter((e: { action: string }) => e.action === 'seal.used').length;
    const before = await count();
    const secret = await sign(u, pdf, 'x=40&y=60&classification=secret').expect(422);
    expect(secret.body).toBeDefined();
    for (const [body, query, type] of [
      [Buffer.from('not a pdf at all'), 'x=40&y=60', 'not-a-pdf'],
      [Buffer.from(pdf).subarray(0, 300), 'x=40&y=60', null],
      [Buffer.from(pdf), 'page=9&x=40&y=60', 'page-not-found'],
      [Buffer.from(pdf), 'x=2&y=60', 'seal-off-page'],
    ] as const) {
      const res = await sign(u, body, query).expect(422);
      const problem = JSON.parse((res.body as Buffer).toString());
      if (type) expect(problem.type).toBe(`urn:e-seal:problem:${type}`);
    }
    // another unit's operator, and the platform without naming an operator
    await sign(units[0]!, pdf, 'x=40&y=60').set(bearer(units[1]!.operator)).expect(403);
    await api().post(`/v1/seals/${u.sealId}/sign?x=40&y=60`).set(bearer(platform)).set('Content-Type', 'application/pdf').send(Buffer.from(pdf)).expect(403);
    expect(await count()).toBe(before);
    const refused = (await api().get(`/v1/audit?sealId=${u.sealId}&limit=1000`).set(bearer(muni))).body.items.filter((e: { outcome: string }) => e.outcome === 'refused');
    expect(refused.length).toBeGreaterThanOrEqual(6);
  });

  it('a seal returned after a time-stamped sealing still verifies; a returned seal cannot seal', async () => {
    const u = units[2]!;
    const sealed = (await sign(u, await basicPdf(), 'x=100&y=100&level=B-T').expect(200)).body as Buffer;
    svc.ctx.clock.advance(5_000);
    await api().post(`/v1/seals/${u.sealId}/return`).set(bearer(u.admin)).send({ reason: '更换' }).expect(200);
    const report = await api().post('/v1/verify').set(bearer(muni)).set('Content-Type', 'application/pdf').send(sealed).expect(200);
    expect(report.body.signatures[0], JSON.stringify(report.body.signatures[0])).toMatchObject({ status: 'VALID', timeSource: 'timestamp' });
    const refused = await sign(u, await basicPdf(), 'x=100&y=100').expect(409);
    expect(JSON.parse((refused.body as Buffer).toString()).state).toBe('returned');
  });
});
