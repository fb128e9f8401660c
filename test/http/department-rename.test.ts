import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSerial } from '../../src/ca/cert.js';
import { toPem } from '../../src/asn1/pem.js';
import { issueCertificate } from '../../src/ca/issue.js';
import { fillName } from '../../src/ca/names.js';
import { runScheduledJobs } from '../../src/seals/scheduled.js';
import type { Db } from '../../src/store/db.js';
import { basicPdf } from '../pdf/fixtures.js';
import { ocspStatus } from '../helpers/ocsp.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { storageAdapters } from '../helpers/storage.js';
import { activeSeal, creditCode, unitWithOperator, type UnitFixture } from '../helpers/units.js';

const T0 = new Date('2026-11-25T08:00:00Z'); // 16:00 on 25 November in Shanghai

/** Issue 13 over HTTP: department seals inside their unit (Art. 17(4)), renames on their effective date (Art. 18(3)), who sees a seal image (Art. 16). */
describe.each(storageAdapters())('department seals, renames and seal images on $name', (adapter) => {
  let db: Db;
  let svc: TestService;
  let muni: string;
  let auditor: string;
  let platform: string;
  let pdf: Buffer;
  const api = () => request(svc.app);
  const dir = mkdtempSync(join(tmpdir(), 'dept-'));
  const openssl = (args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });
  const file = (name: string, der: Uint8Array) => {
    writeFileSync(join(dir, name), toPem(der));
    return join(dir, name);
  };
  const seal = async (id: string) => (await api().get(`/v1/seals/${id}`).set(bearer(muni)).expect(200)).body;
  const sign = (u: UnitFixture, sealId: string) =>
    api().post(`/v1/seals/${sealId}/sign?page=1&x=100&y=100&level=B-B`).set(bearer(u.operator.token)).set('Content-Type', 'application/pdf').send(pdf);
  const certOf = async (sealId: string) => Buffer.from((await seal(sealId)).certificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const caCert = async (caId: string) => Buffer.from((await api().get(`/ca/certs/${caId}.cer`).buffer(true).parse(binary)).body as Buffer);
  const binary = (res: request.Response, cb: (e: Error | null, b: Buffer) => void) => {
    const chunks: Buffer[] = [];
    const stream = res as unknown as NodeJS.ReadableStream;
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => cb(null, Buffer.concat(chunks)));
  };

  beforeAll(async () => {
    db = await adapter.open();
    svc = await testService(db);
    muni = (await makeUser(db, 'municipal-admin')).token;
    auditor = (await makeUser(db, 'auditor')).token;
    platform = (await makeUser(db, 'platform')).token;
    pdf = Buffer.from(await basicPdf());
  });
  afterAll(async () => svc.close());

  it('a department seal reads the unit on the arc and the department below the star; O = unit, OU = department, confined by the sub-CA', async () => {
    const u = await unitWithOperator(svc.app, muni, 501, '广州市测试局', ['广州市测试工作组']);
    const made = await api().post(`/v1/units/${u.unitId}/department-seals`).set(bearer(u.admin.token)).send({ department: '办公室', purpose: '内部文件' }).expect(201);
    const s = await seal(made.body.sealId);
    expect(s).toMatchObject({ kind: 'department', template: 'round-department', text: '广州市测试局', bottomText: '办公室', unitName: '广州市测试局', department: '办公室', name: '广州市测试局办公室' });
    // the image: the department template with the unit's name and the department (rendered the same way)
    const png = (await api().get(`/v1/seals/${s.id}/image.png`).set(bearer(u.admin.token)).buffer(true).parse(binary).expect(200)).body as Buffer;
    writeFileSync(join(dir, 'department-seal.png'), png);
    const expected = await svc.ctx.register.renderer.render({ template: 'round-department', text: '广州市测试局', bottomText: '办公室' });
    expect(png.equals(expected.png)).toBe(true);

    const certPath = file('dept-seal.pem', await certOf(s.id));
    const subject = openssl(['x509', '-in', certPath, '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus']).stdout;
    expect(subject).toContain('O=广州市测试局');
    expect(subject).toContain('OU=办公室');
    expect(subject).toContain('CN=广州市测试局办公室');
    const rootPath = file('root.pem', svc.ctx.ca.rootCertificate);
    const subCa = await caCert(s.issuerCaId);
    const subCaPath = file('sub-ca.pem', subCa);
    const ok = openssl(['verify', '-CAfile', rootPath, '-untrusted', subCaPath, certPath]);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);

    // The sub-CA's own key, used around our checks to name another unit in O: openssl refuses the chain.
    const issuer = await svc.ctx.ca.issuerOf(s.issuerCaId);
    const { permittedSubtrees: _unchecked, ...raw } = issuer;
    const profile = svc.ctx.ca.policy.profiles['department-seal'];
    // (another unit's name, and a name that merely begins with this unit's)
    for (const o of ['广州市人民政府', '广州市测试局二']) {
      const forged = await issueCertificate({
        policy: svc.ctx.ca.policy,
        profile,
        issuer: raw,
        subject: fillName(profile.subject, { unitName: o, unitCode: creditCode(501), department: '办公室', sealName: '冒名章' }),
        subjectPublicKeySpki: (await svc.ctx.vault.generate('ECDSA-P256')).publicKeySpki,
        serial: randomSerial(),
        now: T0,
        urls: { ocsp: 'http://x/ocsp', caIssuers: 'http://x/c', crl: 'http://x/crl' },
        sealImage: { hashAlg: 'SHA-256', hash: expected.imageHash },
      });
      const v = openssl(['verify', '-CAfile', rootPath, '-untrusted', subCaPath, file('forged.pem', forged)]);
      expect(v.status, `${o}: ${v.stdout}`).not.toBe(0);
      expect(v.stdout + v.stderr).toMatch(/permitted subtree violation/i);
    }
  });

  it('a unit administrator can make nothing but a department seal of its own unit', async () => {
    const u = await unitWithOperator(svc.app, muni, 502, '测试二局');
    const other = await unitWithOperator(svc.app, muni, 503, '广州市人民政府');
    const post = (token: string, unitId: string, body: object) => api().post(`/v1/units/${unitId}/department-seals`).set(bearer(token)).send(body);
    // the old shape (free text, free template) is gone
    for (const body of [{ text: '广州市人民政府', purpose: 'p' }, { department: '办公室', template: 'round-official' }, { department: '办公室', text: '广州市人民政府' }]) {
      const r = await post(u.admin.token, u.unitId, body).expect(400);
      expect(r.body.type).toBe('urn:e-seal:problem:invalid-request');
    }
    // names that are not a department of this unit: 422 naming the rule
    for (const department of ['广州市人民政府', '广州市人民政府办公厅', '测试二局', '测试二局财务科']) {
      const r = await post(u.admin.token, u.unitId, { department }).expect(422);
      expect(r.body).toMatchObject({ type: 'urn:e-seal:problem:department-seal-rule', field: 'department', rule: 'Art. 17(4)' });
    }
    // SM2 department seals exist (the unit's SM2 department sub-CA); an algorithm we do not make is refused.
    const rsa = await post(u.admin.token, u.unitId, { department: '办公室', algorithm: 'RSA' }).expect(400);
    expect(JSON.stringify(rsa.body)).toContain('algorithm');
    // a direction override is refused by the HTTP layer's text rules (issue 12) before the service sees it
    const bidi = await post(u.admin.token, u.unitId, { department: '办\u202e公室' }).expect(400);
    expect(bidi.body).toMatchObject({ type: 'urn:e-seal:problem:unsafe-text', field: 'body.department' });
    // another unit's administrator, the municipal office, an operator: 403
    await post(other.admin.token, u.unitId, { department: '办公室' }).expect(403);
    await post(muni, u.unitId, { department: '办公室' }).expect(403);
    await post(u.operator.token, u.unitId, { department: '办公室' }).expect(403);
    const log = (await api().get(`/v1/audit?unitId=${u.unitId}&limit=1000`).set(bearer(auditor))).body.items.map((e: { action: string }) => e.action);
    expect(log).not.toContain('seal.department-issued');
  });

  it('a rename with a later effective date: old seals and the old sub-CA work until that date in Shanghai, then the job returns and revokes them once', async () => {
    svc.ctx.clock.set(T0);
    const u = await unitWithOperator(svc.app, muni, 504, '旧名局', ['旧名局工作组']);
    const official = await activeSeal(svc.app, muni, u, '旧名局');
    const aliasSeal = await activeSeal(svc.app, muni, u, '旧名局工作组');
    const dept = (await api().post(`/v1/units/${u.unitId}/department-seals`).set(bearer(u.admin.token)).send({ department: '财务科' }).expect(201)).body.sealId;
    await api().post(`/v1/seals/${dept}/operators`).set(bearer(u.admin.token)).send({ userId: u.operator.id }).expect(201);
    const oldSubCaId = (await seal(dept)).issuerCaId;
    const oldSubCa = await caCert(oldSubCaId);

    const renamed = await api().post(`/v1/units/${u.unitId}/rename`).set(bearer(muni)).send({ newName: '新名局', effectiveDate: '2026-11-27' }).expect(200);
    expect(renamed.body).toMatchObject({ name: '新名局', renames: [{ oldName: '旧名局', effectiveDate: '2026-11-27', deadline: '2026-12-08', effective: false, overdue: false }] });
    // until then: every old seal still active, usable, OCSP good; the old department sub-CA good
    for (const id of [official, aliasSeal, dept]) {
      expect((await seal(id)).status).toBe('active');
      await sign(u, id).expect(200);
    }
    expect(await ocspStatus({ app: svc.app }, await certOf(official), svc.ctx.ca.issuingCertificate)).toBe('good');
    expect(await ocspStatus({ app: svc.app }, oldSubCa, svc.ctx.ca.rootCertificate)).toBe('good');
    // a seal for the new name can be made meanwhile; it is not touched by the rename
    const newSeal = await activeSeal(svc.app, muni, u, '新名局');

    // 23:59 on 26 November in Shanghai: not yet
    svc.ctx.clock.set(new Date('2026-11-26T15:59:00Z'));
    expect(await runScheduledJobs(svc.ctx.register)).toEqual({ renamesApplied: 0 });
    expect((await seal(official)).status).toBe('active');
    // 00:01 on 27 November in Shanghai (still the 26th in UTC): the rename takes effect, once, whoever runs the job
    svc.ctx.clock.set(new Date('2026-11-26T16:01:00Z'));
    const runs = await Promise.all([runScheduledJobs(svc.ctx.register), runScheduledJobs(svc.ctx.register), runScheduledJobs(svc.ctx.register)]);
    expect(runs.reduce((n, r) => n + r.renamesApplied, 0)).toBe(1);
    for (const id of [official, aliasSeal, dept]) {
      expect((await seal(id)).status).toBe('returned');
      const refused = await sign(u, id).expect(409);
      expect(refused.body.state).toBe('returned');
    }
    expect((await seal(newSeal)).status).toBe('active');
    await api().post(`/v1/seals/${newSeal}/operators`).set(bearer(u.admin.token)).send({ userId: u.operator.id }).expect(201);
    await sign(u, newSeal).expect(200);
    expect(await ocspStatus({ app: svc.app }, await certOf(official), svc.ctx.ca.issuingCertificate)).toBe('revoked');
    expect(await ocspStatus({ app: svc.app }, oldSubCa, svc.ctx.ca.rootCertificate)).toBe('revoked');
    const reasons = await db.query<{ revocation_reason: string }>(
      `SELECT revocation_reason FROM ca_certificates WHERE serial IN (SELECT cert_serial FROM seals WHERE id = ANY($1)) OR serial = (SELECT cert_serial FROM ca_authorities WHERE ca_id = $2)`,
      [[official, aliasSeal, dept], oldSubCaId],
    );
    expect(reasons.rows.map((r) => r.revocation_reason)).toEqual(['superseded', 'superseded', 'superseded', 'superseded']);
    const log = (await api().get(`/v1/audit?unitId=${u.unitId}&limit=1000`).set(bearer(auditor))).body.items.map((e: { action: string }) => e.action);
    expect(log.filter((a: string) => a === 'unit.rename-effective')).toHaveLength(1);
    // the 7-working-day flag runs from the effective date
    const unit = async () => (await api().get(`/v1/units/${u.unitId}`).set(bearer(muni)).expect(200)).body.renames[0];
    expect(await unit()).toMatchObject({ effective: true, applicationsMade: 1, overdue: false });
    svc.ctx.clock.set(T0);
  });

  it('deregistration revokes the department sub-CA and destroys its key after its last CRL', async () => {
    const u = await unitWithOperator(svc.app, muni, 505, '撤销局');
    const dept = (await api().post(`/v1/units/${u.unitId}/department-seals`).set(bearer(u.admin.token)).send({ department: '办公室' }).expect(201)).body.sealId;
    const { issuerCaId, certificateSerial } = await seal(dept);
    const subCa = await caCert(issuerCaId);
    await api().post(`/v1/units/${u.unitId}/deregister`).set(bearer(muni)).expect(200);
    expect(await ocspStatus({ app: svc.app }, subCa, svc.ctx.ca.rootCertificate)).toBe('revoked');
    const key = await db.query<{ wrapped_key: Uint8Array | null }>('SELECT k.wrapped_key FROM ca_authorities a JOIN vault_keys k ON k.key_id = a.key_id WHERE a.ca_id = $1', [issuerCaId]);
    expect(key.rows[0]!.wrapped_key).toBeNull();
    // its last CRL (made before the key went) lists the department seal
    const crl = (await api().get(`/ca/crl/${issuerCaId}.crl`).buffer(true).parse(binary).expect(200)).body as Buffer;
    writeFileSync(join(dir, 'dept.crl'), crl);
    const text = openssl(['crl', '-inform', 'DER', '-in', join(dir, 'dept.crl'), '-noout', '-text']).stdout;
    expect(text.replace(/\s/g, '').toLowerCase()).toContain(`serialnumber:${certificateSerial}`.toLowerCase());
  });

  it('the seal image is for its unit, the municipal roles and auditors; the certificate for anyone authenticated', async () => {
    const a = await unitWithOperator(svc.app, muni, 506, '图像甲局');
    const b = await unitWithOperator(svc.app, muni, 507, '图像乙局');
    const sealId = await activeSeal(svc.app, muni, a, '图像甲局');
    for (const token of [a.admin.token, a.operator.token, muni, auditor, platform]) await api().get(`/v1/seals/${sealId}/image.png`).set(bearer(token)).expect(200);
    for (const token of [b.admin.token, b.operator.token]) {
      const r = await api().get(`/v1/seals/${sealId}/image.png`).set(bearer(token)).expect(403);
      expect(r.body.type).toBe('urn:e-seal:problem:forbidden');
      await api().get(`/v1/seals/${sealId}/certificate.pem`).set(bearer(token)).expect(200);
    }
    await api().get(`/v1/seals/${sealId}/image.png`).expect(401);
  });
});
