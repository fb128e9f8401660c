/**
 * Long-term validation through the service: documents sealed over HTTP, verified offline (no network, no
 * database: `seal verify`, as an auditor does) now and years later, extended with POST /v1/extend, and
 * co-signed by other tools after three units sealed them.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyCommand } from '../../src/cli/commands/verify.js';
import { creditCodeCheckCharacter } from '../../src/ca/credit-code.js';
import { FixedClock } from '../../src/clock.js';
import type { Db } from '../../src/store/db.js';
import { verifyPdf } from '../../src/verify/index.js';
import type { VerificationReport } from '../../src/verify/types.js';
import { makeTestPki, type TestPki } from '../helpers/openssl-pki.js';
import { storageAdapters } from '../helpers/storage.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { basicPdf } from '../pdf/fixtures.js';
import { fromTestCert, pdfBox, pdfBoxAvailable, pdfBoxKey, pdfsigSign } from '../verify/signers.js';

const code = (n: number) => {
  const first17 = `11440100${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
};
const DAY = 86_400_000;
const hasPdfBox = pdfBoxAvailable();
if (!hasPdfBox && process.env.CI) throw new Error('CI must have javac and PDFBox 2 with BouncyCastle');

describe('long-term validation through the service', () => {
  let db: Db;
  let svc: TestService;
  let muni: string;
  let dir: string;
  let rootPem: string;
  let other: TestPki;
  const units: { operator: string; sealId: string }[] = [];
  const api = () => request(svc.app);
  const now = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);

  beforeAll(async () => {
    db = await storageAdapters()[0]!.open();
    svc = await testService(db, { clock: new FixedClock(now) });
    muni = (await makeUser(db, 'municipal-admin')).token;
    rootPem = (await api().get('/ca/root.pem').expect(200)).text;
    dir = await mkdtemp(join(tmpdir(), 'seal-long-term-'));
    await writeFile(join(dir, 'root.pem'), rootPem);
    other = await makeTestPki();
    for (const [i, name] of ['广州市甲局', '广州市乙局', '广州市丙局'].entries()) {
      const unitId = (await api().post('/v1/units').set(bearer(muni)).send({ name, code: code(300 + i) }).expect(201)).body.id;
      const admin = (await api().post(`/v1/units/${unitId}/users`).set(bearer(muni)).send({ name: 'admin', role: 'unit-admin' }).expect(201)).body.token;
      const op = (await api().post(`/v1/units/${unitId}/users`).set(bearer(admin)).send({ name: 'op', role: 'operator' }).expect(201)).body;
      const appId = (await api().post('/v1/seal-applications').set(bearer(admin))
        .send({ unitId, template: 'round-official', text: name, physicalSealRef: `ref-${i}`, purpose: '联合发文' }).expect(201)).body.id;
      const sealId = (await api().post(`/v1/seal-applications/${appId}/approve`).set(bearer(muni)).expect(201)).body.sealId;
      await api().post(`/v1/seals/${sealId}/operators`).set(bearer(admin)).send({ userId: op.id }).expect(201);
      units.push({ operator: op.token, sealId });
    }
  }, 180_000);
  afterAll(async () => {
    await svc?.close();
  });

  const binary = (req: request.Test) => req.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  const sign = async (u: (typeof units)[number], pdf: Uint8Array, query: string): Promise<Buffer> =>
    (await binary(api().post(`/v1/seals/${u.sealId}/sign?${query}`).set(bearer(u.operator)).set('Content-Type', 'application/pdf'))
      .send(Buffer.from(pdf)).expect(200)).body as Buffer;
  const extend = async (pdf: Buffer) => {
    const res = await binary(api().post('/v1/extend').set(bearer(muni)).set('Content-Type', 'application/pdf')).send(pdf).expect(200);
    return { pdf: res.body as Buffer, added: res.headers['seal-extend-added'] as string };
  };

  /** `seal verify FILE --trust root.pem --json [--at TIME]`: the auditor's offline command. */
  async function auditor(pdf: Buffer, at?: Date): Promise<{ code: number; report: VerificationReport }> {
    const file = join(dir, `doc-${Math.random().toString(36).slice(2)}.pdf`);
    await writeFile(file, pdf);
    let out = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await verifyCommand([file, '--trust', join(dir, 'root.pem'), '--json', ...(at ? ['--at', at.toISOString()] : [])]);
      return { code, report: JSON.parse(out) as VerificationReport };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }
  const statuses = (r: VerificationReport) => r.signatures.map((s) => `${s.kind}:${s.status}:${s.reason}`);

  it('the default level is B-LT: a document sealed without ?level= verifies offline', async () => {
    const sealed = await sign(units[0]!, await basicPdf({ pages: 1 }), 'x=40&y=60');
    const { code, report } = await auditor(sealed);
    expect(statuses(report)).toEqual(['signature:VALID:ok']);
    expect(report.signatures[0]!.level).toBe('B-LT');
    expect(code).toBe(0);
  });

  it('B-LTA sealed through HTTP: VALID offline now and twenty years ahead, when every certificate but the root has expired', async () => {
    const sealed = await sign(units[0]!, await basicPdf({ pages: 1 }), 'x=40&y=60&level=B-LTA');
    const root = new X509Certificate(svc.ctx.ca.rootCertificate);
    const nearlyTwenty = new Date(new Date(root.validTo).getTime() - 2 * DAY);
    expect(nearlyTwenty.getUTCFullYear() - now.getUTCFullYear()).toBeGreaterThanOrEqual(19);
    for (const at of [undefined, nearlyTwenty]) {
      const { code, report } = await auditor(sealed, at);
      expect(statuses(report), JSON.stringify(report.signatures.map((s) => s.detail))).toEqual(['signature:VALID:ok', 'document-timestamp:VALID:ok']);
      expect(report.signatures[0]!.level).toBe('B-LTA');
      expect(code).toBe(0);
    }
    // Then the seal's certificate, its issuing CA and the OCSP responder have all expired.
    const seal = new X509Certificate((await api().get(`/v1/seals/${units[0]!.sealId}/certificate.pem`).set(bearer(muni)).expect(200)).text);
    expect(new Date(seal.validTo).getTime()).toBeLessThan(nearlyTwenty.getTime());
    expect(new Date(new X509Certificate(svc.ctx.ca.issuingCertificate).validTo).getTime()).toBeLessThan(nearlyTwenty.getTime());
    // The same through HTTP with ?at=.
    const http = await api().post(`/v1/verify?at=${encodeURIComponent(nearlyTwenty.toISOString())}`).set(bearer(muni)).set('Content-Type', 'application/pdf').send(sealed).expect(200);
    expect(http.body).toMatchObject({ valid: true, validationTime: nearlyTwenty.toISOString() });
    await api().post('/v1/verify?at=yesterday').set(bearer(muni)).set('Content-Type', 'application/pdf').send(sealed).expect(400);
  });

  it('B-T offline says INDETERMINATE revocation-unknown; POST /v1/extend makes it verify offline, also years later', async () => {
    const sealed = await sign(units[1]!, await basicPdf({ pages: 1 }), 'x=40&y=60&level=B-T');
    const before = await auditor(sealed);
    expect(statuses(before.report)).toEqual(['signature:INDETERMINATE:revocation-unknown']);
    expect(before.code).toBe(1);
    const { pdf: extended, added } = await extend(sealed);
    expect(added).toMatch(/ocsps=[1-9]/);
    expect(extended.subarray(0, sealed.length).equals(sealed)).toBe(true); // only appended
    for (const at of [undefined, new Date(now.getTime() + 10 * 365 * DAY)]) {
      const { code, report } = await auditor(extended, at);
      expect(statuses(report), JSON.stringify(report.signatures.map((s) => s.detail))).toEqual(['signature:VALID:ok', 'document-timestamp:VALID:ok']);
      expect(report.signatures[0]!.modificationsAfter.map((m) => `${m.kind}:${m.level}`)).toEqual(expect.arrayContaining(['dss:lta-updates', 'document-timestamp:lta-updates']));
      expect(code).toBe(0);
    }
    const log = await api().get('/v1/audit?limit=1000').set(bearer(muni)).expect(200);
    expect(log.body.items.map((e: { action: string }) => e.action)).toContain('document.extended');
  });

  it('B-LT: VALID while its certificates are valid, INDETERMINATE after they expired without an archive time-stamp', async () => {
    const sealed = await sign(units[1]!, await basicPdf({ pages: 1 }), 'x=40&y=60&level=B-LT');
    expect(statuses((await auditor(sealed, new Date(now.getTime() + 300 * DAY))).report)).toEqual(['signature:VALID:ok']);
    const afterExpiry = new Date(now.getTime() + 4 * 365 * DAY);
    const late = await auditor(sealed, afterExpiry);
    expect(statuses(late.report)).toEqual(['signature:INDETERMINATE:out-of-bounds-no-poe']);
    // Extended while still valid, the archive time-stamp carries it past the expiry.
    const { pdf: extended } = await extend(sealed);
    expect(statuses((await auditor(extended, afterExpiry)).report)).toEqual(['signature:VALID:ok', 'document-timestamp:VALID:ok']);
  });

  it('extending a B-LTA document adds a second archive time-stamp; both VALID years later', async () => {
    const sealed = await sign(units[2]!, await basicPdf({ pages: 1 }), 'x=40&y=60&level=B-LTA');
    const renewed = (await extend(sealed)).pdf;
    const r = await verifyPdf(renewed, { trustAnchors: [svc.ctx.ca.rootCertificate], now: new Date(now.getTime() + 15 * 365 * DAY) });
    expect(statuses(r)).toEqual(['signature:VALID:ok', 'document-timestamp:VALID:ok', 'document-timestamp:VALID:ok']);
  });

  it('three units (B-T, B-LT, B-LTA), then pdfsig and PDFBox sign after them: every signature VALID', async () => {
    const first = await sign(units[0]!, await basicPdf({ pages: 1 }), 'x=40&y=60&level=B-T');
    const second = await sign(units[1]!, first, 'x=105&y=60&level=B-LT');
    const third = await sign(units[2]!, second, 'x=170&y=60&level=B-LTA');
    const anchors = [svc.ctx.ca.rootCertificate, other.root.certDer];
    const ours = await verifyPdf(third, { trustAnchors: anchors });
    expect(statuses(ours)).toEqual(['signature:VALID:ok', 'signature:VALID:ok', 'signature:VALID:ok', 'document-timestamp:VALID:ok']);
    expect(ours.signatures.slice(0, 3).map((s) => s.level)).toEqual(['B-LTA', 'B-LTA', 'B-LTA']);
    let cosigned = await pdfsigSign(other, other.leafRsa, third);
    if (hasPdfBox) cosigned = await pdfBox('sign', cosigned, { ...pdfBoxKey(fromTestCert(other, other.leafP256)), subfilter: 'adbe.pkcs7.detached', visible: 'true' });
    const r = await verifyPdf(cosigned, { trustAnchors: anchors });
    expect(statuses(r), JSON.stringify(r.signatures.map((s) => s.detail))).toEqual([
      'signature:VALID:ok', 'signature:VALID:ok', 'signature:VALID:ok', 'document-timestamp:VALID:ok', 'signature:VALID:ok',
      ...(hasPdfBox ? ['signature:VALID:ok'] : []),
    ]);
    // Our seals through HTTP (the others' roots are not ours: INDETERMINATE there, never INVALID).
    const http = await api().post('/v1/verify').set(bearer(muni)).set('Content-Type', 'application/pdf').send(cosigned).expect(200);
    expect(http.body.signatures.slice(0, 4).map((s: { status: string }) => s.status)).toEqual(['VALID', 'VALID', 'VALID', 'VALID']);
    expect(http.body.signatures.slice(4).map((s: { status: string; reason: string }) => `${s.status}:${s.reason}`)).toEqual(
      (hasPdfBox ? [1, 2] : [1]).map(() => 'INDETERMINATE:chain-untrusted'),
    );
  });
});
