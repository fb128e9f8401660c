import { PDFDict, PDFName, PDFRef } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { readPdf } from '../../src/pdf/reader.js';
import { getCorpus, qpdf } from './fixtures.js';

const expect422 = (fn: () => unknown, type: string) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).status).toBe(422);
    expect((e as AppError).type).toBe(type);
    return;
  }
  throw new Error('expected a 422');
};

describe('readPdf', () => {
  it('reads a table-xref file: one revision, catalog, pages, inherited attributes', async () => {
    const { table } = await getCorpus();
    const pdf = readPdf(table);
    expect(pdf.revisions).toHaveLength(1);
    expect(pdf.revisions[0]!.kind).toBe('table');
    expect(pdf.revisions[0]!.end).toBe(table.length);
    expect(pdf.catalog().get(PDFName.of('Type'))).toBe(PDFName.of('Catalog'));
    expect(pdf.pageRefs()).toHaveLength(3);
    const p2 = pdf.findPage(2)!;
    expect(p2.ref.tag).toBe(pdf.pageRefs()[1]!.tag);
    expect(pdf.lookupNumber(pdf.inherited(p2.dict, 'Rotate'))).toBe(90);
    expect(pdf.findPage(4)).toBeUndefined();
    expect(pdf.findPage(0)).toBeUndefined();
  });

  it('reads xref streams and object streams (qpdf --object-streams=generate)', async () => {
    const { objstm, table } = await getCorpus();
    const pdf = readPdf(objstm);
    expect(pdf.revisions[pdf.revisions.length - 1]!.kind).toBe('stream');
    expect([...pdf.xref.values()].some((e) => e.type === 'compressed')).toBe(true);
    expect(pdf.pageRefs()).toHaveLength(3);
    const page = pdf.findPage(3)!.dict;
    expect(pdf.lookupArray(pdf.inherited(page, 'CropBox'))!.size()).toBe(4);
    // Same text content stream as the original.
    expect(readPdf(table).pageRefs()).toHaveLength(3);
  });

  it('treats a linearized file as one revision ending at the file end', async () => {
    const { linearized } = await getCorpus();
    const pdf = readPdf(linearized);
    expect(pdf.revisions).toHaveLength(1);
    expect(pdf.revisions[0]!.end).toBe(linearized.length);
    expect(pdf.pageRefs()).toHaveLength(3);
  });

  it('reads Ghostscript output', async () => {
    const { gs } = await getCorpus();
    if (!gs) {
      if (process.env.CI) throw new Error('gs needed');
      return;
    }
    const pdf = readPdf(gs);
    expect(pdf.pageRefs()).toHaveLength(3);
  });

  it('lists incremental revisions oldest first with their ends, and objects per revision', async () => {
    const { table } = await getCorpus();
    // Append an update by hand: a new Info dict.
    const pdf0 = readPdf(table);
    const size = pdf0.lookupNumber(pdf0.trailer.get(PDFName.of('Size')))!;
    const prevStart = Buffer.from(table).lastIndexOf('startxref');
    const prev = Buffer.from(table).subarray(prevStart + 10).toString('latin1').trim().split(/\s+/)[0];
    const objOffset = table.length;
    const obj = `${size} 0 obj\n<< /Producer (test) >>\nendobj\n`;
    const xrefOffset = objOffset + obj.length;
    const entry = `${String(objOffset).padStart(10, '0')} 00000 n\r\n`;
    const root = (pdf0.trailer.get(PDFName.of('Root')) as PDFRef).tag;
    const upd = `${obj}xref\n${size} 1\n${entry}trailer\n<< /Size ${size + 1} /Root ${root} /Info ${size} 0 R /Prev ${prev} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
    const bytes = Buffer.concat([table, Buffer.from(upd, 'latin1')]);
    const pdf = readPdf(bytes);
    expect(pdf.revisions.map((r) => r.end)).toEqual([table.length, bytes.length]);
    expect([...pdf.revisions[1]!.objects.keys()]).toEqual([size]);
    const info = pdf.lookupDict(PDFRef.of(size, 0));
    expect(info).toBeInstanceOf(PDFDict);
    expect(pdf.getObject(PDFRef.of(size, 0), 0)).toBeUndefined();
  });

  it('repairs a startxref offset that is off by a few bytes', async () => {
    const { table } = await getCorpus();
    const s = Buffer.from(table).toString('latin1');
    const at = s.lastIndexOf('startxref');
    const off = Number(s.slice(at + 10).trim().split(/\s+/)[0]);
    const bad = s.slice(0, at) + `startxref\n${off - 3}\n%%EOF\n`;
    expect(readPdf(Buffer.from(bad, 'latin1')).pageRefs()).toHaveLength(3);
  });

  it('refuses non-PDFs, truncated and encrypted files with 422', async () => {
    const { table, objstm } = await getCorpus();
    expect422(() => readPdf(Buffer.from('hello world, not a pdf')), 'not-a-pdf');
    expect422(() => readPdf(table.subarray(0, Math.floor(table.length * 0.6))), 'unsealable-pdf');
    expect422(() => readPdf(objstm.subarray(0, objstm.length - 200)), 'unsealable-pdf');
    const s = Buffer.from(table).toString('latin1');
    const at = s.lastIndexOf('startxref');
    expect422(() => readPdf(Buffer.from(s.slice(0, at) + 'startxref\n99\n%%EOF\n', 'latin1')), 'unsealable-pdf');
    const enc = qpdf(table, ['--encrypt', 'u', 'o', '256', '--']);
    expect422(() => readPdf(enc), 'encrypted-pdf');
  });
});

describe('readPdf on a hybrid-reference file', () => {
  it('finds objects through the /XRefStm of a table section', async () => {
    const { hybridPdf, qpdfCheck } = await import('./fixtures.js');
    const bytes = hybridPdf();
    expect(qpdfCheck(bytes).status).toBe(0);
    const pdf = readPdf(bytes);
    expect(pdf.revisions).toHaveLength(1);
    expect(pdf.revisions[0]!.kind).toBe('table');
    expect(pdf.xref.get(3)).toEqual({ type: 'compressed', stream: 4, index: 0 });
    const page = pdf.findPage(1)!;
    expect(page.ref.objectNumber).toBe(3);
    expect(pdf.lookupArray(page.dict.get(PDFName.of('MediaBox')))!.size()).toBe(4);
  });
});

describe('readPdf on damaged input', () => {
  it('answers truncated and bit-flipped files with a result or a 422 AppError, never anything else', async () => {
    const fc = await import('fast-check');
    const { objstm, table } = await getCorpus();
    fc.assert(
      fc.property(
        fc.constantFrom(objstm, table),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (src, cut, flips) => {
          const bytes = Buffer.from(src.subarray(0, src.length - (cut % 64)));
          for (const [at, v] of flips) bytes[at % bytes.length] = v;
          try {
            const pdf = readPdf(bytes);
            for (const ref of pdf.pageRefs()) pdf.lookupDict(ref);
            pdf.findPage(1);
          } catch (e) {
            if (!(e instanceof AppError) || e.status !== 422) throw e;
          }
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });
});
