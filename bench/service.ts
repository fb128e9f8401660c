/**
 * The service for the bench's HTTP rows, run as a child process of bench/run.ts (so the client's timing loop and
 * the server do not share an event loop): the whole service (CA, register, HTTP app) on embedded PGlite, as
 * `npm start` runs it, listening on 127.0.0.1. It sets up one unit with an approved seal and an operator, then
 * prints one JSON line: { port, sealId, operator, ocspPath } and serves until it is killed.
 *
 * The per-client rate limits are raised (SEAL_RATE_LIMIT_PER_MINUTE, SEAL_PKI_RATE_LIMIT_PER_MINUTE): the bench is
 * one client sending thousands of requests, which the defaults (600 and 60,000 a minute) would refuse; and the body limit (SEAL_MAX_BODY_BYTES,
 * 50 MiB by default) to 64 MiB, so the 50 MB file fits.
 */
import { createServer } from 'node:http';
import { FixedClock } from '../src/clock.js';
import { parseCertificate } from '../src/verify/certificate.js';
import { ocspRequestFor } from '../src/verify/revocation.js';
import { creditCodeCheckCharacter } from '../src/ca/credit-code.js';
import { storageAdapters } from '../test/helpers/storage.js';
import { bearer, makeUser, testService } from '../test/helpers/service.js';
import request from 'supertest';

const first17 = '114401000000000' + '42';
const code = first17 + creditCodeCheckCharacter(first17);
const db = await storageAdapters()[0]!.open();
const svc = await testService(db, {
  clock: new FixedClock(new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000)),
  env: { SEAL_RATE_LIMIT_PER_MINUTE: '1000000000', SEAL_PKI_RATE_LIMIT_PER_MINUTE: '1000000000', SEAL_MAX_BODY_BYTES: String(64 << 20) },
});
const api = () => request(svc.app);
const muni = (await makeUser(db, 'municipal-admin')).token;
const unitId = (await api().post('/v1/units').set(bearer(muni)).send({ name: '广州市基准测试局', code }).expect(201)).body.id;
const admin = (await api().post(`/v1/units/${unitId}/users`).set(bearer(muni)).send({ name: 'admin', role: 'unit-admin' }).expect(201)).body.token;
const op = (await api().post(`/v1/units/${unitId}/users`).set(bearer(admin)).send({ name: 'op', role: 'operator' }).expect(201)).body;
const appId = (await api().post('/v1/seal-applications').set(bearer(admin))
  .send({ unitId, template: 'round-official', text: '广州市基准测试局', physicalSealRef: 'bench', purpose: 'benchmark' }).expect(201)).body.id;
const sealId = (await api().post(`/v1/seal-applications/${appId}/approve`).set(bearer(muni)).expect(201)).body.sealId;
await api().post(`/v1/seals/${sealId}/operators`).set(bearer(admin)).send({ userId: op.id }).expect(201);

// An OCSP request for the seal's certificate, as a relying party sends it in the GET form (RFC 6960 A.1).
const pemToDer = (pem: string) => [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)]
  .map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
const sealCert = pemToDer((await api().get(`/v1/seals/${sealId}/certificate.pem`).set(bearer(op.token)).expect(200)).text)[0]!;
const issuer = pemToDer((await api().get('/ca/chain.pem').expect(200)).text)[0]!;
const ocspDer = ocspRequestFor(parseCertificate(sealCert), parseCertificate(issuer));
// The base64 as most clients send it: '/' and '+' not percent-encoded (the service takes both spellings).
const ocspPath = `/ocsp/${ocspDer.toString('base64')}`;
await api().get(ocspPath).expect(200);

const server = createServer(svc.app).listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(JSON.stringify({ port, sealId, operator: op.token, ocspPath }) + '\n');
});
const stop = () => server.close(() => void svc.close().finally(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
