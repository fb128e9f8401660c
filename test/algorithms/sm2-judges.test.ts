/**
 * Independent judges of our SM2: OpenSSL 3 (`-sigopt/-vfyopt distid:1234567812345678`) and BouncyCastle
 * (SM3withSM2 with the standard ID by default) check signatures made by the vault, and ours check theirs;
 * an SM2 certificate issued through the shared pkijs path is verified link by link by both.
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCertificate } from '../../src/asn1/certificate.js';
import { fromPem, toPem } from '../../src/asn1/pem.js';
import { describePublicKey } from '../../src/algorithms/public-key.js';
import { sm2VerifyPure } from '../../src/algorithms/sm2-pure.js';
import { randomSerial, type Signer } from '../../src/ca/cert.js';
import { issueCertificate } from '../../src/ca/issue.js';
import { fillName } from '../../src/ca/names.js';
import { loadCaPolicy } from '../../src/ca/profiles.js';
import { DbKeyVault } from '../../src/crypto/db-key-vault.js';
import { signWithKey } from '../../src/crypto/sign.js';
import type { Db } from '../../src/store/db.js';
import { parseCertificate } from '../../src/verify/certificate.js';
import { validateChain } from '../../src/verify/chain.js';
import { verifySignatureValue } from '../../src/verify/signature-algorithms.js';
import { runTool } from '../helpers/openssl-pki.js';
import { storageAdapters } from '../helpers/storage.js';
import { imageHash, UNIT } from '../ca/support.js';
import { haveJudges } from '../helpers/judges.js';

const ID = 'distid:1234567812345678';
const SM3_WITH_SM2 = '1.2.156.10197.1.501';
const JUDGE = new URL('./java/Sm2Judge.java', import.meta.url).pathname;
const BC = ['bcprov', 'bcpkix', 'bcutil'].map((j) => `/usr/share/java/${j}.jar`).join(':');

let work: string;
let n = 0;
const file = async (data: Uint8Array | string) => {
  const p = join(work, `f${n++}`);
  await writeFile(p, data);
  return p;
};
const openssl = async (args: string[]) => {
  const r = await runTool('openssl', args);
  return { code: r.code, out: r.stdout.toString() + r.stderr.toString() };
};
let hasJava = true;
/** How to run the judge: compiled once with javac when there is one, else through the source launcher. */
let judge = ['-cp', BC, JUDGE];
const bc = async (...args: string[]) => {
  const r = await runTool('java', [...judge, ...args]);
  expect(r.code, r.stderr.toString()).toBe(0);
  return r.stdout.toString().trim();
};

let db: Db;
let vault: DbKeyVault;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sm2-judges-'));
  db = await storageAdapters().find((a) => a.name === 'pglite')!.open();
  vault = new DbKeyVault(db, randomBytes(32));
  hasJava = haveJudges('java', 'bouncycastle'); // noted for the run's summary when missing; CI must have every judge
  if (hasJava) {
    const classes = join(work, 'classes');
    const javac = await runTool('javac', ['-cp', BC, '-d', classes, JUDGE]).catch(() => null);
    if (javac?.code === 0) judge = ['-cp', `${classes}:${BC}`, 'Sm2Judge'];
  }
});
afterAll(async () => {
  await db.close();
  await rm(work, { recursive: true, force: true });
});

