/**
 * sealPdf over the shared input corpus (test/fixtures/make-fixtures.ts): every sealable fixture gets a B-T seal
 * that pdfsig, qpdf and openssl accept, earlier signatures by other tools included; encrypted ones are refused.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { sealPdf } from '../../src/pdf/seal.js';
import { ensureFixtures, judgesFor } from '../fixtures/make-fixtures.js';
import { makeTestPki, nssDbTrusting, opensslTimestamper, signerFor, type TestPki } from '../helpers/openssl-pki.js';
import { scratch } from './fixtures.js';
import { opensslVerifyAll, pdfsig, qpdfCheck } from './judges.js';
import { redSeal } from './seal-image.js';
import { haveJudges } from '../helpers/judges.js';
import { skipUnlessJudges } from '../helpers/judges.js';

const SEALABLE = [
  'pdflib-table', 'pdflib-objstm', 'qpdf-objstm', 'qpdf-linearized', 'gs-pdfwrite', 'rotated-90', 'rotated-180',
  'rotated-270', 'cropped', 'cropped-rotated-90', 'header-1.4', 'header-1.5', 'header-1.7', 'header-2.0',
  'signed-pdfsig-rsa', 'signed-signpdf-p256', 'size-1m',
];
const ENCRYPTED = ['encrypted-user', 'encrypted-owner'];

let paths: Record<string, string>;
let pki: TestPki;
let nss: string;
let roots: string;

beforeAll(async ({}, suite) => {
  if (!skipUnlessJudges(suite, ...judgesFor([...SEALABLE, ...ENCRYPTED]))) return;
  paths = await ensureFixtures([...SEALABLE, ...ENCRYPTED, 'pki-root']);
  pki = await makeTestPki();
  // Only where NSS's certutil is: the tests that judge with pdfsig skip without it (test/helpers/judges.ts).
  if (haveJudges('certutil')) nss = await nssDbTrusting(pki.root.certPem);
  // One CA file with both roots: ours and the fixture PKI's (which signed the signed-* inputs).
  roots = join(scratch('roots-'), 'roots.pem');
  await writeFile(roots, `${pki.root.certPem}\n${await readFile(paths['pki-root']!, 'latin1')}`);
}, 300_000);

describe('sealPdf over the fixture corpus', () => {
  for (const name of SEALABLE) {
    it(`${name}: B-T seal accepted by pdfsig, qpdf and openssl; earlier signatures stay valid`, async () => {
      const input = await readFile(paths[name]!);
      const out = await sealPdf(input, {
        page: 1, xMm: 80, yMm: 60, appearance: redSeal(), signer: signerFor(pki.leafP256), level: 'B-T',
        signingTime: new Date(), timestamper: opensslTimestamper(pki),
      });
      expect(Buffer.compare(out.subarray(0, input.length), input)).toBe(0);
      const sig = await pdfsig(out, nss);
      const expected = name.startsWith('signed-') ? 2 : 1;
      expect(sig.signatures, sig.out).toHaveLength(expected);
      for (const s of sig.signatures) expect(s.valid, s.block).toBe(true);
      expect(sig.signatures[expected - 1]!.trusted, sig.out).toBe(true);
      const q = await qpdfCheck(out);
      expect(q.code, q.out).toBe(0);
      for (const v of await opensslVerifyAll(out, roots)) expect(v.code, `${v.field}: ${v.out}`).toBe(0);
    });
  }

  for (const name of ENCRYPTED) {
    it(`${name}: refused with 422 encrypted-pdf`, async () => {
      const input = await readFile(paths[name]!);
      const e = await sealPdf(input, {
        page: 1, xMm: 80, yMm: 60, appearance: redSeal(), signer: signerFor(pki.leafP256), level: 'B-B', signingTime: new Date(),
      }).then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).type).toBe('encrypted-pdf');
      expect((e as AppError).status).toBe(422);
    });
  }
});
