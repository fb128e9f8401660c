import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { toPem } from '../../src/asn1/pem.js';

/**
 * What an OCSP client hears from a running service about a certificate: openssl builds the request,
 * the service answers at POST /ocsp (over `app`, or over real HTTP at `baseUrl`), openssl reads the
 * status ("good", "revoked", "unknown").
 */
export async function ocspStatus(
  target: { app?: Parameters<typeof request>[0]; baseUrl?: string },
  cert: Uint8Array,
  issuer: Uint8Array,
  /** 'get': GET /ocsp/{base64}, the base64 as it is ('/' and '+' unencoded, as most clients send it). */
  method: 'post' | 'get' = 'post',
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ocsp-'));
  writeFileSync(join(dir, 'cert.pem'), toPem(cert));
  writeFileSync(join(dir, 'issuer.pem'), toPem(issuer));
  const mk = spawnSync('openssl', ['ocsp', '-issuer', join(dir, 'issuer.pem'), '-cert', join(dir, 'cert.pem'), '-no_nonce', '-reqout', join(dir, 'req.der')], { encoding: 'utf8' });
  if (mk.status !== 0) throw new Error(mk.stderr);
  const body = readFileSync(join(dir, 'req.der'));
  let der: Buffer;
  if (target.app && method === 'get') {
    const res = await request(target.app).get(`/ocsp/${body.toString('base64')}`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    der = res.body as Buffer;
  } else if (target.app) {
    const res = await request(target.app)
      .post('/ocsp')
      .set('Content-Type', 'application/ocsp-request')
      .send(body)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    der = res.body as Buffer;
  } else if (method === 'get') {
    const res = await fetch(`${target.baseUrl}/ocsp/${body.toString('base64')}`, { signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`GET /ocsp answered ${res.status}`);
    der = Buffer.from(await res.arrayBuffer());
  } else {
    const res = await fetch(`${target.baseUrl}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body, signal: AbortSignal.timeout(10_000) });
    der = Buffer.from(await res.arrayBuffer());
  }
  writeFileSync(join(dir, 'resp.der'), der);
  const read = spawnSync('openssl', ['ocsp', '-respin', join(dir, 'resp.der'), '-issuer', join(dir, 'issuer.pem'), '-cert', join(dir, 'cert.pem'), '-noverify'], { encoding: 'utf8' });
  // (a test clock in the past makes openssl warn about the validity times first; the status follows)
  const m = /cert\.pem: (?:WARNING[^\n]*\n(?:[^\n]*\n)*?\s*)?(good|revoked|unknown)\b/.exec(read.stdout);
  if (!m) throw new Error(`no status in the OCSP answer: ${read.stdout}${read.stderr}`);
  return m[1]!;
}