describe('SM2 signatures judged by OpenSSL and BouncyCastle', () => {
  it('the vault signs SM2 that OpenSSL verifies with the standard ID (and not with the empty ID)', async () => {
    const { keyId, publicKeySpki } = await vault.generate('SM2', { purpose: 'test' });
    expect(await vault.algorithm(keyId)).toBe('SM2');
    const data = randomBytes(3000);
    const sig = await vault.sign(keyId, data, 'SM3');
    const pub = await file(toPem(publicKeySpki, 'PUBLIC KEY'));
    const [dataPath, sigPath] = [await file(data), await file(sig)];
    expect((await openssl(['dgst', '-sm3', '-verify', pub, '-sigopt', ID, '-signature', sigPath, dataPath])).out).toMatch(/Verified OK/);
    // without the ID OpenSSL hashes no Z_A: the same signature must not verify (the trap is real)
    expect((await openssl(['dgst', '-sm3', '-verify', pub, '-signature', sigPath, dataPath])).out).toMatch(/Verification failure/);
    data[0]! ^= 1;
    expect((await openssl(['dgst', '-sm3', '-verify', pub, '-sigopt', ID, '-signature', sigPath, await file(data)])).out).toMatch(/Verification failure/);
    // a digest SM2 does not sign with is refused by the vault
    await expect(vault.sign(keyId, data, 'SHA-256')).rejects.toMatchObject({ status: 422, type: 'unsupported-hash' });
    await vault.destroy(keyId);
    await expect(vault.sign(keyId, data, 'SM3')).rejects.toMatchObject({ type: 'key-destroyed' });
    expect(await vault.publicKey(keyId)).toEqual(publicKeySpki);
  });

  it('OpenSSL signs with the standard ID, and our verifier (node and pure JS) accepts it; a key from an OpenSSL PEM signs what OpenSSL accepts', async () => {
    const keyPath = join(work, 'openssl-sm2.pem');
    expect((await openssl(['genpkey', '-algorithm', 'SM2', '-out', keyPath])).code).toBe(0);
    const pubPem = (await runTool('openssl', ['pkey', '-in', keyPath, '-pubout'])).stdout.toString();
    const spki = fromPem(pubPem, 'PUBLIC KEY')[0]!;
    const point = (describePublicKey(spki) as { point: Buffer }).point;
    const data = randomBytes(777);
    const dataPath = await file(data);
    const sigPath = join(work, 'openssl.sig');
    expect((await openssl(['dgst', '-sm3', '-sign', keyPath, '-sigopt', ID, '-out', sigPath, dataPath])).code).toBe(0);
    const theirs = await readFile(sigPath);
    expect((await verifySignatureValue({ algorithm: { algorithmId: SM3_WITH_SM2 }, spki, data, signature: theirs })).ok).toBe(true);
    expect(sm2VerifyPure(point, data, theirs)).toBe(true);
    expect((await verifySignatureValue({ algorithm: { algorithmId: SM3_WITH_SM2 }, spki, data: Buffer.from('x'), signature: theirs })).ok).toBe(false);
    const ours = signWithKey('sm2', 'SM3', createPrivateKey(await readFile(keyPath)), data, point);
    expect((await openssl(['dgst', '-sm3', '-verify', await file(pubPem), '-sigopt', ID, '-signature', await file(ours), dataPath])).out).toMatch(/Verified OK/);
  });

  it('BouncyCastle verifies the vault\'s SM2 signatures, and ours verify BouncyCastle\'s', async (ctx) => {
    if (!hasJava) ctx.skip(); // only outside CI
    const { keyId, publicKeySpki } = await vault.generate('SM2');
    const data = randomBytes(5000);
    const dataPath = await file(data);
    const spkiPath = await file(publicKeySpki);
    expect(await bc('verify', spkiPath, dataPath, await file(await vault.sign(keyId, data, 'SM3')))).toBe('VERIFIED');
    const other = await file(Buffer.concat([data, Buffer.from([0])]));
    expect(await bc('verify', spkiPath, other, await file(await vault.sign(keyId, data, 'SM3')))).toBe('FAILED');
    // BouncyCastle signs with a key OpenSSL made; node:crypto and the pure path verify it
    const keyPath = join(work, 'bc-key.pem');
    await openssl(['genpkey', '-algorithm', 'SM2', '-out', keyPath]);
    const pkcs8 = createPrivateKey(await readFile(keyPath)).export({ format: 'der', type: 'pkcs8' });
    const spki = (await runTool('openssl', ['pkey', '-in', keyPath, '-pubout', '-outform', 'DER'])).stdout;
    const sigPath = join(work, 'bc.sig');
    expect(await bc('sign', await file(pkcs8), dataPath, sigPath)).toBe('SIGNED');
    const theirs = await readFile(sigPath);
    expect((await verifySignatureValue({ algorithm: { algorithmId: SM3_WITH_SM2 }, spki, data, signature: theirs })).ok).toBe(true);
    expect(sm2VerifyPure((describePublicKey(spki) as { point: Buffer }).point, data, theirs)).toBe(true);
  });
});

