import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRef, PDFString } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { IncrementalUpdate } from '../../src/pdf/incremental-writer.js';
import { readPdf } from '../../src/pdf/reader.js';
import { getCorpus, qpdfCheck, toolRequired } from './fixtures.js';

async function roundTrip(original: Uint8Array) {
  const pdf = readPdf(original);
  const u = new IncrementalUpdate(pdf);
  // A changed object (the catalog gets a /Lang) and a new one (an Info dict).
  const catalog = pdf.catalog();
  catalog.set(PDFName.of('Lang'), PDFString.of('zh-CN'));
  u.set(pdf.catalogRef, catalog);
  const infoRef = u.newRef();
  const info = PDFDict.withContext(pdf.context);
  info.set(PDFName.of('Producer'), PDFString.of('incremental test'));
  u.set(infoRef, info);
  const out = u.write();
  return { pdf, out, infoRef };
}

describe('IncrementalUpdate', () => {
  for (const name of ['table', 'objstm', 'linearized', 'gs'] as const) {
    it(`appends to a ${name} original: prefix byte-identical, qpdf clean, pdf-lib loads, new versions resolve`, async () => {
      const original = (await getCorpus())[name];
      if (!original) {
        if (process.env.CI) throw new Error('fixture missing');
        return;
      }
      const before = Buffer.from(original); // a copy, to prove nothing wrote into the input
      const { pdf, out, infoRef } = await roundTrip(original);
      expect(Buffer.compare(out.bytes.subarray(0, original.length), before)).toBe(0);
      expect(Buffer.compare(Buffer.from(original), before)).toBe(0);

      const again = readPdf(out.bytes);
      expect(again.revisions).toHaveLength(pdf.revisions.length + 1);
      expect(again.revisions[again.revisions.length - 1]!.kind).toBe(pdf.revisions[pdf.revisions.length - 1]!.kind);
      expect(again.revisions[again.revisions.length - 1]!.end).toBe(out.bytes.length);
      expect(again.catalog().get(PDFName.of('Lang'))).toBeInstanceOf(PDFString);
      expect(again.catalog(0).get(PDFName.of('Lang'))).toBeUndefined();
      expect(again.lookupDict(infoRef)).toBeInstanceOf(PDFDict);
      const size = again.lookupNumber(again.trailer.get(PDFName.of('Size')))!;
      expect(size).toBeGreaterThan(infoRef.objectNumber);
      const id = again.trailer.get(PDFName.of('ID')) as PDFArray;
      const oldId = pdf.trailer.get(PDFName.of('ID')) as PDFArray | undefined;
      if (oldId) {
        expect(id.get(0).toString()).toBe(oldId.get(0).toString());
        expect(id.get(1).toString()).not.toBe(oldId.get(1).toString());
      }

      const doc = await PDFDocument.load(out.bytes);
      expect(doc.getPageCount()).toBe(3);

      if (toolRequired('qpdf')) {
        const check = qpdfCheck(out.bytes);
        expect(check.out).toContain('No syntax or stream encoding errors');
        expect(check.status).toBe(0);
      }
    });
  }

  it('adds an end-of-line when the original does not end with one, and new refs never collide', async () => {
    const { table } = await getCorpus();
    // pdf-lib ends its files with "%%EOF" and no end-of-line.
    const trimmed = table[table.length - 1] === 0x0a ? table.subarray(0, table.length - 1) : table;
    expect(trimmed[trimmed.length - 1]).not.toBe(0x0a);
    const pdf = readPdf(trimmed);
    const u = new IncrementalUpdate(pdf);
    const a = u.newRef();
    const b = u.newRef();
    expect(b.objectNumber).toBe(a.objectNumber + 1);
    expect(pdf.getObject(a)).toBeUndefined();
    u.set(a, PDFNumber.of(42));
    const out = u.write();
    expect(out.updateStart).toBe(trimmed.length + 1);
    expect(readPdf(out.bytes).lookupNumber(PDFRef.of(a.objectNumber, 0))).toBe(42);
    expect(qpdfCheck(out.bytes).status).toBe(0);
  });

  it('appends a later update in place into reserved room, without copying the document again', async () => {
    const { objstm } = await getCorpus();
    const u1 = new IncrementalUpdate(readPdf(objstm));
    const r1 = u1.newRef();
    u1.set(r1, PDFString.of('first'));
    const first = u1.write({ reserve: 4096 });
    const frozen = Buffer.from(first.bytes);
    const u2 = new IncrementalUpdate(readPdf(first.bytes));
    const r2 = u2.newRef();
    u2.set(r2, PDFString.of('second'));
    const second = u2.write({ inPlace: true });
    expect(second.bytes.buffer).toBe(first.bytes.buffer);
    expect(Buffer.compare(second.bytes.subarray(0, frozen.length), frozen)).toBe(0);
    const pdf = readPdf(second.bytes);
    expect(pdf.revisions).toHaveLength(3);
    expect(pdf.getObject(r1)).toBeInstanceOf(PDFString);
    expect(pdf.getObject(r2)).toBeInstanceOf(PDFString);
    expect(qpdfCheck(second.bytes).status).toBe(0);
    // Only room this writer reserved is used: a buffer from elsewhere (even with spare bytes) is copied.
    const u3 = new IncrementalUpdate(readPdf(objstm));
    u3.set(u3.newRef(), PDFString.of('x'));
    const third = u3.write({ inPlace: true });
    expect(third.bytes.buffer).not.toBe(objstm.buffer);
    // And an in-place append is refused once the reserved room was used by another append.
    const u4 = new IncrementalUpdate(readPdf(first.bytes));
    u4.set(u4.newRef(), PDFString.of('y'));
    expect(u4.write({ inPlace: true }).bytes.buffer).not.toBe(first.bytes.buffer);
    expect(readPdf(second.bytes).revisions).toHaveLength(3);
  });
});
