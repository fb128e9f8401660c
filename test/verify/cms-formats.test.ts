/**
 * CMS and algorithm variants made by signers we did not write: poppler pdfsig (NSS, BER; it signs SHA-256 only), PDFBox 2 with
 * BouncyCastle (Ed25519, Ed448, plain ECDSA of BSI TR-03111, no signed attributes) and `openssl cms` inside
 * @signpdf's placeholder (several SignerInfos, no signed attributes, encapsulated content, adbe.pkcs7.sha1,
 * BER). ETSI EN 319 102-1 statuses: what cannot be decided is INDETERMINATE, what is proven wrong INVALID.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { verifyPdf } from '../../src/verify/index.js';
import { basePdf, makeTestPki, type TestPki } from './kit.js';
import {
  asTestCert, fromTestCert, issueKeyCert, opensslSigned, pdfBox, pdfBoxAvailable, pdfBoxKey, pdfsigSign, type KeyCert,
} from './signers.js';

let pki: TestPki;
let base: Buffer;
let p256: KeyCert;
let rsa: KeyCert;
const hasPdfBox = pdfBoxAvailable();
if (!hasPdfBox && process.env.CI) throw new Error('CI must have javac and PDFBox 2 with BouncyCastle');

beforeAll(async () => {
  pki = await makeTestPki();
  base = await basePdf(1);
  p256 = fromTestCert(pki, pki.leafP256);
  rsa = fromTestCert(pki, pki.leafRsa);
}, 120_000);

const verify = (pdf: Uint8Array) => verifyPdf(pdf, { trustAnchors: [pki.root.certDer] });
const summary = async (pdf: Uint8Array) => (await verify(pdf)).signatures.map((s) => `${s.status}:${s.reason}`);

describe('algorithms (ETSI: weak or unsupported is INDETERMINATE crypto-constraints, naming the algorithm)', () => {
  test('SHA-1 digests (openssl cms -md sha1; PDFBox SHA1withECDSA)', async () => {
    const r = await verify(await opensslSigned(base, { signers: [rsa], md: 'sha1' }));
    expect(r.signatures[0]).toMatchObject({ status: 'INDETERMINATE', reason: 'crypto-constraints' });
    expect(r.signatures[0]!.detail).toMatch(/SHA-1/);
    expect(r.signatures[0]!.checks.signature).toBe(true); // verified, just too weak to rely on
    if (!hasPdfBox) return;
    const box = await verify(await pdfBox('sign', base, { ...pdfBoxKey(p256), alg: 'SHA1withECDSA', subfilter: 'adbe.pkcs7.detached' }));
    expect(box.signatures[0]).toMatchObject({ status: 'INDETERMINATE', reason: 'crypto-constraints' });
  });
  test('an RSA-1024 key (pdfsig)', async () => {
    const weak = await asTestCert(pki, await issueKeyCert(pki, 'rsa1024', 'rsa1024'));
    const r = await verify(await pdfsigSign(pki, weak, base));
    expect(r.signatures[0]).toMatchObject({ status: 'INDETERMINATE', reason: 'crypto-constraints' });
    expect(r.signatures[0]!.detail).toMatch(/RSA-1024/);
  });
  test('a curve outside the allowed set (secp256k1, openssl) and an unknown digest (MD5, openssl)', async () => {
    const k1 = await issueKeyCert(pki, 'k1', 'secp256k1');
    const r = await verify(await opensslSigned(base, { signers: [k1] }));
    expect(r.signatures[0]).toMatchObject({ status: 'INDETERMINATE', reason: 'crypto-constraints' });
    expect(r.signatures[0]!.detail).toMatch(/secp256k1/);
    const md5 = await verify(await opensslSigned(base, { signers: [rsa], md: 'md5' }));
    expect(md5.signatures[0]).toMatchObject({ status: 'INDETERMINATE', reason: 'crypto-constraints' });
    expect(md5.signatures[0]!.detail).toMatch(/1\.2\.840\.113549\.2\.5/);
  });
  test.runIf(hasPdfBox)('Ed25519 and Ed448 (RFC 8419, PDFBox + BouncyCastle): VALID', async () => {
    for (const type of ['ed25519', 'ed448'] as const) {
      const k = await issueKeyCert(pki, type, type);
      const r = await verify(await pdfBox('sign', base, { ...pdfBoxKey(k), alg: type === 'ed25519' ? 'Ed25519' : 'Ed448', subfilter: 'adbe.pkcs7.detached' }));
      expect(r.signatures.map((s) => `${s.status}:${s.reason}`), `${type}: ${r.signatures[0]?.detail}`).toEqual(['VALID:ok']);
    }
  });
  test.runIf(hasPdfBox)('plain ECDSA, BSI TR-03111 (PDFBox + BouncyCastle SHA256withPLAIN-ECDSA): VALID', async () => {
    expect(await summary(await pdfBox('sign', base, { ...pdfBoxKey(p256), alg: 'SHA256withPLAIN-ECDSA', subfilter: 'adbe.pkcs7.detached' }))).toEqual(['VALID:ok']);
  });
});

describe('CMS structures', () => {
  test.runIf(hasPdfBox)('adbe.pkcs7.detached without signed attributes (ISO 32000 allows it): PDFBox ECDSA and Ed25519, openssl RSA', async () => {
    expect(await summary(await pdfBox('sign', base, { ...pdfBoxKey(p256), subfilter: 'adbe.pkcs7.detached', attrs: 'false' }))).toEqual(['VALID:ok']);
    const ed = await issueKeyCert(pki, 'ed-noattr', 'ed25519');
    expect(await summary(await pdfBox('sign', base, { ...pdfBoxKey(ed), alg: 'Ed25519', subfilter: 'adbe.pkcs7.detached', attrs: 'false' }))).toEqual(['VALID:ok']);
    expect(await summary(await opensslSigned(base, { signers: [rsa], noattr: true }))).toEqual(['VALID:ok']);
  });
  test('ETSI.CAdES.detached still needs its signed attributes', async () => {
    const r = await verify(await opensslSigned(base, { signers: [rsa], noattr: true, subFilter: 'ETSI.CAdES.detached' }));
    expect(r.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'signed-attributes-missing' });
  });
  test('several SignerInfos in one CMS (openssl): each reported on its own', async () => {
    const r = await verify(await opensslSigned(base, { signers: [p256, rsa] }));
    expect(r.signatures.map((s) => [s.signerInfo, s.status, s.reason, s.signer?.seal])).toEqual([
      [0, 'VALID', 'ok', 'Test Unit One Official Seal'],
      [1, 'VALID', 'ok', 'Test Unit Two Seal RSA'],
    ]);
    expect(r.valid).toBe(true);
  });
  test('encapsulated content in a detached signature (openssl -nodetach): INVALID', async () => {
    const r = await verify(await opensslSigned(base, { signers: [p256], nodetach: true }));
    expect(r.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'encapsulated-content' });
  });
  test('adbe.pkcs7.sha1 (the SHA-1 digest encapsulated, openssl): verified, INDETERMINATE for SHA-1', async () => {
    const r = await verify(await opensslSigned(base, { signers: [p256], sha1Digest: true, subFilter: 'adbe.pkcs7.sha1' }));
    expect(r.signatures[0]).toMatchObject({ status: 'INDETERMINATE', reason: 'crypto-constraints' });
    expect(r.signatures[0]!.checks).toMatchObject({ integrity: true, signature: true });
  });
  test('BER with indefinite lengths: NSS (pdfsig) and a streaming re-encoding of openssl output, signed attributes included', async () => {
    const nss = await pdfsigSign(pki, pki.leafRsa, base);
    expect(nss.toString('latin1')).toMatch(/\/Contents <3080/i);
    expect(await summary(nss)).toEqual(['VALID:ok']);
    expect(await summary(await opensslSigned(base, { signers: [p256], ber: true }))).toEqual(['VALID:ok']);
    expect(await summary(await opensslSigned(base, { signers: [p256, rsa], ber: true }))).toEqual(['VALID:ok', 'VALID:ok']);
  });
});
