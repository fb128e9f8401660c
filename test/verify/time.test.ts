/** Which time a signature is judged at: a verified signature time-stamp, else the claimed /M (marked as such). */
import { beforeAll, describe, expect, test } from 'vitest';
import { verifyPdf } from '../../src/verify/index.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealPdf } from '../../src/pdf/seal.js';
import { opensslTimestamper, signerFor } from '../helpers/openssl-pki.js';
import { basePdf, makeTestPki, seal, sealAppearance, type TestPki } from './kit.js';

let pki: TestPki;
let base: Buffer;
beforeAll(async () => {
  pki = await makeTestPki();
  base = await basePdf(1);
}, 120_000);

// The test PKI's seal certificates expire 2035-01-01, its CAs 2045-01-01.
const AFTER_EXPIRY = new Date('2040-06-01T00:00:00Z');

describe('signing time', () => {
  test('B-T: VALID while the certificates are; after they expired, INDETERMINATE without an archive time-stamp', async () => {
    const pdf = await seal(pki, base, pki.leafP256, { level: 'B-T' });
    const before = await verifyPdf(pdf, { trustAnchors: [pki.root.certDer], now: new Date('2034-06-01T00:00:00Z') });
    expect(before.signatures[0]).toMatchObject({ status: 'VALID', timeSource: 'timestamp', level: 'B-T' });
    // The time-stamp proves when the seal was made, but nothing proves the time-stamp and the seal existed
    // before their certificates expired (ETSI EN 319 102-1: OUT_OF_BOUNDS_NO_POE).
    const r = await verifyPdf(pdf, { trustAnchors: [pki.root.certDer], now: AFTER_EXPIRY });
    expect(r.signatures[0]).toMatchObject({ status: 'INDETERMINATE', reason: 'out-of-bounds-no-poe', timeSource: 'timestamp', level: 'B-T' });
    expect(r.validationTime).toBe(AFTER_EXPIRY.toISOString());
  });
  test('B-B: the claimed time is reported as claimed; valid while the certificate is', async () => {
    const signingTime = new Date(Math.floor(Date.now() / 1000) * 1000);
    const pdf = await seal(pki, base, pki.leafP256, { level: 'B-B', signingTime });
    const now = await verifyPdf(pdf, { trustAnchors: [pki.root.certDer] });
    expect(now.signatures[0]).toMatchObject({ status: 'VALID', timeSource: 'claimed', level: 'B-B', signedAt: signingTime.toISOString() });
    expect(now.signatures[0]!.checks.timestamp).toBeNull();
  });
  test('B-B after the certificate expired: INDETERMINATE, the claim alone proves nothing', async () => {
    const pdf = await seal(pki, base, pki.leafP256, { level: 'B-B' });
    const r = await verifyPdf(pdf, { trustAnchors: [pki.root.certDer], now: AFTER_EXPIRY });
    expect(r.signatures[0]).toMatchObject({ status: 'INDETERMINATE', reason: 'certificate-expired-no-proof-of-time' });
  });
  test('B-B claiming a time outside the certificate validity: INVALID', async () => {
    const pdf = await seal(pki, base, pki.leafP256, { level: 'B-B', signingTime: new Date('2036-01-01T00:00:00Z') });
    const r = await verifyPdf(pdf, { trustAnchors: [pki.root.certDer], now: new Date('2036-01-02T00:00:00Z') });
    expect(r.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'certificate-expired', timeSource: 'claimed' });
  });
  test('trusting the issuing CA directly is enough for the seal and its time-stamp', async () => {
    const pdf = await seal(pki, base, pki.leafP256, { level: 'B-T' });
    const r = await verifyPdf(pdf, { trustAnchors: [pki.intermediate.certDer] });
    expect(r.signatures[0]).toMatchObject({ status: 'VALID', timeSource: 'timestamp' });
  });
  test('a time-stamp from an untrusted TSA: INDETERMINATE, and the time falls back to the claim', async () => {
    const other = await makeTestPki(await mkdtemp(join(tmpdir(), 'verify-other-tsa-')));
    const signingTime = new Date(Math.floor(Date.now() / 1000) * 1000);
    const pdf = await sealPdf(base, {
      page: 1, xMm: 60, yMm: 60, appearance: sealAppearance(), signer: signerFor(pki.leafP256), level: 'B-T', signingTime,
      timestamper: opensslTimestamper(other),
    });
    const r = await verifyPdf(pdf, { trustAnchors: [pki.root.certDer] });
    expect(r.signatures[0]).toMatchObject({ status: 'INDETERMINATE', reason: 'timestamp-untrusted', timeSource: 'claimed', signedAt: signingTime.toISOString() });
    expect(r.signatures[0]!.checks).toMatchObject({ signature: true, chain: true, timestamp: false });
  }, 60_000);
});
