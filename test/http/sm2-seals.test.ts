/**
 * SM2 seals through HTTP (issue 15): applied for with algorithm SM2, approved (the SESeal is made and
 * signed by the seal maker), used by two units on one document with an ECDSA seal between them,
 * verified VALID online and offline at B-LTA, a tampered copy INVALID; judged by qpdf and pdfsig.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readCertificate } from '../../src/asn1/certificate.js';
import { fromPem } from '../../src/asn1/pem.js';
import { readSESeal, readSESSignature } from '../../src/asn1/seseal.js';
import { verifyCommand } from '../../src/cli/commands/verify.js';
import { FixedClock } from '../../src/clock.js';
import type { Db } from '../../src/store/db.js';
import type { VerificationReport } from '../../src/verify/types.js';
import { storageAdapters } from '../helpers/storage.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { creditCode } from '../helpers/units.js';
import { basicPdf } from '../pdf/fixtures.js';

const SM3_WITH_SM2 = '1.2.156.10197.1.501';

describe('SM2 seals through HTTP', () => {
  let db: Db;
  let svc: TestService;
  let muni: string;
  let dir: string;
  const units: { operator: string; admin: string; unitId: string; sealId: string }[] = [];
  const api = () => request(svc.app);
  const now = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);

  const binary = (req: request.Test) =>
    req.buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });

  beforeAll(async () => {
    db = await storageAdapters()[0]!.open();
    svc = await testService(db, { clock: new FixedClock(now) });
    muni = (await makeUser(db, 'municipal-admin')).token;
    dir = await mkdtemp(join(tmpdir(), 'seal-sm2-'));
    // Two SM2 seals and an ECDSA one, in three units.
    for (const [i, [name, algorithm]] of ([['深圳市甲局', 'SM2'], ['深圳市乙局', 'ECDSA-P256'], ['深圳市丙局', 'SM2']] as const).entries()) {
      const unitId = (await api().post('/v1/units').set(bearer(muni)).send({ name, code: creditCode(700 + i) }).expect(201)).body.id;
      const admin = (await api().post(`/v1/units/${unitId}/users`).set(bearer(muni)).send({ name: 'admin', role: 'unit-admin' }).expect(201)).body.token;
      const op = (await api().post(`/v1/units/${unitId}/users`).set(bearer(admin)).send({ name: 'op', role: 'operator' }).expect(201)).body;
      const application = (
        await api()
          .post('/v1/seal-applications')
          .set(bearer(admin))
          .send({ unitId, template: 'round-official', text: name, physicalSealRef: `ref-${i}`, purpose: '联合发文', algorithm })
          .expect(201)
      ).body;
      expect(application.algorithm).toBe(algorithm);
      const sealId = (await api().post(`/v1/seal-applications/${application.id}/approve`).set(bearer(muni)).expect(201)).body.sealId;
      await api().post(`/v1/seals/${sealId}/operators`).set(bearer(admin)).send({ userId: op.id }).expect(201);
      units.push({ operator: op.token, admin, unitId, sealId });
    }
  }, 240_000);
  afterAll(async () => {
    await svc?.close();
  });

  const sign = async (u: (typeof units)[number], pdf: Uint8Array, query: string): Promise<Buffer> =>
    (await binary(api().post(`/v1/seals/${u.sealId}/sign?${query}`).set(bearer(u.operator)).set('Content-Type', 'application/pdf')).send(Buffer.from(pdf)).expect(200))
      .body as Buffer;

  it('approval of an SM2 application makes an SM2 seal certificate under the SM2 CA and its SESeal, signed by the seal maker', async () => {
    const u = units[0]!;
    const certPem = (await api().get(`/v1/seals/${u.sealId}/certificate.pem`).set(bearer(u.admin)).expect(200)).text;
    const cert = readCertificate(fromPem(certPem)[0]!);
    expect(cert.cert.signatureAlgorithm.algorithmId).toBe(SM3_WITH_SM2);
    const der = (await binary(api().get(`/v1/seals/${u.sealId}/seseal.der`).set(bearer(u.admin))).expect(200)).body as Buffer;
    const seseal = readSESeal(der);
    expect(seseal.info.esId).toMatch(new RegExp(`^${creditCode(700)}\\d{4}$`));
    expect(seseal.info.holderCertificates[0]!.equals(cert.der)).toBe(true);
    expect(seseal.info.picture.type).toBe('PNG');
    expect(seseal.info.picture.widthMm).toBeGreaterThan(30);
    expect(seseal.signAlgId).toBe(SM3_WITH_SM2);
    const png = (await binary(api().get(`/v1/seals/${u.sealId}/image.png`).set(bearer(u.admin))).expect(200)).body as Buffer;
    expect(seseal.info.picture.data.equals(png)).toBe(true);
    // Another unit's users may not read it; an ECDSA seal has none.
    await api().get(`/v1/seals/${u.sealId}/seseal.der`).set(bearer(units[1]!.admin)).expect(403);
    await api().get(`/v1/seals/${units[1]!.sealId}/seseal.der`).set(bearer(units[1]!.admin)).expect(404);
    // The SM2 root is served.
    const sm2Root = (await api().get('/ca/root.pem?algorithm=SM2').expect(200)).text;
    expect(readCertificate(fromPem(sm2Root)[0]!).cert.signatureAlgorithm.algorithmId).toBe(SM3_WITH_SM2);
    await api().get('/ca/root.pem?algorithm=RSA').expect(400);
    const chain = fromPem((await api().get('/ca/chain.pem?algorithm=SM2').expect(200)).text);
    expect(chain).toHaveLength(2);
  });

  it('an SM2 seal makes an SES_Signature in /Contents under /GB.T38540.SES; qpdf finds the file clean', async () => {
    const sealed = await sign(units[0]!, await basicPdf({ pages: 1 }), 'x=60&y=80&level=B-LTA');
    const file = join(dir, 'ses.pdf');
    await writeFile(file, sealed);
    expect(sealed.includes('/SubFilter /GB.T38540.SES')).toBe(true);
    execFileSync('qpdf', ['--check', file]);
    const m = /\/Contents <([0-9A-F]+)>/.exec(sealed.toString('latin1'));
    const contents = Buffer.from(m![1]!, 'hex');
    const { leadingElement } = await import('../../src/asn1/der.js');
    const ses = readSESSignature(leadingElement(contents)!);
    expect(ses.version).toBe(4);
    expect(ses.timeStamp).toBeDefined();
    expect(ses.signatureAlgId).toBe(SM3_WITH_SM2);
  });

  /** `seal verify FILE --trust ecdsa-root.pem --trust sm2-root.pem --json`: offline, no network, no database. */
  async function auditor(pdf: Buffer): Promise<{ code: number; report: VerificationReport }> {
    const ecdsaRoot = join(dir, 'root.pem');
    const sm2Root = join(dir, 'sm2-root.pem');
    await writeFile(ecdsaRoot, (await api().get('/ca/root.pem').expect(200)).text);
    await writeFile(sm2Root, (await api().get('/ca/root.pem?algorithm=SM2').expect(200)).text);
    const file = join(dir, `doc-${Math.random().toString(36).slice(2)}.pdf`);
    await writeFile(file, pdf);
    let out = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((x) => { out += String(x); return true; });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await verifyCommand([file, '--trust', ecdsaRoot, '--trust', sm2Root, '--json']);
      return { code, report: JSON.parse(out) as VerificationReport };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }
  const online = async (pdf: Buffer) =>
    (await api().post('/v1/verify').set(bearer(muni)).set('Content-Type', 'application/pdf').send(pdf).expect(200)).body as VerificationReport;
  const summary = (r: VerificationReport) => r.signatures.map((x) => `${x.kind}:${x.format}:${x.status}:${x.reason}`);

  it('two SM2 seals with an ECDSA seal between them, B-LTA: VALID online and offline; a tampered copy INVALID', async () => {
    let pdf: Buffer = Buffer.from(await basicPdf({ pages: 2 }));
    pdf = await sign(units[0]!, pdf, 'x=50&y=60&level=B-LT');
    pdf = await sign(units[1]!, pdf, 'x=100&y=60&level=B-LT');
    pdf = await sign(units[2]!, pdf, 'x=150&y=60&level=B-LTA');
    const file = join(dir, 'three.pdf');
    await writeFile(file, pdf);
    execFileSync('qpdf', ['--check', file]);
    const expected = [
      'signature:ses:VALID:ok', 'signature:cades:VALID:ok', 'signature:ses:VALID:ok', 'document-timestamp:cades:VALID:ok',
    ];
    const on = await online(pdf);
    expect(summary(on), JSON.stringify(on.signatures.map((x) => x.problems))).toEqual(expected);
    expect(on.valid).toBe(true);
    const ses = on.signatures[0]!;
    expect(ses.checks).toMatchObject({ integrity: true, signature: true, chain: true, revocation: true, timestamp: true, sealImage: true, seseal: true });
    expect(ses.timeSource).toBe('timestamp');
    expect(ses.signer?.unit).toBe('深圳市甲局');
    expect(on.signatures[2]!.level).toBe('B-LTA');
    const off = await auditor(pdf);
    expect(summary(off.report), JSON.stringify(off.report.signatures.map((x) => x.problems))).toEqual(expected);
    expect(off.code).toBe(0);

    // pdfsig does not know the SES signature: it must not call it corrupted.
    const pdfsig = (() => {
      try {
        return execFileSync('pdfsig', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        return String((e as { stdout?: string }).stdout ?? '');
      }
    })();
    expect(pdfsig).toContain('Signature #1');
    expect(pdfsig).not.toMatch(/corrupt/i);

    // One byte of the original document's first stream changed (inside every seal's signed bytes): INVALID (dataHash).
    const tampered = Buffer.from(pdf);
    const at = tampered.indexOf('stream\n') + 'stream\n'.length + 20;
    expect(at).toBeGreaterThan(30);
    tampered[at] = tampered[at]! ^ 0x01;
    const bad = await online(tampered);
    expect(bad.valid).toBe(false);
    expect(bad.signatures[0]).toMatchObject({ format: 'ses', status: 'INVALID', reason: 'digest-mismatch' });
    expect((await auditor(tampered)).code).not.toBe(0);
  });

  it('format=cms: an SM2 CMS (SM3withSM2) under adbe.pkcs7.detached, VALID as cms-sm2; an ECDSA seal refuses format', async () => {
    const sealed = await sign(units[2]!, await basicPdf({ pages: 1 }), 'x=60&y=80&level=B-LT&format=cms');
    expect(sealed.includes('/SubFilter /adbe.pkcs7.detached')).toBe(true);
    const r = await online(sealed);
    expect(summary(r), JSON.stringify(r.signatures.map((x) => x.problems))).toEqual(['signature:cms-sm2:VALID:ok']);
    const ecdsa = await api().post(`/v1/seals/${units[1]!.sealId}/sign?x=60&y=80&format=ses`).set(bearer(units[1]!.operator)).set('Content-Type', 'application/pdf')
      .send(Buffer.from(await basicPdf({ pages: 1 }))).expect(422);
    expect(ecdsa.body.field).toBe('format');
  });

  it('an SM2 department seal: issued by the unit, under its SM2 department sub-CA, with its SESeal', async () => {
    const u = units[0]!;
    const { sealId } = (await api().post(`/v1/units/${u.unitId}/department-seals`).set(bearer(u.admin)).send({ department: '办公室', algorithm: 'SM2' }).expect(201)).body;
    const cert = readCertificate(fromPem((await api().get(`/v1/seals/${sealId}/certificate.pem`).set(bearer(u.admin)).expect(200)).text)[0]!);
    expect(cert.cert.signatureAlgorithm.algorithmId).toBe(SM3_WITH_SM2);
    const seseal = readSESeal((await binary(api().get(`/v1/seals/${sealId}/seseal.der`).set(bearer(u.admin))).expect(200)).body as Buffer);
    expect(seseal.info.holderCertificates[0]!.equals(cert.der)).toBe(true);
  });

  it('the SESeal stays after the seal is returned and destroyed', async () => {
    const u = units[2]!;
    const before = (await binary(api().get(`/v1/seals/${u.sealId}/seseal.der`).set(bearer(u.admin))).expect(200)).body as Buffer;
    await api().post(`/v1/seals/${u.sealId}/return`).set(bearer(u.admin)).send({ reason: '停用' }).expect(200);
    await api().post(`/v1/seals/${u.sealId}/destroy`).set(bearer(muni)).send({ reason: '销毁' }).expect(200);
    const after = (await binary(api().get(`/v1/seals/${u.sealId}/seseal.der`).set(bearer(u.admin))).expect(200)).body as Buffer;
    expect(after.equals(before)).toBe(true);
  });
});

