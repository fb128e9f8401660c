/**
 * Hostile CMS and certification paths (issue 12): same-name CA certificates that make the path search try every
 * ordering, and more certificates in one CMS than any signer needs. Past a signature-scope limit, that signature
 * is INDETERMINATE `document-too-complex` and the document's other signatures are still reported.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/limits.js';
import type { CmsSigner } from '../../src/pdf/cms.js';
import { sealPdf } from '../../src/pdf/seal.js';
import { parseCertificate } from '../../src/verify/certificate.js';
import { validateChain } from '../../src/verify/chain.js';
import { verifyPdf } from '../../src/verify/verify-pdf.js';
import { makeTestPki, signerFor, type TestPki } from '../helpers/openssl-pki.js';
import { basePdf, sealAppearance } from '../verify/kit.js';

let pki: TestPki;
let dir: string;
const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
const der = (pem: string) => Buffer.from(openssl(['x509', '-in', pem, '-outform', 'DER']));

/** `n` self-issued CA certificates named "Same CA", all with the CA key `caKey`, different serials. */
function sameNameCas(n: number, prefix: string, caKey: string, opts: { aki?: boolean } = {}): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const cfg = join(dir, `${prefix}${i}.cnf`);
    writeFileSync(cfg, `[req]\ndistinguished_name=dn\n[dn]\n[ext]\nbasicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n${opts.aki === false ? '' : 'authorityKeyIdentifier=keyid:always\n'}`);
    const pem = join(dir, `${prefix}${i}.pem`);
    openssl(['req', '-x509', '-new', '-key', caKey, '-subj', '/O=Hostile/CN=Same CA', '-set_serial', String(1000 + i), '-days', '3650', '-config', cfg, '-extensions', 'ext', '-out', pem]);
    out.push(der(pem));
  }
  return out;
}

/** A seal certificate issued by "Same CA" (signed with `caKey`), with its key. */
function leafUnder(caPem: string, caKey: string, name: string): { certDer: Buffer; keyPem: string } {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/O=Hostile/CN=${name}`, '-out', `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature,nonRepudiation\n');
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', caPem, '-CAkey', caKey, '-set_serial', '7', '-days', '3650', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
  return { certDer: der(join(dir, `${name}.pem`)), keyPem: readFileSync(join(dir, `${name}.key`), 'utf8') };
}

function signer(leaf: { certDer: Buffer; keyPem: string }, extra: Buffer[]): CmsSigner {
  const key = createPrivateKey(leaf.keyPem);
  return { certificates: [leaf.certDer, ...extra], keyAlgorithm: 'ECDSA-P256', digest: 'SHA-256', sign: async (d) => nodeSign('sha256', d, key) };
}

const sealWith = (pdf: Uint8Array, s: CmsSigner, x = 50) =>
  sealPdf(pdf, { page: 1, xMm: x, yMm: 50, appearance: sealAppearance(), signer: s, level: 'B-B', signingTime: new Date() });

let caKey: string;
let good: Buffer;
beforeAll(async () => {
  pki = await makeTestPki();
  dir = mkdtempSync(join(tmpdir(), 'hostile-cms-'));
  caKey = join(dir, 'ca.key');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
  // A document with one good seal first: the hostile one is the second signature.
  good = await sealWith(await basePdf(1), signerFor(pki.leafP256), 40);
}, 120_000);

async function verifyTimed(pdf: Uint8Array) {
  const t0 = performance.now();
  const report = await verifyPdf(pdf, { trustAnchors: [pki.root.certDer] });
  return { report, seconds: (performance.now() - t0) / 1000 };
}