describe('an SM2 certificate issued through the shared pkijs path', () => {
  it('SM3withSM2 root and seal certificate: OpenSSL verifies each link with the standard ID, BouncyCastle too, and so does our chain validation', async (ctx) => {
    const policy = loadCaPolicy();
    const now = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const urls = { ocsp: 'http://127.0.0.1:1/ocsp', caIssuers: 'http://127.0.0.1:1/ca/certs/sm2.cer', crl: 'http://127.0.0.1:1/ca/crl/sm2.crl' };
    const rootKey = await vault.generate('SM2', { purpose: 'test:sm2-root' });
    const rootSigner: Signer = { vault, keyId: rootKey.keyId, algorithm: 'SM2', hash: 'SM3' };
    const rootProfile = { ...policy.profiles.root, keyAlgorithm: 'SM2' as const, signingHash: 'SM3' as const };
    const root = await issueCertificate({
      policy, profile: rootProfile, issuer: { certificate: null, signer: rootSigner }, subject: [['C', 'CN'], ['O', '某市人民政府'], ['CN', '某市电子印章 SM2 根 CA']],
      subjectPublicKeySpki: rootKey.publicKeySpki, serial: randomSerial(), now, urls,
    });
    const sealKey = await vault.generate('SM2', { purpose: 'test:sm2-seal' });
    const seal = await issueCertificate({
      policy, profile: policy.profiles.seal, issuer: { certificate: root, signer: rootSigner },
      subject: fillName(policy.profiles.seal.subject, { ...UNIT, sealName: '某市人民政府办公室公章（SM2）' }),
      subjectPublicKeySpki: sealKey.publicKeySpki, serial: randomSerial(), now, urls,
      sealImage: { hashAlg: 'SHA-256', hash: imageHash('sm2'), widthMm: 42, heightMm: 42 },
    });
    expect(readCertificate(seal).cert.signatureAlgorithm.algorithmId).toBe(SM3_WITH_SM2);
    const rootPath = await file(toPem(root));
    const sealPath = await file(toPem(seal));
    const text = (await openssl(['x509', '-in', sealPath, '-noout', '-text'])).out;
    expect(text).toMatch(/Signature Algorithm: SM2-with-SM3/);
    expect(text).toMatch(/ASN1 OID: SM2/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
    for (const [cert, issuer] of [[rootPath, rootPath], [sealPath, rootPath]] as const) {
      const v = await openssl(['verify', '-partial_chain', '-vfyopt', ID, '-CAfile', issuer, cert]);
      expect(v.code, v.out).toBe(0);
      expect(v.out).toMatch(/: OK/);
    }
    // a certificate whose signed part changed does not verify
    const tampered = Buffer.from(seal);
    const at = tampered.indexOf(Buffer.from('某市人民政府办公室公章'));
    tampered[at + 1]! ^= 1;
    expect((await openssl(['verify', '-partial_chain', '-vfyopt', ID, '-CAfile', rootPath, await file(toPem(tampered))])).code).not.toBe(0);
    // our verifier's chain validation goes through the same table
    const chain = (await validateChain(parseCertificate(seal), [], [parseCertificate(root)], { at: new Date(), leafKeyUsage: ['nonRepudiation'] }));
    expect(chain.ok).toBe(true);
    if (!hasJava) ctx.skip();
    expect(await bc('verify-cert', await file(seal), await file(root))).toBe(`VERIFIED ${SM3_WITH_SM2}`);
    expect(await bc('verify-cert', await file(root), await file(root))).toBe(`VERIFIED ${SM3_WITH_SM2}`);
    expect(await bc('verify-cert', await file(tampered), await file(root))).toBe(`FAILED ${SM3_WITH_SM2}`);
  });
});
