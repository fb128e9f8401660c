/**
 * A body sent without the media type an operation takes is 415 naming the expected type and the one that came,
 * never an internal route name ("v1.seals.:id.sign"): sealing, verifying and extending take application/pdf.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { storageAdapters } from '../helpers/storage.js';

let svc: TestService;
let token: string;
beforeAll(async () => {
  svc = await testService(await storageAdapters()[0]!.open());
  token = (await makeUser(svc.ctx.db, 'municipal-admin')).token;
});
afterAll(() => svc?.close());

describe('415 names the media type', () => {
  it.each(['/v1/seals/00000000-0000-0000-0000-000000000000/sign?x=50&y=50', '/v1/verify', '/v1/extend'])('POST %s without Content-Type or with text/plain', async (path) => {
    const none = await request(svc.app).post(path).set(bearer(token)).send(Buffer.from('%PDF-1.7\n'));
    expect(none.status).toBe(415);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.body).toMatchObject({ type: 'urn:e-seal:problem:unsupported-media-type', field: 'headers.content-type', expected: ['application/pdf'] });
    expect(none.body.detail).toBe('The request body must be sent with Content-Type: application/pdf; this request sent no Content-Type.');
    const text = await request(svc.app).post(path).set(bearer(token)).set('Content-Type', 'text/plain').send('hello');
    expect(text.status).toBe(415);
    expect(text.body.detail).toBe('The request body must be sent with Content-Type: application/pdf; this request sent text/plain.');
    expect(text.body.detail).not.toMatch(/v1\./);
  });

  it('a JSON operation names application/json', async () => {
    const r = await request(svc.app).post('/v1/units').set(bearer(token)).set('Content-Type', 'text/plain').send('name=x');
    expect(r.status).toBe(415);
    expect(r.body.detail).toMatch(/^The request body must be sent with Content-Type: application\/json; this request sent text\/plain/);
  });
});
