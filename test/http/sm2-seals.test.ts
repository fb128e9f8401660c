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
import { browserVerifierPort } from '../../src/verify/port/browser.js';
import { useVerifierPort } from '../../src/verify/port/index.js';
import { verifyPdf } from '../../src/verify/index.js';
import type { VerificationReport } from '../../src/verify/types.js';
import { ensureCa } from '../../src/ca/authority.js';
import { makeSESeal } from '../../src/ca/seseal-maker.js';
import { sealPdf } from '../../src/pdf/seal.js';
import { canonicalPixels } from '../../src/render/canonical.js';
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
    // The one-file bundle an auditor copies to an offline machine says the same.
    const bundle = join(dir, 'seal-verify.mjs');
    execFileSync(process.execPath, ['scripts/build-verifier.mjs', '--outfile', bundle], { cwd: process.cwd() });
    const fromBundle = JSON.parse(execFileSync(process.execPath, [bundle, file, '--trust', join(dir, 'root.pem'), '--trust', join(dir, 'sm2-root.pem'), '--json'], { encoding: 'utf8' })) as VerificationReport;
    expect(summary(fromBundle)).toEqual(expected);
    // The verification page's crypto (WebCrypto, @noble, sm-crypto-v2, fflate through the browser port) says the same.
    const roots = [fromPem((await api().get('/ca/root.pem').expect(200)).text)[0]!, fromPem((await api().get('/ca/root.pem?algorithm=SM2').expect(200)).text)[0]!];
    const previous = useVerifierPort(browserVerifierPort);
    try {
      const inBrowser = await verifyPdf(pdf, { trustAnchors: roots });
      expect(summary(inBrowser), JSON.stringify(inBrowser.signatures.map((x) => x.problems))).toEqual(expected);
    } finally {
      useVerifierPort(previous);
    }

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

  it('a B-T SES document extended by POST /v1/extend verifies offline at B-LTA: the seal\'s issuing CA is found for it', async () => {
    const sealed = await sign(units[0]!, await basicPdf({ pages: 1 }), 'x=60&y=80&level=B-T');
    const before = await auditor(sealed);
    expect(before.report.signatures[0]!.status).toBe('INDETERMINATE'); // the SES carries no issuing CA, no revocation data
    const extended = (await binary(api().post('/v1/extend').set(bearer(muni)).set('Content-Type', 'application/pdf')).send(sealed).expect(200)).body as Buffer;
    const after = await auditor(extended);
    expect(summary(after.report), JSON.stringify(after.report.signatures.map((x) => x.problems))).toEqual(['signature:ses:VALID:ok', 'document-timestamp:cades:VALID:ok']);
    expect(after.report.signatures[0]!.level).toBe('B-LTA');
    expect(after.code).toBe(0);
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

  /**
   * Seals in-process with units[0]'s SM2 key but an SESeal of the test's choosing (B-LT, the service's TSA and
   * revocation data), then verifies with both roots: what the verifier says about a wrong SESeal.
   */
  async function sealWithSESeal(seseal: Buffer): Promise<VerificationReport> {
    const { rows } = await db.query<{ key_id: string; certificate: Uint8Array; issuer_ca_id: string; width_mm: number; height_mm: number }>(
      'SELECT key_id, certificate, issuer_ca_id, width_mm, height_mm FROM seals WHERE id = $1', [units[0]!.sealId]);
    const seal = rows[0]!;
    const png = (await binary(api().get(`/v1/seals/${units[0]!.sealId}/image.png`).set(bearer(units[0]!.admin))).expect(200)).body as Buffer;
    const px = await canonicalPixels(png);
    const ca = svc.ctx.ca;
    const chain = await ca.chain(seal.issuer_ca_id);
    const sealed = await sealPdf(await basicPdf({ pages: 1 }), {
      page: 1, xMm: 60, yMm: 80,
      appearance: { rgba: Buffer.from(px.rgba), width: px.width, height: px.height, widthMm: seal.width_mm, heightMm: seal.height_mm },
      signer: { certificates: [Buffer.from(seal.certificate), ...chain], keyAlgorithm: 'SM2', digest: 'SM3', sign: (d) => svc.ctx.vault.sign(seal.key_id, d, 'SM3') },
      ses: { certificate: Buffer.from(seal.certificate), seseal },
      level: 'B-LT', signingTime: svc.ctx.clock.now(),
      timestamper: (imprint, hash) => ca.timestamp(imprint, hash),
      revocation: (cert) => ca.revocationDataFor(cert),
      extraCertificates: [ca.rootCertificateOf('SM2'), ca.tsaCertificateOf('SM2'), ...chain, ...(await ca.sealMakerChain())],
    });
    return verifyPdf(sealed, { trustAnchors: [ca.rootCertificate, ca.rootCertificateOf('SM2')] });
  }
  const reasons = (r: VerificationReport) => r.signatures[0]!.problems.map((p) => p.reason);
  const sesealOfSeal = async (sealId: string) => (await binary(api().get(`/v1/seals/${sealId}/seseal.der`).set(bearer(muni))).expect(200)).body as Buffer;

  it('the verifier proves each SESeal check can fail: maker signature, holder listed, validity, picture', async () => {
    const own = await sesealOfSeal(units[0]!.sealId);
    // The seal's own SESeal, in-process: VALID (the control).
    const ok = await sealWithSESeal(own);
    expect(summary(ok), JSON.stringify(ok.signatures[0]!.problems)).toEqual(['signature:ses:VALID:ok']);

    // One byte of the picture changed: the maker's signature fails, and the picture is not the page's.
    const parsed = readSESeal(own);
    const tampered = Buffer.from(own);
    const at = tampered.indexOf(parsed.info.picture.data) + 200;
    tampered[at] = tampered[at]! ^ 0x01;
    const bad = await sealWithSESeal(tampered);
    expect(bad.signatures[0]).toMatchObject({ status: 'INVALID', checks: { seseal: false } });
    expect(reasons(bad)).toContain('seseal-signature-invalid');

    // Another seal's SESeal (units[2]'s, properly signed by the maker): the signer is not among its holders,
    // and its picture is not the one on the page.
    const other = await sealWithSESeal(await sesealOfSeal(units[2]!.sealId));
    expect(other.signatures[0]!.status).toBe('INVALID');
    expect(reasons(other)).toEqual(expect.arrayContaining(['signer-not-in-seseal', 'seseal-picture-mismatch']));

    // A well-signed SESeal whose validity ended before the signing time.
    const expired = await makeSESeal(svc.ctx.ca, {
      esId: parsed.info.esId, type: 1, name: parsed.info.name, holderCertificate: parsed.info.holderCertificates[0]!,
      createDate: new Date('2020-01-01T00:00:00Z'), validStart: new Date('2020-01-01T00:00:00Z'), validEnd: new Date('2021-01-01T00:00:00Z'),
      png: parsed.info.picture.data, widthMm: parsed.info.picture.widthMm, heightMm: parsed.info.picture.heightMm,
    });
    const late = await sealWithSESeal(expired);
    expect(late.signatures[0]!.status).toBe('INVALID');
    expect(reasons(late)).toEqual(['seseal-not-valid-at-signing']);
  });

  it('SEAL_DEFAULT_ALGORITHM=SM2: an application that names no algorithm makes an SM2 seal', async () => {
    const db2 = await storageAdapters()[0]!.open();
    const svc2 = await testService(db2, { env: { SEAL_DEFAULT_ALGORITHM: 'SM2' } });
    try {
      const api2 = () => request(svc2.app);
      const m = (await makeUser(db2, 'municipal-admin')).token;
      const unitId = (await api2().post('/v1/units').set(bearer(m)).send({ name: '深圳市丁局', code: creditCode(790) }).expect(201)).body.id;
      const admin = (await api2().post(`/v1/units/${unitId}/users`).set(bearer(m)).send({ name: 'admin', role: 'unit-admin' }).expect(201)).body.token;
      const application = (await api2().post('/v1/seal-applications').set(bearer(admin))
        .send({ unitId, template: 'round-official', text: '深圳市丁局', physicalSealRef: 'r', purpose: 'p' }).expect(201)).body;
      expect(application.algorithm).toBe('SM2');
      const sealId = (await api2().post(`/v1/seal-applications/${application.id}/approve`).set(bearer(m)).expect(201)).body.sealId;
      const cert = readCertificate(fromPem((await api2().get(`/v1/seals/${sealId}/certificate.pem`).set(bearer(admin)).expect(200)).text)[0]!);
      expect(cert.cert.signatureAlgorithm.algorithmId).toBe(SM3_WITH_SM2);
      await api2().get(`/v1/seals/${sealId}/seseal.der`).set(bearer(admin)).expect(200);
      // Naming ECDSA-P256 still makes an ECDSA seal.
      const ecdsa = (await api2().post('/v1/seal-applications').set(bearer(admin))
        .send({ unitId, template: 'round-official', text: '深圳市丁局', physicalSealRef: 'r2', purpose: 'p', algorithm: 'ECDSA-P256' }).expect(201)).body;
      expect(ecdsa.algorithm).toBe('ECDSA-P256');
    } finally {
      await svc2.close();
    }
  }, 120_000);

  it('a seal used after the seal maker\'s certificate was revoked: INVALID, seal-maker-revoked-before-signing', async () => {
    const db2 = await storageAdapters()[0]!.open();
    const svc2 = await testService(db2, { clock: new FixedClock(now) });
    try {
      const api2 = () => request(svc2.app);
      const m = (await makeUser(db2, 'municipal-admin')).token;
      const unitId = (await api2().post('/v1/units').set(bearer(m)).send({ name: '深圳市戊局', code: creditCode(791) }).expect(201)).body.id;
      const admin = (await api2().post(`/v1/units/${unitId}/users`).set(bearer(m)).send({ name: 'admin', role: 'unit-admin' }).expect(201)).body.token;
      const op = (await api2().post(`/v1/units/${unitId}/users`).set(bearer(admin)).send({ name: 'op', role: 'operator' }).expect(201)).body;
      const appId = (await api2().post('/v1/seal-applications').set(bearer(admin))
        .send({ unitId, template: 'round-official', text: '深圳市戊局', physicalSealRef: 'r', purpose: 'p', algorithm: 'SM2' }).expect(201)).body.id;
      const sealId = (await api2().post(`/v1/seal-applications/${appId}/approve`).set(bearer(m)).expect(201)).body.sealId;
      await api2().post(`/v1/seals/${sealId}/operators`).set(bearer(admin)).send({ userId: op.id }).expect(201);
      const maker = readCertificate((await svc2.ctx.ca.sealMakerChain())[0]!);
      await svc2.ctx.ca.revoke(maker.serialHex, 'keyCompromise', new Date(now.getTime() - 1000));
      const sealed = (await binary(api2().post(`/v1/seals/${sealId}/sign?x=60&y=80&level=B-LT`).set(bearer(op.token)).set('Content-Type', 'application/pdf'))
        .send(Buffer.from(await basicPdf({ pages: 1 }))).expect(200)).body as Buffer;
      const r = (await api2().post('/v1/verify').set(bearer(m)).set('Content-Type', 'application/pdf').send(sealed).expect(200)).body as VerificationReport;
      expect(r.signatures[0]).toMatchObject({ format: 'ses', status: 'INVALID', checks: { seseal: false, signature: true, chain: true } });
      expect(r.signatures[0]!.problems.map((p) => p.reason)).toEqual(['seal-maker-revoked-before-signing']);
      // No more SM2 seals are made with a revoked maker (nothing half-made: the application stays applied) ...
      const next = (await api2().post('/v1/seal-applications').set(bearer(admin))
        .send({ unitId, template: 'round-official', text: '深圳市戊局', physicalSealRef: 'r2', purpose: 'p', algorithm: 'SM2' }).expect(201)).body.id;
      const refused = await api2().post(`/v1/seal-applications/${next}/approve`).set(bearer(m)).expect(503);
      expect(refused.body.type).toBe('urn:e-seal:problem:seal-maker-revoked');
      expect((await api2().get(`/v1/seal-applications/${next}`).set(bearer(m)).expect(200)).body.status).toBe('applied');
      // ... until the next start replaces it with a new key and certificate.
      await ensureCa({ db: db2, vault: svc2.ctx.vault, config: { publicUrl: svc2.ctx.config.publicUrl }, clock: svc2.ctx.clock });
      const { rows } = await db2.query<{ cert_serial: string }>(`SELECT cert_serial FROM ca_service_signers WHERE role = 'seal-maker'`);
      expect(rows[0]!.cert_serial).not.toBe(maker.serialHex);
    } finally {
      await svc2.close();
    }
  }, 120_000);

  it('the SESeal stays after the seal is returned and destroyed', async () => {
    const u = units[2]!;
    const before = (await binary(api().get(`/v1/seals/${u.sealId}/seseal.der`).set(bearer(u.admin))).expect(200)).body as Buffer;
    await api().post(`/v1/seals/${u.sealId}/return`).set(bearer(u.admin)).send({ reason: '停用' }).expect(200);
    await api().post(`/v1/seals/${u.sealId}/destroy`).set(bearer(muni)).send({ reason: '销毁' }).expect(200);
    const after = (await binary(api().get(`/v1/seals/${u.sealId}/seseal.der`).set(bearer(u.admin))).expect(200)).body as Buffer;
    expect(after.equals(before)).toBe(true);
  });
});

