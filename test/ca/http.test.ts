import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPem } from '../../src/asn1/pem.js';
import { FixedClock } from '../../src/clock.js';
import { authenticate } from '../../src/http/auth.js';
import { problemHandler } from '../../src/http/problem.js';
import { pkiFront } from '../../src/http/pki-front.js';
import { tsaRoutes } from '../../src/http/routes/tsa.js';
import { pino } from 'pino';
import { notFound } from '../../src/errors.js';
import type { Db } from '../../src/store/db.js';
import { bearer, makeUser } from '../helpers/service.js';
import { storageAdapters } from '../helpers/storage.js';
import { caFixture, imageHash, sealKey, UNIT, type CaFixture } from './support.js';

const MALFORMED = Buffer.from('30030a0101', 'hex'); // OCSPResponse { responseStatus malformedRequest }

describe.each(storageAdapters())('CA over HTTP on $name, judged by openssl', (adapter) => {
  let db: Db;
  let f: CaFixture;
  let server: Server;
  let url: string;
  let app: RequestListener;
  let token: string;
  const clock = new FixedClock(new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000));

  beforeAll(async () => {
    db = await adapter.open();
    // Listen first: the CA writes this server's URL into its certificates (AIA, CRL DP).
    server = createServer((req, res) => app(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    f = await caFixture(db, clock, url);
    // As the service listens: the plain node:http PKI front, then Express for the rest (here the TSA).
    const rest = express();
    rest.use(authenticate(db));
    rest.use(tsaRoutes({ ca: f.ca }));
    rest.use((_req, _res, next) => next(notFound('not-found', 'No such resource.')));
    rest.use(problemHandler);
    app = pkiFront({ ca: f.ca, clock, logger: pino({ level: 'silent' }), perMinute: 100_000, trustProxy: [] }, rest);
    token = (await makeUser(db, 'platform')).token;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    f.cleanup();
    await db.close();
  });

  it('serves the root, the chain and CA certificates', async () => {
    const root = await request(app).get('/ca/root.pem').expect(200);
    expect(root.headers['content-type']).toMatch(/application\/x-pem-file/);
    expect(root.text).toBe(f.ca.rootPem());
    const chain = await request(app).get('/ca/chain.pem').expect(200);
    expect(chain.text).toBe(toPem(f.ca.issuingCertificate) + toPem(f.ca.rootCertificate));
    const cer = await request(app).get('/ca/certs/issuing.cer').buffer(true).parse(binary).expect(200);
    expect(cer.headers['content-type']).toBe('application/pkix-cert');
    expect(cer.body).toEqual(f.ca.issuingCertificate);
  });

  it('unknown CA ids and odd names are clean 404 problems', async () => {
    for (const path of ['/ca/crl/nope.crl', '/ca/crl/issuing.pem', '/ca/crl/..%2Fx.crl', '/ca/certs/nope.cer', '/ca/certs/x', `/ca/crl/${'a'.repeat(300)}.crl`]) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
  });

  it('openssl ocsp: good, then revoked after revocation (with time and reason); nonce echoed; responder signature OK', async () => {
    const issued = await f.ca.issueSealCertificate({ publicKeySpki: sealKey(), ...UNIT, sealName: '合同专用章', imageHash: imageHash('c') });
    const seal = f.file('seal.pem', toPem(issued.certificate));
    const ask = (extra: string[] = []) =>
      f.openssl(['ocsp', '-issuer', f.issuingPath, '-cert', seal, '-url', `${url}/ocsp`, '-CAfile', f.rootPath, ...extra]);
    const good = await ask();
    expect(good.out).toMatch(/Response verify OK/);
    expect(good.out).toMatch(/seal\.pem: good/);
    expect(good.out).not.toMatch(/WARNING/); // openssl warns when the nonce is missing or differs
    // Without a nonce, the answer comes from the cache: byte for byte the same.
    const a = await ask(['-no_nonce', '-respout', 'a.der']);
    const b = await ask(['-no_nonce', '-respout', 'b.der']);
    expect(a.out).toMatch(/good/);
    expect(b.out).toMatch(/good/);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${f.dir}/a.der`)).toEqual(readFileSync(`${f.dir}/b.der`));

    clock.advance(5000);
    await f.ca.revoke(issued.serial, 'keyCompromise');
    for (const extra of [[], ['-no_nonce']]) {
      const revoked = await ask(extra);
      expect(revoked.out).toMatch(/Response verify OK/);
      expect(revoked.out).toMatch(/seal\.pem: revoked/);
      expect(revoked.out).toMatch(/Reason: keyCompromise/);
      expect(revoked.out).toMatch(/Revocation Time:/);
    }
    // and the CRL over HTTP says the same
    const crl = await request(app).get('/ca/crl/issuing.crl').buffer(true).parse(binary).expect(200);
    expect(crl.headers['content-type']).toBe('application/pkix-crl');
    const chain = f.file('chain.pem', toPem(f.ca.issuingCertificate) + toPem(f.ca.rootCertificate));
    const text = await f.openssl(['crl', '-inform', 'DER', '-in', f.file('http.crl', crl.body as Buffer), '-CAfile', chain, '-noout', '-text']);
    expect(text.out).toMatch(/verify OK/);
    expect(text.out).toContain(issued.serial.toUpperCase());
  });

  it('OCSP GET form, unknown serials, and department sub-CAs signing their own answers', async () => {
    const issued = await f.ca.issueSealCertificate({ publicKeySpki: sealKey(), ...UNIT, sealName: '发票专用章', imageHash: imageHash('g') });
    const seal = f.file('g.pem', toPem(issued.certificate));
    await f.openssl(['ocsp', '-issuer', f.issuingPath, '-cert', seal, '-no_nonce', '-reqout', 'req.der']);
    const { readFileSync } = await import('node:fs');
    const b64 = readFileSync(`${f.dir}/req.der`).toString('base64');
    for (const path of [`/ocsp/${encodeURIComponent(b64)}`, `/ocsp/${b64}`]) {
      const res = await request(app).get(path).buffer(true).parse(binary).expect(200);
      expect(res.headers['content-type']).toBe('application/ocsp-response');
      const check = await f.openssl(['ocsp', '-respin', f.file('get.der', res.body as Buffer), '-issuer', f.issuingPath, '-cert', seal, '-CAfile', f.rootPath]);
      expect(check.out).toMatch(/Response verify OK/);
      expect(check.out).toMatch(/g\.pem: good/);
    }
    const unknown = await f.openssl(['ocsp', '-issuer', f.issuingPath, '-serial', '0x1234567890ABCDEF', '-url', `${url}/ocsp`, '-CAfile', f.rootPath]);
    expect(unknown.out).toMatch(/Response verify OK/);
    expect(unknown.out).toMatch(/0x1234567890ABCDEF: unknown/);

    const dept = await f.ca.ensureDepartmentCa(UNIT);
    const deptPath = f.file('dept.pem', toPem(dept.certificate));
    const ds = await f.ca.issueSealCertificate({ publicKeySpki: sealKey(), ...UNIT, sealName: '人事科', imageHash: imageHash('h'), issuerCaId: dept.caId });
    const dsPath = f.file('ds.pem', toPem(ds.certificate));
    const r = await f.openssl(['ocsp', '-issuer', deptPath, '-cert', dsPath, '-url', `${url}/ocsp`, '-CAfile', f.rootPath]);
    expect(r.out).toMatch(/Response verify OK/);
    expect(r.out).toMatch(/ds\.pem: good/);
  });

  it("GET /ocsp/{request} with the base64's '/' and '+' unencoded (as clients send it), percent-encoded, or URL-safe: openssl reads the answer; RFC 5019 cache headers; revocation seen at once", async () => {
    // Serials are random: issue until one request's base64 has both '/' and '+' in it.
    const { readFileSync } = await import('node:fs');
    let seal = '';
    let b64 = '';
    let serial = '';
    for (let i = 0; i < 30 && !(b64.includes('/') && b64.includes('+')); i++) {
      const issued = await f.ca.issueSealCertificate({ publicKeySpki: sealKey(), ...UNIT, sealName: `专用章${i}`, imageHash: imageHash('s') });
      seal = f.file('slash.pem', toPem(issued.certificate));
      serial = issued.serial;
      await f.openssl(['ocsp', '-issuer', f.issuingPath, '-cert', seal, '-no_nonce', '-reqout', 'slash.der']);
      b64 = readFileSync(`${f.dir}/slash.der`).toString('base64');
    }
    expect(b64).toContain('/');
    expect(b64).toContain('+');
    const judge = async (der: Buffer) => {
      const r = await f.openssl(['ocsp', '-respin', f.file('slash-resp.der', der), '-issuer', f.issuingPath, '-cert', seal, '-CAfile', f.rootPath]);
      expect(r.out).toMatch(/Response verify OK/);
      return /slash\.pem: (good|revoked|unknown)/.exec(r.out)?.[1];
    };
    const spellings = [b64, encodeURIComponent(b64), b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), b64.replace(/\//g, '%2f')];
    const answers: Buffer[] = [];
    for (const spelling of spellings) {
      const res = await request(app).get(`/ocsp/${spelling}`).buffer(true).parse(binary);
      expect(res.status, spelling).toBe(200);
      expect(res.headers['content-type']).toBe('application/ocsp-response');
      expect(await judge(res.body as Buffer)).toBe('good');
      answers.push(res.body as Buffer);
      // RFC 5019 6.2: a public, bounded max-age, and validators
      const maxAge = Number(/^public, max-age=(\d+), no-transform, must-revalidate$/.exec(res.headers['cache-control'] ?? '')?.[1]);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge).toBeLessThanOrEqual(f.ca.policy.ocsp.cacheSeconds);
      expect(new Date(res.headers['last-modified']!).getTime()).toBeLessThanOrEqual(clock.now().getTime());
      expect(new Date(res.headers['expires']!).getTime()).toBeGreaterThan(clock.now().getTime());
      expect(res.headers['etag']).toMatch(/^"[0-9a-f]{40}"$/);
    }
    // the same request, however spelt, is one answer, signed once
    for (const a of answers) expect(a).toEqual(answers[0]);
    const etag = (await request(app).get(`/ocsp/${b64}`)).headers['etag']!;
    await request(app).get(`/ocsp/${b64}`).set('If-None-Match', etag).expect(304);
    // POST answers and answers about certificates we do not know are not for HTTP caches
    const post = await request(app).post('/ocsp').set('Content-Type', 'application/ocsp-request').send(readFileSync(`${f.dir}/slash.der`));
    expect(post.headers['cache-control']).toBe('no-store');
    await f.openssl(['ocsp', '-issuer', f.issuingPath, '-serial', '0x0123456789ABCDEF01', '-no_nonce', '-reqout', 'unknown.der']);
    const unknown = await request(app).get(`/ocsp/${readFileSync(`${f.dir}/unknown.der`).toString('base64')}`);
    expect(unknown.headers['cache-control']).toBe('no-store');

    clock.advance(2000);
    await f.ca.revoke(serial, 'cessationOfOperation');
    // at once: the answer kept in memory is gone, whichever spelling asks
    for (const spelling of spellings) {
      const res = await request(app).get(`/ocsp/${spelling}`).buffer(true).parse(binary).expect(200);
      expect(await judge(res.body as Buffer)).toBe('revoked');
    }
    await request(app).get(`/ocsp/${b64}`).set('If-None-Match', etag).expect(200);
  });

  it('PKI endpoints have their own per-address limit: 429 problem with Retry-After past it, other addresses unaffected', async () => {
    const front = (trustProxy: string[]) =>
      pkiFront({ ca: f.ca, clock, logger: pino({ level: 'silent' }), perMinute: 5, trustProxy }, (_req, res) => {
        res.statusCode = 404;
        res.end();
      });
    // this host is the proxy in front of the service, named in SEAL_TRUST_PROXY
    const limited = front(['127.0.0.1', '::1']);
    const unproxied = front([]);
    // one window of the test clock, whatever minute it is in
    const fresh = Math.ceil(clock.now().getTime() / 60_000) * 60_000 - clock.now().getTime();
    clock.advance(fresh);
    for (let i = 0; i < 5; i++) await request(limited).get(i % 2 ? '/ca/root.pem' : '/ca/crl/issuing.crl').expect(200);
    const refused = await request(limited).get('/ca/root.pem').expect(429);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body.type).toBe('urn:e-seal:problem:rate-limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await request(limited).post('/ocsp').set('Content-Type', 'application/ocsp-request').send(Buffer.from('3000', 'hex')).expect(429);
    // behind a proxy named in SEAL_TRUST_PROXY, the forwarded address is the client
    await request(limited).get('/ca/root.pem').set('X-Forwarded-For', '198.51.100.7').expect(200);
    // from anyone else, X-Forwarded-For is ignored: a spoofed header does not make a new client
    for (let i = 0; i < 5; i++) await request(unproxied).get('/ca/root.pem').set('X-Forwarded-For', `198.51.100.${i}`).expect(200);
    await request(unproxied).get('/ca/root.pem').set('X-Forwarded-For', '198.51.100.99').expect(429);
    // anything else is not counted here: it goes on to the app
    await request(limited).get('/v1/units').expect(404);
    clock.advance(60_000);
    await request(limited).get('/ca/root.pem').expect(200);
  });

  it('malformed, truncated and random OCSP requests get malformedRequest, never a 500', async () => {
    await f.openssl(['ocsp', '-issuer', f.issuingPath, '-serial', '0x01', '-reqout', 'r1.der']);
    const { readFileSync } = await import('node:fs');
    const good = readFileSync(`${f.dir}/r1.der`);
    const bodies = [Buffer.alloc(0), good.subarray(0, good.length - 5), Buffer.from([0x30, 0x80, 0, 0]), Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff])];
    let seed = 7;
    for (let i = 0; i < 40; i++) {
      const len = 1 + (i * 37) % 300;
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
      if (i % 2) b[0] = 0x30;
      bodies.push(b);
    }
    for (const body of bodies) {
      const res = await request(app).post('/ocsp').set('Content-Type', 'application/ocsp-request').send(body).buffer(true).parse(binary);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/ocsp-response');
      expect(res.body).toEqual(MALFORMED);
    }
    for (const path of ['/ocsp/%%%', '/ocsp/AAAA', '/ocsp/not-base64!']) {
      const res = await request(app).get(path).buffer(true).parse(binary);
      expect([200, 400]).toContain(res.status);
      if (res.status === 200) expect(res.body).toEqual(MALFORMED);
    }
    const wrongType = await request(app).post('/ocsp').set('Content-Type', 'text/plain').send('hello');
    expect(wrongType.status).toBe(415);
    const big = await request(app).post('/ocsp').set('Content-Type', 'application/ocsp-request').send(Buffer.alloc(70 * 1024, 0x30));
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('POST /tsa: authenticated; openssl ts -query | POST | openssl ts -verify succeeds; junk gets rejection', async () => {
    const data = f.file('doc.bin', Buffer.from('the document'));
    const q = await f.openssl(['ts', '-query', '-data', data, '-sha256', '-cert']);
    await request(app).post('/tsa').set('Content-Type', 'application/timestamp-query').send(q.stdout).expect(401);
    const res = await request(app).post('/tsa').set(bearer(token)).set('Content-Type', 'application/timestamp-query').send(q.stdout).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('application/timestamp-reply');
    const reply = f.file('http.tsr', res.body as Buffer);
    const v = await f.openssl(['ts', '-verify', '-data', data, '-in', reply, '-CAfile', f.rootPath, '-untrusted', f.issuingPath]);
    expect(v.out).toMatch(/Verification: OK/);

    for (const junk of [Buffer.alloc(0), q.stdout.subarray(0, 20), Buffer.from('30050201010500', 'hex'), Buffer.from('garbage')]) {
      const r = await request(app).post('/tsa').set(bearer(token)).set('Content-Type', 'application/timestamp-query').send(junk).buffer(true).parse(binary);
      expect(r.status).toBe(200);
      const text = await f.openssl(['ts', '-reply', '-in', f.file('j.tsr', r.body as Buffer), '-text']);
      expect(text.out).toMatch(/Status: Rejected/);
    }
    const wrongType = await request(app).post('/tsa').set(bearer(token)).set('Content-Type', 'application/json').send('{}');
    expect(wrongType.status).toBe(415);
    const big = await request(app).post('/tsa').set(bearer(token)).set('Content-Type', 'application/timestamp-query').send(Buffer.alloc(65 * 1024 + 1));
    expect(big.status).toBe(413);
  });
});

type BodyParser = Extract<Parameters<request.Test['parse']>[0], (res: never, cb: never) => void>;

/** supertest: collect a binary body into a Buffer. */
const binary = ((res: NodeJS.ReadableStream, cb: (err: Error | null, body: Buffer) => void): void => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}) as unknown as BodyParser;
