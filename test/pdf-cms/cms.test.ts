import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import {
  buildPadesCms, estimateCmsSize, parseTimestampToken, signatureTimestampTokenOf, signatureValueOf, trimCmsPadding,
  type CmsSigner,
} from '../../src/pdf/cms.js';
import {
  issueCert, makeTestPki, opensslTimestamper, runTool, signerFor, type TestCert, type TestPki,
} from '../helpers/openssl-pki.js';

let pki: TestPki;
let work: string;
let leafP384: TestCert;

beforeAll(async () => {
  pki = await makeTestPki();
  work = await mkdtemp(join(tmpdir(), 'pdf-cms-'));
  leafP384 = await issueCert(pki, { name: 'leaf-p384', subject: '/C=CN/O=Test Unit Three/CN=测试单位三 Seal P-384', keyAlgorithm: 'ECDSA-P384' });
});
afterAll(() => rm(work, { recursive: true, force: true }));

let fileNo = 0;
async function scratch(data: Uint8Array | string, ext = 'bin'): Promise<string> {
  const p = join(work, `f${fileNo++}.${ext}`);
  await writeFile(p, data);
  return p;
}

/** openssl cms -verify of a detached CMS over `content`, as TOOLS.md describes for PDF signatures. */
async function opensslVerify(cms: Buffer, content: Buffer) {
  return runTool('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', await scratch(cms), '-content',
    await scratch(content), '-CAfile', pki.rootPath, '-purpose', 'any', '-out', '/dev/null']);
}

async function cmsPrint(cms: Buffer): Promise<string> {
  const r = await runTool('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', await scratch(cms)]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.toString('utf8');
}

