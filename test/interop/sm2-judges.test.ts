/**
 * BouncyCastle judges every SM2 artefact of a GB/T 38540 seal (issue 15): the SESeal made at approval
 * (the seal maker's signature), an SES_Signature in a sealed PDF (dataHash over the ByteRange bytes,
 * the signer's signature, the SESeal inside, the time-stamp token), and an SM2 CMS (format=cms). A
 * tampered SES (one byte of the signed bytes) must fail, so the judge is known to judge.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadingElement } from '../../src/asn1/der.js';
import { FixedClock } from '../../src/clock.js';
import type { Db } from '../../src/store/db.js';
import { haveJudges } from '../helpers/judges.js';
import { runTool } from '../helpers/openssl-pki.js';
import { storageAdapters } from '../helpers/storage.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { creditCode } from '../helpers/units.js';
import { basicPdf } from '../pdf/fixtures.js';

const JUDGE = new URL('./java/Gbt38540Judge.java', import.meta.url).pathname;
const BC = ['bcprov', 'bcpkix', 'bcutil'].map((j) => `/usr/share/java/${j}.jar`).join(':');

/** The last signature's /Contents (without padding) and the bytes its /ByteRange covers. */
function lastSignature(pdf: Buffer): { contents: Buffer; signed: Buffer } {
  const text = pdf.toString('latin1');
  const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  const m = ranges[ranges.length - 1]!;
  const [b0, l0, b1, l1] = m.slice(1, 5).map(Number) as [number, number, number, number];
  const hex = pdf.subarray(b0 + l0 + 1, b1 - 1).toString('latin1');
  return { contents: leadingElement(Buffer.from(hex, 'hex'))!, signed: Buffer.concat([pdf.subarray(b0, b0 + l0), pdf.subarray(b1, b1 + l1)]) };
}

describe('BouncyCastle judges SESeal, SES_Signature and SM2 CMS', () => {
  let db: Db;
  let svc: TestService;
  let work: string;
  let judge: string[] | undefined;
  let seal: { sealId: string; operator: string; admin: string };
  let n = 0;
  const api = () => request(svc.app);
  const file = async (data: Uint8Array) => {
    const p = join(work, `f${n++}`);
    await writeFile(p, data);
    return p;
  };
  const binary = (req: request.Test) =>
    req.buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  const bc = async (...args: string[]) => {
    const r = await runTool('java', [...judge!, ...args]);
    expect(r.code, r.stderr.toString()).toBe(0);
    return r.stdout.toString().trim();
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'seal-gbt38540-'));
    // Without the JDK and BouncyCastle the judging tests skip (named in the run's summary); CI must have them.
    if (haveJudges('javac', 'java', 'bouncycastle')) {
      const javac = await runTool('javac', ['-cp', BC, '-d', join(work, 'classes'), JUDGE]);
      if (javac.code === 0) judge = ['-cp', `${join(work, 'classes')}:${BC}`, 'Gbt38540Judge'];
    }
    db = await storageAdapters()[0]!.open();
    svc = await testService(db, { clock: new FixedClock(new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000)) });
    const muni = (await makeUser(db, 'municipal-admin')).token;
    const unitId = (await api().post('/v1/units').set(bearer(muni)).send({ name: '杭州市甲局', code: creditCode(811) }).expect(201)).body.id;
    const admin = (await api().post(`/v1/units/${unitId}/users`).set(bearer(muni)).send({ name: 'admin', role: 'unit-admin' }).expect(201)).body.token;
    const op = (await api().post(`/v1/units/${unitId}/users`).set(bearer(admin)).send({ name: 'op', role: 'operator' }).expect(201)).body;
    const appId = (await api().post('/v1/seal-applications').set(bearer(admin))
      .send({ unitId, template: 'round-official', text: '杭州市甲局', physicalSealRef: 'r', purpose: 'p', algorithm: 'SM2' }).expect(201)).body.id;
    const sealId = (await api().post(`/v1/seal-applications/${appId}/approve`).set(bearer(muni)).expect(201)).body.sealId;
    await api().post(`/v1/seals/${sealId}/operators`).set(bearer(admin)).send({ userId: op.id }).expect(201);
    seal = { sealId, operator: op.token, admin };
  }, 180_000);
  afterAll(async () => {
    await svc?.close();
    await rm(work, { recursive: true, force: true });
  });

  const sign = async (query: string) =>
    (await binary(api().post(`/v1/seals/${seal.sealId}/sign?${query}`).set(bearer(seal.operator)).set('Content-Type', 'application/pdf'))
      .send(Buffer.from(await basicPdf({ pages: 1 }))).expect(200)).body as Buffer;

  it('the SESeal: the seal maker signature verifies', async (t) => {
    if (!judge) return t.skip();
    const der = (await binary(api().get(`/v1/seals/${seal.sealId}/seseal.der`).set(bearer(seal.admin))).expect(200)).body as Buffer;
    expect(await bc('seseal', await file(der))).toBe('VERIFIED');
    // One bit of the picture changed: the maker signature no longer covers it.
    const bad = Buffer.from(der);
    bad[Math.floor(bad.length / 2)]! ^= 0x01;
    expect(await bc('seseal', await file(bad))).toMatch(/^FAILED/);
  });

  it('an SES_Signature in a sealed PDF (B-T): dataHash over the ByteRange bytes, signature, SESeal, time-stamp', async (t) => {
    if (!judge) return t.skip();
    const { contents, signed } = lastSignature(await sign('x=60&y=80&level=B-T'));
    expect(await bc('ses', await file(contents), await file(signed))).toBe('VERIFIED');
    const tampered = Buffer.from(signed);
    tampered[100]! ^= 0x01;
    expect(await bc('ses', await file(contents), await file(tampered))).toBe('FAILED dataHash');
  });

  it('an SM2 CMS (format=cms) over the ByteRange bytes', async (t) => {
    if (!judge) return t.skip();
    const { contents, signed } = lastSignature(await sign('x=60&y=80&level=B-T&format=cms'));
    expect(await bc('cms', await file(contents), await file(signed))).toBe('VERIFIED');
    const tampered = Buffer.from(signed);
    tampered[100]! ^= 0x01;
    expect(await bc('cms', await file(contents), await file(tampered))).toBe('FAILED');
  });
});
