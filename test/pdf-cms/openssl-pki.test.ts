import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  issueCert, makeTestPki, nssDbTrusting, opensslCrl, opensslOcsp, runTool, type TestPki,
} from '../helpers/openssl-pki.js';

let pki: TestPki;
let work: string;
beforeAll(async () => {
  pki = await makeTestPki();
  work = await mkdtemp(join(tmpdir(), 'pdf-cms-pki-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const text = async (args: string[]) => {
  const r = await runTool('openssl', args);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.toString('utf8');
};

describe('test PKI (openssl CLI)', () => {
  it('every certificate chains to the root, with the profile its role needs', async () => {
    const certs = [pki.leafP256, pki.leafRsa, pki.ocsp, pki.tsa].map((c) => c.certPath);
    const out = await text(['verify', '-CAfile', pki.rootPath, '-untrusted', pki.intermediate.certPath, ...certs]);
    expect(out.match(/: OK/g)).toHaveLength(4);
    const leaf = await text(['x509', '-in', pki.leafP256.certPath, '-noout', '-text']);
    expect(leaf).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect(leaf).toMatch(/Extended Key Usage:\s+1\.3\.6\.1\.5\.5\.7\.3\.36, E-mail Protection/);
    expect(leaf).toContain('Not Before: Jan  1 00:00:00 2025 GMT');
    expect(await text(['x509', '-in', pki.leafRsa.certPath, '-noout', '-text'])).toContain('Public-Key: (2048 bit)');
    expect(await text(['x509', '-in', pki.root.certPath, '-noout', '-text'])).toContain('NIST CURVE: P-384');
    expect(await text(['x509', '-in', pki.tsa.certPath, '-noout', '-text'])).toMatch(/Extended Key Usage: critical\s+Time Stamping/);
    const ocsp = await text(['x509', '-in', pki.ocsp.certPath, '-noout', '-text']);
    expect(ocsp).toMatch(/Extended Key Usage: critical\s+OCSP Signing/);
    expect(ocsp).toContain('OCSP No Check');
    expect(pki.leafP256.chain).toEqual([pki.intermediate.certDer]);
  });

  it('makeTestPki(dir) reuses a complete PKI made by an earlier process', async () => {
    const dir = join(work, 'persistent');
    const a = await makeTestPki(dir);
    const helper = new URL('../helpers/openssl-pki.ts', import.meta.url).pathname;
    const r = await runTool(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
      `const m = await import(${JSON.stringify(helper)}); const p = await m.makeTestPki(${JSON.stringify(dir)}); ` +
      `process.stdout.write(p.root.certDer.toString('hex') + ' ' + p.leafRsa.keyAlgorithm + ' ' + p.leafP256.chain.length)`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe(`${a.root.certDer.toString('hex')} RSA 1`);
  });

  it('issueCert makes other leaves, e.g. expired, with OCSP/CRL URLs', async () => {
    const c = await issueCert(pki, {
      name: 'expired-seal', subject: '/C=CN/O=单位/CN=过期印章', notBefore: '20200101000000Z', notAfter: '20210101000000Z',
      ocspUrl: 'http://127.0.0.1:9/ocsp', crlUrl: 'http://127.0.0.1:9/crl/x.crl',
    });
    const t = await text(['x509', '-in', c.certPath, '-noout', '-text', '-nameopt', 'utf8']);
    expect(t).toContain('OCSP - URI:http://127.0.0.1:9/ocsp');
    expect(t).toContain('URI:http://127.0.0.1:9/crl/x.crl');
    expect(t).toContain('过期印章');
    expect(t).toContain('Not After : Jan  1 00:00:00 2021 GMT');
  });

  it('opensslOcsp answers good and revoked, verifiable by openssl against the root', async () => {
    for (const revoked of [undefined, { at: new Date('2026-03-01T00:00:00Z'), reason: 'keyCompromise' as const }]) {
      const resp = await opensslOcsp(pki, pki.leafP256.certDer, pki.intermediate.certDer, revoked);
      const p = join(work, `ocsp-${revoked ? 'r' : 'g'}.der`);
      await writeFile(p, resp);
      const r = await runTool('openssl', ['ocsp', '-respin', p, '-CAfile', pki.rootPath, '-issuer', pki.intermediate.certPath,
        '-cert', pki.leafP256.certPath, '-resp_text']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('Response verify OK');
      const out = r.stdout.toString();
      if (revoked) {
        expect(out).toMatch(/: revoked/);
        expect(out).toContain('Revocation Reason: keyCompromise');
        expect(out).toContain('Revocation Time: Mar  1 00:00:00 2026 GMT');
      } else {
        expect(out).toMatch(/: good/);
        expect(out).toContain('Responder Id: C = CN, O = Test Municipal Office, CN = Test OCSP Responder');
      }
    }
    const root = await opensslOcsp(pki, pki.intermediate.certDer, pki.root.certDer);
    const p = join(work, 'ocsp-root.der');
    await writeFile(p, root);
    expect(await text(['ocsp', '-respin', p, '-resp_text', '-noverify'])).toContain('Responder Id: C = CN, O = Test Municipal Office, CN = Test Seal Root CA');
  });

  it('opensslCrl lists exactly the revoked certificates and verifies against its issuer', async () => {
    const crl = await opensslCrl(pki, { revoked: [{ certDer: pki.leafRsa.certDer, at: new Date('2026-02-01T00:00:00Z'), reason: 'superseded' }] });
    const p = join(work, 'x.crl');
    await writeFile(p, crl);
    const r = await runTool('openssl', ['crl', '-inform', 'DER', '-in', p, '-CAfile', pki.chainPath, '-noout', '-text']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('verify OK');
    const out = r.stdout.toString();
    expect(out).toContain(`Serial Number: ${pki.leafRsa.serialHex.toUpperCase()}`);
    expect(out).toContain('Superseded');
    expect(out.match(/Serial Number:/g)).toHaveLength(1);
    const empty = await opensslCrl(pki, { issuer: 'root' });
    await writeFile(p, empty);
    expect(await text(['crl', '-inform', 'DER', '-in', p, '-noout', '-text'])).toContain('No Revoked Certificates');
  });

  it('nssDbTrusting makes an NSS database with the root as a trusted CA', async () => {
    const dir = await nssDbTrusting(pki.root.certPem);
    const r = await runTool('certutil', ['-L', '-d', `sql:${dir}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toMatch(/root\s+CT,C,C/);
    expect(await nssDbTrusting(pki.root.certPem)).toBe(dir); // cached
  });
});