const hashOf = (s: CmsSigner, data: Buffer) =>
  createHash({ 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512', SM3: 'sm3' }[s.digest]).update(data).digest();

const cases: [string, () => CmsSigner][] = [
  ['P-256', () => signerFor(pki.leafP256)],
  ['RSA-2048', () => signerFor(pki.leafRsa)],
  ['P-384 / SHA-384', () => signerFor(leafP384)],
];

describe.each(cases)('buildPadesCms with a %s signer', (_name, makeSigner) => {
  it('is accepted by openssl cms -verify, carries signing-certificate-v2 and no signing-time', async () => {
    const signer = makeSigner();
    const content = randomBytes(5000);
    const cms = await buildPadesCms(hashOf(signer, content), signer);
    const r = await opensslVerify(cms, content);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Verification successful');

    const printed = await cmsPrint(cms);
    expect(printed).toContain('id-smime-aa-signingCertificateV2');
    expect(printed).toContain('contentType');
    expect(printed).toContain('messageDigest');
    expect(printed).not.toContain('signingTime');
    expect(printed).toMatch(/version: 1/);
    expect(printed).toContain('eContent: <ABSENT>');

    // Tampered content must fail.
    content[10]! ^= 1;
    expect((await opensslVerify(cms, content)).code).not.toBe(0);
  });

  it('with a time-stamp: openssl accepts the CMS and `openssl ts -verify` accepts the token over the signature value', async () => {
    const signer = makeSigner();
    const content = randomBytes(3000);
    const cms = await buildPadesCms(hashOf(signer, content), signer, opensslTimestamper(pki));
    const r = await opensslVerify(cms, content);
    expect(r.code, r.stderr).toBe(0);
    expect(await cmsPrint(cms)).toContain('id-smime-aa-timeStampToken');

    const token = signatureTimestampTokenOf(cms);
    expect(token).toBeDefined();
    const imprint = hashOf(signer, Buffer.from(signatureValueOf(cms)));
    expect(parseTimestampToken(token!).imprint.equals(imprint)).toBe(true);
    const ts = await runTool('openssl', ['ts', '-verify', '-token_in', '-in', await scratch(token!), '-digest',
      imprint.toString('hex'), '-CAfile', pki.rootPath, '-untrusted', pki.intermediate.certPath]);
    expect(ts.code, ts.stderr + ts.stdout.toString()).toBe(0);
    expect(ts.stdout.toString()).toContain('Verification: OK');
  });

  it('estimateCmsSize is an upper bound, at most a few hundred bytes above the real size', async () => {
    const signer = makeSigner();
    const ts = opensslTimestamper(pki);
    const trial = await ts(hashOf(signer, randomBytes(8)), signer.digest);
    const tokenBound = trial.length + 16; // tokens vary by a few bytes (TSA signature, serial)
    for (let i = 0; i < 8; i++) {
      const content = randomBytes(100);
      const plain = await buildPadesCms(hashOf(signer, content), signer);
      const stamped = await buildPadesCms(hashOf(signer, content), signer, ts);
      const e1 = estimateCmsSize(signer);
      const e2 = estimateCmsSize(signer, tokenBound);
      expect(plain.length).toBeLessThanOrEqual(e1);
      expect(e1 - plain.length).toBeLessThan(16);   // only the ECDSA DER length varies; RSA is exact
      expect(stamped.length).toBeLessThanOrEqual(e2);
      expect(e2 - stamped.length).toBeLessThan(64);
    }
  });
});

describe('CMS encoding', () => {
  it('is DER: openssl re-encodes it byte for byte', async () => {
    const signer = signerFor(pki.leafP256);
    const cms = await buildPadesCms(hashOf(signer, Buffer.from('x')), signer, opensslTimestamper(pki));
    const r = await runTool('openssl', ['cms', '-cmsout', '-inform', 'DER', '-outform', 'DER', '-in', await scratch(cms)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.equals(cms)).toBe(true);
  });

  it('a signer with the chain (and root) included is verified without -untrusted', async () => {
    const s = signerFor(pki.leafRsa);
    const signer: CmsSigner = { ...s, certificates: [...s.certificates, pki.root.certDer] };
    const content = Buffer.from('hello');
    const cms = await buildPadesCms(hashOf(signer, content), signer);
    expect((await opensslVerify(cms, content)).code).toBe(0);
    expect(estimateCmsSize(signer)).toBe(cms.length); // RSA: exact
  });

  it('trimCmsPadding removes the zero padding of a /Contents value', async () => {
    const signer = signerFor(pki.leafP256);
    const cms = await buildPadesCms(hashOf(signer, Buffer.from('y')), signer);
    const padded = Buffer.concat([cms, Buffer.alloc(300)]);
    expect(Buffer.from(trimCmsPadding(padded)).equals(cms)).toBe(true);
  });
});

describe('buildPadesCms refuses what it cannot sign correctly', () => {
  it('a digest of the wrong length', async () => {
    const signer = signerFor(pki.leafP256);
    await expect(buildPadesCms(Buffer.alloc(20), signer)).rejects.toMatchObject({ type: 'digest-length-mismatch' });
  });

  it('a signer whose declared key algorithm is not the certificate key', async () => {
    const signer: CmsSigner = { ...signerFor(pki.leafRsa), keyAlgorithm: 'ECDSA-P256' };
    await expect(buildPadesCms(Buffer.alloc(32), signer)).rejects.toBeInstanceOf(AppError);
    expect(() => estimateCmsSize(signer)).toThrow(AppError);
  });

  it('a time-stamp authority that returns a token for something else', async () => {
    const signer = signerFor(pki.leafP256);
    const real = opensslTimestamper(pki);
    const liar = (_imprint: Buffer, hash: CmsSigner['digest']) => real(randomBytes(32), hash);
    await expect(buildPadesCms(Buffer.alloc(32), signer, liar)).rejects.toMatchObject({ type: 'tsa-bad-token' });
  });

  it('a signer that returns ECDSA as r||s instead of DER', async () => {
    const s = signerFor(pki.leafP256);
    const signer: CmsSigner = { ...s, sign: async (d) => {
      const { sign } = await import('node:crypto');
      return sign('sha256', d, { key: pki.leafP256.keyPem, dsaEncoding: 'ieee-p1363' });
    } };
    await expect(buildPadesCms(Buffer.alloc(32), signer)).rejects.toMatchObject({ type: 'signer-misconfigured' });
  });

  it('a signer that returns an oversized signature', async () => {
    const signer: CmsSigner = { ...signerFor(pki.leafP256), sign: async () => Buffer.alloc(200) };
    await expect(buildPadesCms(Buffer.alloc(32), signer)).rejects.toMatchObject({ type: 'signer-misconfigured' });
  });
});