describe('same-name CA certificates in a CMS (issue 12: 12 took 30 s, 24 never answered)', () => {
  for (const n of [12, 24]) {
    it(`${n} copies of one CA (same name and key) are one candidate: the signature is judged at once`, async () => {
      const cas = sameNameCas(n, `same${n}-`, caKey);
      const leaf = leafUnder(join(dir, `same${n}-0.pem`), caKey, `leaf${n}`);
      const pdf = await sealWith(good, signer(leaf, cas), 120);
      const { report, seconds } = await verifyTimed(pdf);
      expect(seconds).toBeLessThan(20);
      expect(report.signatures).toHaveLength(2);
      expect(report.signatures[0]).toMatchObject({ status: 'VALID' });
      // not trusted (the hostile CA is not an anchor), decided, not "too complex"
      expect(report.signatures[1]).toMatchObject({ status: 'INDETERMINATE' });
      expect(report.signatures[1]!.reason).not.toBe('document-too-complex');
    }, 120_000);
  }

  it('generalised: 24 copies that cannot be merged (no authority key identifier): the work is bounded, that signature alone is too complex', async () => {
    const cas = sameNameCas(24, 'noaki-', caKey, { aki: false });
    const leaf = leafUnder(join(dir, 'noaki-0.pem'), caKey, 'leafnoaki');
    const pdf = await sealWith(good, signer(leaf, cas), 120);
    const { report, seconds } = await verifyTimed(pdf);
    expect(seconds).toBeLessThan(30);
    expect(report.signatures).toHaveLength(2);
    expect(report.signatures[1]).toMatchObject({ status: 'INDETERMINATE', reason: 'document-too-complex' });
    expect(report.signatures[1]!.detail).toMatch(/chain-(work|candidates)/);
    // the other signature is still reported, and judged as it would be alone
    expect(report.signatures[0]!.checks.signature).toBe(true);
    expect(report.signatures[0]!.reason).not.toBe('document-too-complex');
  }, 120_000);

  it('generalised: the path search itself stops at the work budget, whatever the pool', async () => {
    const cas = sameNameCas(10, 'budget-', caKey, { aki: false }).map((d) => parseCertificate(d));
    const leaf = parseCertificate(leafUnder(join(dir, 'budget-0.pem'), caKey, 'leafbudget').certDer);
    // 10 mutually issuing copies and depth 8: 10*9*8*...*3 orderings unbounded; bounded: a throw naming a limit
    const t0 = performance.now();
    await expect(validateChain(leaf, cas, [parseCertificate(pki.root.certDer)], { at: new Date(), leafKeyUsage: ['digitalSignature'] }))
      .rejects.toThrow(expect.objectContaining({ type: 'document-too-complex', details: expect.objectContaining({ limit: 'chain-work' }) }));
    expect(performance.now() - t0).toBeLessThan(20_000);
  }, 60_000);

  it('the good path is still found when same-name copies sit beside the real chain (dedup keeps a valid one)', async () => {
    // the real intermediate twice (same bytes) and the root in the pool: still VALID-chain
    const leaf = parseCertificate(pki.leafP256.certDer);
    const inter = parseCertificate(pki.intermediate.certDer);
    const r = await validateChain(leaf, [inter, inter, inter], [parseCertificate(pki.root.certDer)], { at: new Date(), leafKeyUsage: ['digitalSignature'] });
    expect(r.ok).toBe(true);
  });
});

describe('certificates per CMS', () => {
  it(`more than ${LIMITS.certificatesPerCms.value} certificates in one CMS: that signature is INDETERMINATE document-too-complex, the other reported`, async () => {
    const many = Array.from({ length: LIMITS.certificatesPerCms.value + 20 }, () => pki.intermediate.certDer);
    const pdf = await sealWith(good, { ...signerFor(pki.leafP256), certificates: [pki.leafP256.certDer, ...many] }, 120);
    const { report, seconds } = await verifyTimed(pdf);
    expect(seconds).toBeLessThan(20);
    expect(report.signatures).toHaveLength(2);
    expect(report.signatures[1]).toMatchObject({ status: 'INDETERMINATE', reason: 'document-too-complex' });
    expect(report.signatures[1]!.detail).toMatch(/certificates-per-cms/);
    expect(report.signatures[0]!.checks.signature).toBe(true);
  }, 120_000);

  it('10,000 certificates in one CMS (issue 12: 22 s): a report within seconds', async () => {
    const many = Array.from({ length: 10_000 }, () => pki.intermediate.certDer);
    const pdf = await sealWith(good, { ...signerFor(pki.leafP256), certificates: [pki.leafP256.certDer, ...many] }, 120);
    const { report, seconds } = await verifyTimed(pdf);
    expect(seconds).toBeLessThan(30);
    expect(report.signatures).toHaveLength(2);
    expect(['INDETERMINATE', 'INVALID']).toContain(report.signatures[1]!.status);
    expect(report.signatures[0]!.checks.signature).toBe(true);
  }, 120_000);
});
