import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument, PDFName } from 'pdf-lib';
import { ensureFixtures, FIXTURE_NAMES, judgesFor } from '../fixtures/make-fixtures.js';
import { nssDbTrusting, runTool } from '../helpers/openssl-pki.js';
import { skipUnlessJudges } from '../helpers/judges.js';

let f: Record<string, string>;
beforeAll(async ({}, suite) => {
  if (!skipUnlessJudges(suite, ...judgesFor())) return;
  f = await ensureFixtures();
}, 300_000);

const latin1 = async (name: string) => (await readFile(f[name]!)).toString('latin1');

describe('fixture corpus', () => {
  it('has every fixture, and a second call makes nothing new', async () => {
    expect(Object.keys(f).sort()).toEqual([...FIXTURE_NAMES].sort());
    const again = await ensureFixtures(['pdflib-table', 'size-50m']);
    expect(again['size-50m']).toBe(f['size-50m']);
  });

  it('every unencrypted fixture passes qpdf --check', async () => {
    // size-50m is made by the same code as size-8m; checking it would only cost seconds
    const skip = (n: string) => n.startsWith('pki-') || n.startsWith('encrypted-') || n.startsWith('broken-') || n === 'size-50m';
    for (const name of FIXTURE_NAMES.filter((n) => !skip(n))) {
      const r = await runTool('qpdf', ['--check', f[name]!]);
      expect(r.code, `${name}: ${r.stdout.toString()}${r.stderr}`).toBe(0);
    }
  });

  it('the structural variants are what their names say', async () => {
    expect(await latin1('pdflib-table')).toMatch(/\nxref\r?\n0 \d+/);
    expect(await latin1('pdflib-objstm')).toContain('/Type /ObjStm');
    expect(await latin1('qpdf-objstm')).toMatch(/\/Type\s*\/ObjStm/);
    expect((await latin1('qpdf-linearized')).slice(0, 1200)).toContain('/Linearized');
    expect(await latin1('gs-pdfwrite')).toMatch(/GPL Ghostscript|Ghostscript/);
    for (const v of ['1.4', '1.5', '1.7', '2.0']) expect((await latin1(`header-${v}`)).slice(0, 8)).toBe(`%PDF-${v}`);
    expect(await latin1('header-1.4')).not.toContain('/ObjStm');
  });

  it('rotated and cropped pages carry /Rotate and a CropBox inside an offset MediaBox', async () => {
    for (const deg of [90, 180, 270]) {
      const doc = await PDFDocument.load(await readFile(f[`rotated-${deg}`]!));
      expect(doc.getPage(0).getRotation().angle).toBe(deg);
    }
    const doc = await PDFDocument.load(await readFile(f['cropped-rotated-90']!));
    const page = doc.getPage(0);
    expect(page.getMediaBox()).toEqual({ x: -100, y: -50, width: 595, height: 842 });
    expect(page.getCropBox()).toEqual({ x: 20, y: 40, width: 400, height: 600 });
    expect(page.getRotation().angle).toBe(90);
  });

  it('inherited-attrs: the pages inherit MediaBox, CropBox and Rotate from /Pages', async () => {
    const r = await runTool('pdfinfo', ['-f', '1', '-l', '1', '-box', f['inherited-attrs']!]);
    const out = r.stdout.toString();
    expect(out).toMatch(/Page\s+1 rot:\s+270/);
    expect(out).toMatch(/Page\s+1 CropBox:\s+20\.00\s+40\.00\s+420\.00\s+640\.00/);
    const doc = await PDFDocument.load(await readFile(f['inherited-attrs']!));
    for (const key of ['Rotate', 'MediaBox', 'CropBox']) expect(doc.getPage(0).node.get(PDFName.of(key)), key).toBeUndefined();
  });

  it('form-fields has an AcroForm with two fields', async () => {
    const doc = await PDFDocument.load(await readFile(f['form-fields']!));
    expect(doc.getForm().getFields().map((x) => x.getName()).sort()).toEqual(['applicant.name', 'approved']);
  });

  it('broken fixtures are broken: no xref a reader can use as is', async () => {
    for (const name of ['broken-not-pdf', 'broken-truncated', 'broken-xref', 'broken-xref-shifted']) {
      const r = await runTool('qpdf', ['--check', f[name]!]);
      expect(r.code, name).not.toBe(0); // 2 = errors, 3 = repaired with warnings
    }
    expect((await latin1('broken-not-pdf')).startsWith('%PDF')).toBe(false);
  });

  it('encrypted fixtures are encrypted (AES-256)', async () => {
    for (const [name, pw] of [['encrypted-user', 'u'], ['encrypted-owner', '']] as const) {
      const r = await runTool('qpdf', [`--password=${pw}`, '--show-encryption', f[name]!]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.toString()).toContain('R = 6');
    }
    expect((await runTool('qpdf', ['--check', f['encrypted-user']!])).code).not.toBe(0); // needs the password
  });

  it('the pre-signed fixtures verify in pdfsig with the fixture root trusted', async () => {
    const nss = await nssDbTrusting(await readFile(f['pki-root']!, 'utf8'));
    for (const name of ['signed-pdfsig-rsa', 'signed-signpdf-p256']) {
      const r = await runTool('pdfsig', ['-nssdir', `sql:${nss}`, f[name]!]);
      const out = r.stdout.toString();
      expect(out, name).toContain('Signature is Valid.');
      expect(out, name).toContain('Total document signed');
      expect(out, name).toContain('adbe.pkcs7.detached');
      if (name === 'signed-pdfsig-rsa') expect(out, name).toContain('Certificate is Trusted.');
    }
  });

  it('size fixtures are about their nominal size', async () => {
    const nominal: Record<string, number> = { 'size-40k': 40 * 1024, 'size-1m': 1 << 20, 'size-8m': 8 << 20, 'size-50m': 50 << 20 };
    for (const [name, size] of Object.entries(nominal)) {
      const actual = (await readFile(f[name]!)).length;
      expect(Math.abs(actual - size), name).toBeLessThan(Math.max(4096, size * 0.01));
    }
    // many ordinary pages, like a scan, not a few giant images
    const pages = await runTool('qpdf', ['--show-npages', f['size-50m']!]);
    expect(Number(pages.stdout.toString())).toBeGreaterThan(700);
    // the long report: 2000 pages of text, about 7.6 MB, no images
    const report = f['pages-2000']!;
    expect(Number((await runTool('qpdf', ['--show-npages', report])).stdout.toString())).toBe(2000);
    expect(Math.abs((await readFile(report)).length - 7.6e6)).toBeLessThan(0.3e6);
    expect(await latin1('pages-2000')).not.toContain('/Subtype /Image');
  });
});
