/** The verifier on the shared input corpus (test/fixtures/make-fixtures.ts): our seals on every kind of input, other tools' signatures, broken files. */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, test } from 'vitest';
import { AppError } from '../../src/errors.js';
import { verifyPdf } from '../../src/verify/index.js';
import { ensureFixtures, fixturePki, judgesFor } from '../fixtures/make-fixtures.js';
import type { TestPki } from '../helpers/openssl-pki.js';
import { makeTestPki, seal, sealAppearance } from './kit.js';
import { skipUnlessJudges } from '../helpers/judges.js';

const INPUTS = [
  'pdflib-table', 'pdflib-objstm', 'qpdf-objstm', 'qpdf-linearized', 'gs-pdfwrite', 'rotated-90', 'cropped-rotated-90',
  'inherited-attrs', 'header-1.4', 'header-2.0', 'form-fields',
] as const;
const SIGNED = ['signed-pdfsig-rsa', 'signed-signpdf-p256'] as const;
const BROKEN = ['broken-not-pdf', 'broken-truncated', 'encrypted-user', 'encrypted-owner'] as const;

let files: Record<string, string>;
let pki: TestPki;
let fixtureRoot: Buffer;
beforeAll(async ({}, suite) => {
  if (!skipUnlessJudges(suite, ...judgesFor([...INPUTS, ...SIGNED, ...BROKEN]))) return;
  files = await ensureFixtures([...INPUTS, ...SIGNED, ...BROKEN, 'broken-xref']);
  pki = await makeTestPki();
  fixtureRoot = (await fixturePki()).root.certDer;
}, 300_000);

describe('our seals on the input corpus', () => {
  test.each(INPUTS)('%s: sealed by two units (B-T then B-LTA), every signature VALID', async (name) => {
    const input = await readFile(files[name]!);
    const once = await seal(pki, input, pki.leafP256, { level: 'B-T' });
    const twice = await seal(pki, once, pki.leafRsa, { level: 'B-LTA', appearance: sealAppearance(2), x: 140 });
    const r = await verifyPdf(twice, { trustAnchors: [pki.root.certDer] });
    expect(r.signatures.map((s) => `${s.kind}:${s.status}:${s.reason}`), JSON.stringify(r.signatures.map((s) => s.detail))).toEqual([
      'signature:VALID:ok', 'signature:VALID:ok', 'document-timestamp:VALID:ok',
    ]);
    expect(r.signatures[0]!.level).toBe('B-LTA');
  });
});

describe('signatures made by other tools', () => {
  test.each(SIGNED)('%s: VALID with its root trusted, INDETERMINATE without', async (name) => {
    const pdf = await readFile(files[name]!);
    const trusted = await verifyPdf(pdf, { trustAnchors: [fixtureRoot] });
    expect(trusted.signatures.map((s) => `${s.status}:${s.reason}`)).toEqual(['VALID:ok']);
    expect(trusted.signatures[0]!.subFilter).toBe('adbe.pkcs7.detached');
    const untrusted = await verifyPdf(pdf, { trustAnchors: [pki.root.certDer] });
    if (fixtureRoot.equals(pki.root.certDer)) return; // same PKI in this run: nothing to compare
    expect(untrusted.signatures.map((s) => `${s.status}:${s.reason}`)).toEqual(['INDETERMINATE:chain-untrusted']);
  });
  test('our seal after a pdfsig signature keeps both VALID', async () => {
    const pdf = await seal(pki, await readFile(files['signed-pdfsig-rsa']!), pki.leafP256, { level: 'B-T' });
    const r = await verifyPdf(pdf, { trustAnchors: [fixtureRoot, pki.root.certDer] });
    expect(r.signatures.map((s) => `${s.status}:${s.reason}`)).toEqual(['VALID:ok', 'VALID:ok']);
  });
});

describe('input that is not a verifiable PDF', () => {
  const TYPES: Record<(typeof BROKEN)[number], string> = {
    // Nothing to recover from a file cut before its first %%EOF: the verifier's own error, not the sealer's.
    'broken-not-pdf': 'not-a-pdf', 'broken-truncated': 'unverifiable-pdf',
    'encrypted-user': 'encrypted-pdf', 'encrypted-owner': 'encrypted-pdf',
  };
  test.each(BROKEN)('%s: AppError 422', async (name) => {
    const pdf = await readFile(files[name]!);
    const err = await verifyPdf(pdf, { trustAnchors: [pki.root.certDer] }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 422, type: TYPES[name] });
  });
  test('broken-xref (startxref and the xref table garbage): recovered by scanning, reported, never VALID', async () => {
    const r = await verifyPdf(await readFile(files['broken-xref']!), { trustAnchors: [pki.root.certDer] });
    expect(r).toMatchObject({ valid: false, recovered: true, signatures: [] });
  });
});
