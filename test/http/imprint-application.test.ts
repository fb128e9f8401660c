import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter } from '../../src/ca/credit-code.js';
import { readSealImageBinding } from '../../src/ca/seal-image-binding.js';
import { imageHashOfPng } from '../../src/render/index.js';
import type { Db } from '../../src/store/db.js';
import { GOOD_CASES, makeScan } from '../imprint/make-corpus.js';
import { storageAdapters } from '../helpers/storage.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';

const first17 = '11440100000000777';
const CODE = first17 + creditCodeCheckCharacter(first17);

/** Issue 8 through HTTP: an application carries the image extracted from a scan; approval binds exactly that image. */
describe('seal applications with an imprint scan', () => {
  let db: Db;
  let svc: TestService;
  let muni: string;
  let admin: string;
  let unitId: string;
  const api = () => request(svc.app);

  beforeAll(async () => {
    db = await storageAdapters()[0]!.open();
    svc = await testService(db);
    muni = (await makeUser(db, 'municipal-admin')).token;
    unitId = (await api().post('/v1/units').set(bearer(muni)).send({ name: '某某市人民政府办公室', code: CODE }).expect(201)).body.id;
    admin = (await api().post(`/v1/units/${unitId}/users`).set(bearer(muni)).send({ name: 'a', role: 'unit-admin' }).expect(201)).body.token;
  });
  afterAll(async () => svc.close());

  const apply = async () =>
    (
      await api()
        .post('/v1/seal-applications')
        .set(bearer(admin))
        .send({ unitId, template: 'round-official', text: '某某市人民政府办公室', physicalSealRef: '备案-8', purpose: '按实物印章制作' })
        .expect(201)
    ).body.id as string;

  it('extracts the seal, shows the report, and binds the extracted image into the certificate', async () => {
    const c = GOOD_CASES.find((x) => x.template === 'round-official')!;
    const scan = await makeScan({ ...c, text: '某某市人民政府办公室' });
    const appId = await apply();
    const res = await api()
      .post(`/v1/seal-applications/${appId}/imprint?diameterMm=42`)
      .set(bearer(admin))
      .set('Content-Type', c.format === 'jpeg' ? 'image/jpeg' : `image/${c.format}`)
      .send(scan)
      .expect(200);
    expect(res.body.imprint.report).toMatchObject({ inkCoverage: expect.any(Number), confidence: expect.any(Number) });
    expect(Math.abs(res.body.imprint.sizeMm.width - 42)).toBeLessThan(0.5);
    const shown = await api().get(`/v1/seal-applications/${appId}/image.png`).set(bearer(muni)).expect(200);
    expect((await imageHashOfPng(shown.body)).toString('hex')).toBe(res.body.imprint.imageSha256);

    const { sealId } = (await api().post(`/v1/seal-applications/${appId}/approve`).set(bearer(muni)).expect(201)).body;
    const seal = (await api().get(`/v1/seals/${sealId}`).set(bearer(muni)).expect(200)).body;
    expect(seal.imageSha256).toBe(res.body.imprint.imageSha256);
    const der = Buffer.from(seal.certificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    expect(readSealImageBinding(der)!.hash.toString('hex')).toBe(res.body.imprint.imageSha256);
  });

  it('refuses a blank scan with 422 and changes nothing', async () => {
    const appId = await apply();
    const sharp = (await import('sharp')).default;
    const blank = await sharp({ create: { width: 800, height: 800, channels: 3, background: '#f4f1e8' } }).png().toBuffer();
    const res = await api().post(`/v1/seal-applications/${appId}/imprint?diameterMm=42`).set(bearer(admin)).set('Content-Type', 'image/png').send(blank).expect(422);
    expect(res.body.type).toBe('urn:e-seal:problem:no-seal-found');
    const app = (await api().get(`/v1/seal-applications/${appId}`).set(bearer(admin)).expect(200)).body;
    expect(app.imprint).toBeNull();
  });
});
