import { beforeAll, describe, expect, test } from 'vitest';
import { parseCertificate, OID_EKU_TIMESTAMPING } from '../../src/verify/certificate.js';
import { validateChain } from '../../src/verify/chain.js';
import { checkRevocation } from '../../src/verify/revocation.js';
import { SEAL_IMAGE_BINDING_OID } from '../../src/verify/seal-image.js';
import { SEAL_IMAGE_BINDING_OID as CA_BINDING_OID } from '../../src/ca/seal-image-binding.js';
import { verifyPdf } from '../../src/verify/verify-pdf.js';
import { issueCert, opensslCrl, opensslOcsp, type TestCert } from '../helpers/openssl-pki.js';
import { basePdf, issueSealCert, makeTestPki, seal, type TestPki } from './kit.js';

let pki: TestPki;
let subCa: TestCert;
let underSubCa: TestCert;
let unknownCritical: TestCert;
// Certificates made by `openssl x509 -days` start at their issuance second: judge a moment later.
const soon = () => new Date(Date.now() + 2000);
const SEAL_KU = ['digitalSignature', 'nonRepudiation'] as const;

beforeAll(async () => {
  pki = await makeTestPki();
  subCa = await issueCert(pki, { name: 'chain-sub-ca', subject: '/C=CN/O=Test Municipal Office/CN=Sub CA Below Pathlen 0', issuer: 'intermediate', profile: 'ca' });
  underSubCa = await issueSealCert(pki, {
    name: 'chain-under-sub-ca', subject: '/C=CN/O=Unit A/CN=Too Deep',
    issuer: { certPath: subCa.certPath, keyPath: subCa.keyPath, chain: [subCa.certDer, pki.intermediate.certDer] },
  });
  unknownCritical = await issueSealCert(pki, { name: 'chain-unknown-critical', subject: '/C=CN/O=Unit A/CN=Odd', extra: ['1.2.3.4.5.6.7 = critical, DER:0500'] });
}, 120_000);

const anchors = () => [parseCertificate(pki.root.certDer)];
const pool = (...c: TestCert[]) => [parseCertificate(pki.intermediate.certDer), ...c.map((x) => parseCertificate(x.certDer))];

describe('certification path', () => {
  test('a good seal certificate chains to the root', async () => {
    const r = (await validateChain(parseCertificate(pki.leafP256.certDer), pool(), anchors(), { at: soon(), leafKeyUsage: [...SEAL_KU] }));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.path.map((c) => c.subjectText)).toEqual([
      'C=CN, O=Test Unit One, CN=Test Unit One Official Seal', 'C=CN, O=Test Municipal Office, CN=Test Seal Issuing CA',
      'C=CN, O=Test Municipal Office, CN=Test Seal Root CA',
    ]);
  });
  test('a CA below a pathlen:0 CA breaks the path length', async () => {
    const r = (await validateChain(parseCertificate(underSubCa.certDer), pool(subCa), anchors(), { at: soon(), leafKeyUsage: [...SEAL_KU] }));
    expect(r).toMatchObject({ ok: false, reason: 'path-length-exceeded' });
  });
  test('an unknown critical extension fails the path', async () => {
    const r = (await validateChain(parseCertificate(unknownCritical.certDer), pool(), anchors(), { at: soon(), leafKeyUsage: [...SEAL_KU] }));
    expect(r).toMatchObject({ ok: false, reason: 'unknown-critical-extension' });
  });
  test('validity is judged at the given time', async () => {
    const r = (await validateChain(parseCertificate(pki.leafP256.certDer), pool(), anchors(), { at: new Date('2040-01-01T00:00:00Z'), leafKeyUsage: [...SEAL_KU] }));
    expect(r).toMatchObject({ ok: false, reason: 'certificate-expired' });
    const early = (await validateChain(parseCertificate(pki.leafP256.certDer), pool(), anchors(), { at: new Date('2024-06-01T00:00:00Z'), leafKeyUsage: [...SEAL_KU] }));
    expect(early).toMatchObject({ ok: false, reason: 'certificate-not-yet-valid' });
  });
  test('a time-stamp needs the timeStamping EKU', async () => {
    const r = (await validateChain(parseCertificate(pki.leafP256.certDer), pool(), anchors(), { at: soon(), leafKeyUsage: [...SEAL_KU], leafExtKeyUsage: OID_EKU_TIMESTAMPING }));
    expect(r).toMatchObject({ ok: false, reason: 'extended-key-usage-invalid' });
    expect((await validateChain(parseCertificate(pki.tsa.certDer), pool(), anchors(), { at: soon(), leafKeyUsage: [...SEAL_KU], leafExtKeyUsage: OID_EKU_TIMESTAMPING })).ok).toBe(true);
  });
  test('no path without the intermediate', async () => {
    expect((await validateChain(parseCertificate(pki.leafP256.certDer), [], anchors(), { at: soon(), leafKeyUsage: [] }))).toMatchObject({ ok: false, reason: 'chain-untrusted' });
  });
  test('the verifier knows the CA seal-image binding OID', async () => {
    expect(SEAL_IMAGE_BINDING_OID).toBe(CA_BINDING_OID);
  });
});

