import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { signCommand } from '../../src/cli/commands/sign.js';
import { readPdf } from '../../src/pdf/reader.js';
import { signatureFields } from '../../src/pdf/signature-field.js';
import { makeTestPki, nssDbTrusting, type TestPki } from '../helpers/openssl-pki.js';
import { getCorpus, scratch } from './fixtures.js';
import { opensslVerifyAll, pdfsig, qpdfCheck } from './judges.js';
import { redSeal } from './seal-image.js';
import { skipUnlessJudges } from '../helpers/judges.js';

let pki: TestPki;
let dir: string;
beforeAll(async ({}, suite) => {
  if (!skipUnlessJudges(suite, 'qpdf')) return; // the input is qpdf's rewrite of the corpus
  pki = await makeTestPki();
  dir = scratch('sign-cli-');
  const seal = redSeal(240, 42);
  // 240 px at 145.14 dpi = 42 mm.
  await sharp(seal.rgba, { raw: { width: 240, height: 240, channels: 4 } }).withMetadata({ density: (240 / 42) * 25.4 }).png().toFile(join(dir, 'seal.png'));
  await writeFile(join(dir, 'in.pdf'), (await getCorpus()).objstm);
});

describe('seal sign', () => {
  it('seals a PDF with a local key: valid for pdfsig, qpdf and openssl; size from the PNG resolution', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await signCommand([
      join(dir, 'in.pdf'), '--key', pki.leafRsa.keyPath, '--cert', pki.leafRsa.certPath, '--chain', pki.chainPath,
      '--page', '2', '--x', '50', '--y', '60', '--image', join(dir, 'seal.png'), '--reason', '审核通过', '-o', join(dir, 'out.pdf'),
    ]);
    err.mockRestore();
    expect(code).toBe(0);
    const out = await readFile(join(dir, 'out.pdf'));
    const pdf = readPdf(out);
    const [field] = signatureFields(pdf);
    const rect = pdf.lookupArray(field!.dict.get(await import('pdf-lib').then((m) => m.PDFName.of('Rect'))))!.asArray().map((n) => pdf.lookupNumber(n)!);
    expect(Math.abs(rect[2]! - rect[0]! - (42 * 72) / 25.4)).toBeLessThan(0.5);
    const sig = await pdfsig(out, await nssDbTrusting(pki.root.certPem));
    expect(sig.signatures[0]?.valid, sig.out).toBe(true);
    expect((await qpdfCheck(out)).code).toBe(0);
    for (const r of await opensslVerifyAll(out, pki.root.certPath)) expect(r.code, r.out).toBe(0);
  });

  it('--riding: a riding seal across the right edge of every page, alone or with the main seal; valid for pdfsig and qpdf', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const base = [join(dir, 'in.pdf'), '--key', pki.leafRsa.keyPath, '--cert', pki.leafRsa.certPath, '--chain', pki.chainPath, '--image', join(dir, 'seal.png')];
    const alone = await signCommand([...base, '--riding', '-o', join(dir, 'riding.pdf')]);
    const both = await signCommand([...base, '--riding', '--page', '1', '--x', '50', '--y', '60', '-o', join(dir, 'riding-both.pdf')]);
    const half = await signCommand([...base, '--riding', '--page', '1', '-o', join(dir, 'riding-half.pdf')]);
    out.mockRestore();
    expect([alone, both, half]).toEqual([0, 0, 2]); // --page without --x and --y is still a usage error
    for (const file of ['riding.pdf', 'riding-both.pdf']) {
      const sealed = await readFile(join(dir, file));
      const pdf = readPdf(sealed);
      const [field] = signatureFields(pdf);
      const { PDFName } = await import('pdf-lib');
      // one widget per page (the slices), plus the main seal's when it was asked for
      const kids = pdf.lookupArray(field!.dict.get(PDFName.of('Kids')));
      expect(kids?.size() ?? 1, file).toBe(pdf.pageRefs().length + (file === 'riding-both.pdf' ? 1 : 0));
      const sig = await pdfsig(sealed, await nssDbTrusting(pki.root.certPem));
      expect(sig.signatures.every((x) => x.valid), sig.out).toBe(true);
      expect((await qpdfCheck(sealed)).code).toBe(0);
    }
  });

  it('exits 2 with the problem type for a page that does not exist, and for usage errors', async () => {
    const lines: string[] = [];
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      lines.push(String(s));
      return true;
    });
    const common = ['--key', pki.leafP256.keyPath, '--cert', pki.leafP256.certPath, '--image', join(dir, 'seal.png'), '-o', join(dir, 'x.pdf')];
    const c1 = await signCommand([join(dir, 'in.pdf'), ...common, '--page', '9', '--x', '50', '--y', '60']);
    const c2 = await signCommand([join(dir, 'in.pdf'), ...common, '--page', '1']);
    const c3 = await signCommand([join(dir, 'in.pdf'), ...common, '--page', '1', '--x', '50', '--y', '60', '--key', pki.leafRsa.keyPath]);
    err.mockRestore();
    expect([c1, c2, c3]).toEqual([2, 2, 2]);
    expect(lines.join('')).toContain('page-not-found');
    expect(lines.join('')).toContain('key-mismatch');
    expect(lines.join('')).not.toContain('PRIVATE KEY');
  });
});
