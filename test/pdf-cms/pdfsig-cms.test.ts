/**
 * poppler's pdfsig (NSS) judging our CMS, independently of the PDF writer: the CMS is put into the /Contents
 * of a signature that @signpdf laid out (the byte ranges stay the same), so only the CMS is under test.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPadesCms, type CmsSigner } from '../../src/pdf/cms.js';
import { ensureFixtures, fixturePki } from '../fixtures/make-fixtures.js';
import { nssDbTrusting, opensslTimestamper, runTool, signerFor, type TestPki } from '../helpers/openssl-pki.js';
import { haveJudges } from '../helpers/judges.js';

let pki: TestPki;
let pdf: Buffer;
let nss: string;
let work: string;
beforeAll(async () => {
  const f = await ensureFixtures(['signed-signpdf-p256']);
  pki = await fixturePki();
  pdf = await readFile(f['signed-signpdf-p256']!);
  // Only where NSS's certutil is: the tests that judge with pdfsig skip without it (test/helpers/judges.ts).
  if (haveJudges('certutil')) nss = await nssDbTrusting(pki.root.certPem);
  work = await mkdtemp(join(tmpdir(), 'pdf-cms-pdfsig-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function resign(signer: CmsSigner, stamp: boolean): Promise<string> {
  const m = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(pdf.toString('latin1'))!;
  const [a, b, c, d] = m.slice(1).map(Number) as [number, number, number, number];
  const digest = createHash('sha256').update(pdf.subarray(a, a + b)).update(pdf.subarray(c, c + d)).digest();
  const cms = await buildPadesCms(digest, signer, stamp ? opensslTimestamper(pki) : undefined);
  const hole = c - (a + b) - 2;
  expect(cms.length * 2).toBeLessThanOrEqual(hole);
  const out = Buffer.from(pdf);
  out.write(cms.toString('hex').padEnd(hole, '0'), a + b + 1, 'latin1');
  const path = join(work, `${signer.keyAlgorithm}-${stamp}.pdf`);
  await writeFile(path, out);
  return path;
}

describe('pdfsig accepts our CMS', () => {
  it.each([
    ['P-256', false], ['P-256', true], ['RSA', false], ['RSA', true],
  ] as const)('%s signer, time-stamp %s: signature valid, certificate trusted', async (alg, stamp) => {
    const path = await resign(signerFor(alg === 'RSA' ? pki.leafRsa : pki.leafP256), stamp);
    const r = await runTool('pdfsig', ['-nssdir', `sql:${nss}`, path]);
    const out = r.stdout.toString();
    expect(out).toContain('Signature Validation: Signature is Valid.');
    expect(out).toContain('Certificate Validation: Certificate is Trusted.');
    expect(out).toContain(alg === 'RSA' ? 'Test Unit Two Seal RSA' : 'Test Unit One Official Seal');
  });
});
