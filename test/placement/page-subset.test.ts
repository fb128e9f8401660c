import { readFileSync } from 'node:fs';
import { PDFDict, PDFDocument, PDFName, PDFNumber } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { pageSubset } from '../../src/placement/page-subset.js';
import { extractText } from '../../src/placement/text.js';
import { ensureFixtures } from '../fixtures/make-fixtures.js';
import { pdfLibDocument, type PlacedLine } from './official-documents.js';

/** The same bytes with startxref pointing nowhere: our reader refuses it, pdf.js repairs it by scanning. */
function brokenStartxref(pdf: Uint8Array): Uint8Array {
  const text = Buffer.from(pdf).toString('latin1');
  const at = text.lastIndexOf('startxref');
  return Buffer.from(text.slice(0, at) + text.slice(at).replace(/startxref\s+\d+/, 'startxref\n999999999'), 'latin1');
}

const line = (text: string, baselineMm: number, xMm = 30): PlacedLine => ({ text, baselineMm, xMm, size: 14 });

describe('pdf.js reads only the pages it is asked for (a small PDF of them)', () => {
  it('gives the same text and positions as pdf.js on the whole document: turned pages, inherited boxes and resources, a page tree with nodes', async () => {
    const pages = [
      [line('机密★1年', 280, 20), line('第一页', 200)],
      [line('第二页 turned', 150)],
      [line('第三页', 120, 60)],
      [line('广州市教育局', 60, 120), line('2026年11月29日', 50, 120)],
    ];
    const plain = await pdfLibDocument(pages, 'embedded', { rotate: [0, 90, 180, 270] });
    // Move MediaBox and Resources of page 3 up into a new intermediate node of the page tree: inherited.
    const doc = await PDFDocument.load(plain);
    const root = doc.catalog.Pages();
    const kids = root.Kids();
    const third = doc.getPage(2).node;
    const node = doc.context.obj({ Type: 'Pages', Parent: doc.catalog.get(PDFName.of('Pages'))!, Kids: [kids.get(2)], Count: 1 });
    node.set(PDFName.of('MediaBox'), third.get(PDFName.of('MediaBox'))!);
    node.set(PDFName.of('Resources'), third.get(PDFName.of('Resources'))!);
    third.delete(PDFName.of('MediaBox'));
    third.delete(PDFName.of('Resources'));
    const nodeRef = doc.context.register(node);
    third.set(PDFName.of('Parent'), nodeRef);
    kids.set(2, nodeRef);
    const pdf = await doc.save({ useObjectStreams: false });

    const all = [1, 2, 3, 4];
    const small = await pageSubset(pdf, () => all);
    expect(small).toBeDefined();
    expect(small!.pageCount).toBe(4);
    expect(small!.bytes.length).toBeLessThan(pdf.length);
    expect(await pageSubset(brokenStartxref(pdf), () => all)).toBeUndefined(); // so the next line reads it whole

    const viaSubset = await extractText(pdf, { pages: all });
    const whole = await extractText(brokenStartxref(pdf), { pages: all });
    expect(viaSubset.pageCount).toBe(4);
    expect(viaSubset).toEqual(whole);
    expect(viaSubset.pages.map((p) => p.runs.map((r) => r.text).join(' '))).toEqual(['机密★1年 第一页', '第二页 turned', '第三页', '广州市教育局 2026年11月29日']);
    expect(viaSubset.pages[1]!.widthMm).toBeGreaterThan(viaSubset.pages[1]!.heightMm); // turned 90°: landscape as read

    // the last page with text, looked for from the end, with its page number in the document
    const last = await extractText(pdf, { pages: [1], lastWithText: 5 });
    expect(last.lastWithText).toBe(4);
    expect(last).toEqual(await extractText(brokenStartxref(pdf), { pages: [1], lastWithText: 5 }));
  });

  it('page 1 of the 2000-page report goes to pdf.js as a few kilobytes, with the same text', async () => {
    const files = await ensureFixtures(['pages-2000']);
    const pdf = readFileSync(files['pages-2000']!);
    const small = await pageSubset(pdf, () => [1]);
    expect(small!.pageCount).toBe(2000);
    expect(small!.bytes.length).toBeLessThan(64 * 1024);
    const text = await extractText(pdf, { pages: [1] });
    expect(text.pageCount).toBe(2000);
    expect(text).toEqual(await extractText(brokenStartxref(pdf), { pages: [1] }));
    expect(text.pages[0]!.runs.length).toBeGreaterThan(10);
  });

  it('follows no /Parent link out of a page (it would reach every other page), and leaves a document our reader cannot read to pdf.js', async () => {
    const pdf = await pdfLibDocument([[line('一', 200)], [line('二', 200)]], 'embedded');
    const doc = await PDFDocument.load(pdf);
    // a resource that points back at the page tree
    const res = doc.getPage(0).node.Resources()!;
    res.set(PDFName.of('Sneaky'), doc.context.obj({ Parent: doc.catalog.get(PDFName.of('Pages'))! }));
    const withLink = await doc.save({ useObjectStreams: false });
    const small = await pageSubset(withLink, () => [1]);
    const copy = await PDFDocument.load(small!.bytes);
    expect(copy.getPageCount()).toBe(1);
    const sneaky = copy.getPage(0).node.Resources()!.lookup(PDFName.of('Sneaky'), PDFDict);
    expect(sneaky.has(PDFName.of('Parent'))).toBe(false);
    // a page count the tree does not have: not read by us
    const odd = await PDFDocument.load(pdf);
    odd.catalog.Pages().set(PDFName.of('Count'), PDFNumber.of(0));
    expect(await pageSubset(await odd.save({ useObjectStreams: false }), () => [1])).toBeUndefined();
  });
});