describe('revocation evidence', () => {
  const leaf = () => parseCertificate(pki.leafP256.certDer);
  const issuer = () => parseCertificate(pki.intermediate.certDer);
  const at = new Date(Date.now() - 60_000);

  test('CRL: listed with a date and reason, or not listed', async () => {
    const revokedAt = new Date(Date.now() - 3_600_000);
    const crl = await opensslCrl(pki, { revoked: [{ certDer: pki.leafP256.certDer, at: revokedAt, reason: 'keyCompromise' }] });
    const r = await checkRevocation(leaf(), issuer(), { ocsps: [], crls: [crl], pool: [], at });
    expect(r).toMatchObject({ status: 'revoked', source: 'dss-crl', reason: 'keyCompromise' });
    if (r.status === 'revoked') expect(Math.abs(r.revokedAt.getTime() - revokedAt.getTime())).toBeLessThan(1000);
    const clean = await opensslCrl(pki, { revoked: [] });
    expect(await checkRevocation(leaf(), issuer(), { ocsps: [], crls: [clean], pool: [], at })).toMatchObject({ status: 'good', source: 'dss-crl' });
    // A CRL by another issuer proves nothing.
    const rootCrl = await opensslCrl(pki, { issuer: 'root', revoked: [] });
    expect(await checkRevocation(leaf(), issuer(), { ocsps: [], crls: [rootCrl], pool: [], at })).toMatchObject({ status: 'not-applicable' });
  });
  test('OCSP from the delegated responder; evidence older than the signing time does not count', async () => {
    const ocsp = await opensslOcsp(pki, pki.leafP256.certDer, pki.intermediate.certDer);
    expect(await checkRevocation(leaf(), issuer(), { ocsps: [ocsp], crls: [], pool: [], at })).toMatchObject({ status: 'good', source: 'dss-ocsp' });
    const later = new Date(Date.now() + 86_400_000);
    expect(await checkRevocation(leaf(), issuer(), { ocsps: [ocsp], crls: [], pool: [], at: later })).toMatchObject({ status: 'unknown' });
    // An OCSP response about another certificate says nothing about this one.
    const other = await opensslOcsp(pki, pki.leafRsa.certDer, pki.intermediate.certDer);
    expect(await checkRevocation(leaf(), issuer(), { ocsps: [other], crls: [], pool: [], at })).toMatchObject({ status: 'not-applicable' });
  });
  test('online OCSP only when allowed, through the given fetch', async () => {
    const cert = await issueSealCert(pki, { name: 'online-ocsp', subject: '/C=CN/O=Unit A/CN=Online Seal', ocspUrl: 'http://ocsp.test.invalid/ocsp' });
    const pdf = await seal(pki, await basePdf(1), cert, { level: 'B-T' });
    const calls: string[] = [];
    const fetchStub = (async (url: string | URL | Request, init?: RequestInit) => {
      calls.push(`${init?.method ?? 'GET'} ${String(url)}`);
      const body = await opensslOcsp(pki, cert.certDer, pki.intermediate.certDer);
      return new Response(new Uint8Array(body), { status: 200, headers: { 'content-type': 'application/ocsp-response' } });
    }) as typeof fetch;
    const offline = await verifyPdf(pdf, { trustAnchors: [pki.root.certDer] });
    expect(offline.signatures[0]).toMatchObject({ status: 'INDETERMINATE', reason: 'revocation-unknown' });
    expect(calls).toEqual([]);
    const online = await verifyPdf(pdf, { trustAnchors: [pki.root.certDer], online: { fetch: fetchStub } });
    expect(online.signatures[0]).toMatchObject({ status: 'VALID', reason: 'ok' });
    expect(calls).toEqual(['POST http://ocsp.test.invalid/ocsp']);
    // The same answer handed in as outside evidence (as the service does with its own CA's responses): no fetch.
    const evidence = { ocsps: [await opensslOcsp(pki, cert.certDer, pki.intermediate.certDer)] };
    const handed = await verifyPdf(pdf, { trustAnchors: [pki.root.certDer], evidence });
    expect(handed.signatures[0]).toMatchObject({ status: 'VALID', reason: 'ok', level: 'B-T' });
    expect(calls).toHaveLength(1);
  });
});
