/**
 * Verification costs work on what changed, not on the document: counted in objects parsed (the reader's
 * readerStats), never timed. And the byte-level reference scan that makes it so (src/verify/rules/references.ts)
 * must find every spelling of a reference a parser accepts, or a shadow attack could hide from it.
 */
import { readFile } from 'node:fs/promises';
import { PDFDocument, PDFName, PDFRef, StandardFonts, drawObject, popGraphicsState, pushGraphicsState } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { IncrementalUpdate } from '../../src/pdf/incremental-writer.js';
import { readPdf, readerStats } from '../../src/pdf/reader.js';
import { scanReferences } from '../../src/verify/rules/references.js';
import { verifyPdf } from '../../src/verify/index.js';
import { ensureFixtures } from '../fixtures/make-fixtures.js';
import { basePdf, imageHash, issueSealCert, makeTestPki, seal, sealAppearance, type TestCert, type TestPki } from './kit.js';

let pki: TestPki;
let sealCert: TestCert;
const appearance = sealAppearance(3);
const anchors = () => [pki.root.certDer];

beforeAll(async () => {
  pki = await makeTestPki();
  sealCert = await issueSealCert(pki, { name: 'proportional', subject: '/C=CN/O=Test Unit One/CN=Test Unit One Seal', imageHash: imageHash(appearance) });
}, 120_000);

async function parsedWhileVerifying(pdf: Buffer) {
  const before = readerStats.objectsParsed;
  const report = await verifyPdf(pdf, { trustAnchors: anchors() });
  return { parsed: readerStats.objectsParsed - before, report };
}

describe('verification in proportion to what changed', () => {
  it('a 2000-page document with a later DSS and document time-stamp parses about as many objects as a 2-page one', async () => {
    const { 'pages-2000': path } = await ensureFixtures(['pages-2000']);
    const long = await readFile(path!);
    expect(readPdf(long).pageRefs().length).toBe(2000);
    const results = [];
    for (const doc of [await basePdf(2), long]) {
      // B-LTA: the seal's revision, then a DSS revision and a document time-stamp revision after it.
      const sealed = await seal(pki, doc, sealCert, { level: 'B-LTA', appearance });
      const r = await parsedWhileVerifying(sealed);
      expect(r.report.valid, JSON.stringify(r.report.signatures.map((s) => [s.status, s.reason]))).toBe(true);
      expect(r.report.revisions).toBe(4);
      expect(r.report.signatures.map((s) => s.level)).toEqual(['B-LTA', 'B-LTA']);
      results.push(r.parsed);
    }
    const [short, longer] = results as [number, number];
    // The long document has 4000 more objects than the short one; reading them would show here.
    expect(longer).toBeLessThanOrEqual(short + 5);
    expect(longer).toBeLessThan(60);
  }, 300_000);

  it('a second seal on a 2000-page document: the signature revision is not walked either', async () => {
    const { 'pages-2000': path } = await ensureFixtures(['pages-2000']);
    const once = await seal(pki, await readFile(path!), sealCert, { level: 'B-T', appearance });
    const twice = await seal(pki, once, sealCert, { level: 'B-T', appearance, page: 2000 });
    const r = await parsedWhileVerifying(twice);
    expect(r.report.valid).toBe(true);
    expect(r.parsed).toBeLessThan(80);
  }, 300_000);
});

describe('the reference scan finds every spelling a parser reads as a reference', () => {
  const refs = (text: string) => [...scanReferences(Buffer.from(text, 'latin1')).first.keys()].sort((a, b) => a - b);

  it('plain, odd whitespace, no space before R, leading zeros, decimals, comments between the tokens', () => {
    expect(refs('<< /A 12 0 R >>')).toEqual([12]);
    expect(refs('[12\r0\tR 13\x000\x0cR]')).toEqual([12, 13]);
    expect(refs('/A 12 0R')).toEqual([12]);
    expect(refs('/A 0012 0 R')).toEqual([12]);
    expect(refs('/A 12.0 0 R')).toEqual([0, 12]); // pdf-lib reads 12.0 as 12; the scan also keeps the digits after the dot
    expect(refs('/A 12 %hidden\n0 %more\r\nR')).toEqual([12]);
    expect(refs('/A 12\n%one\n%two\n0\n%three\nR')).toEqual([12]);
  });

  it('over-approximates: a reference-like text inside a string or a comment is a candidate too', () => {
    expect(refs('/T (see 7 0 R)')).toEqual([7]);
    expect(refs('% 8 0 R\n')).toEqual([8]);
    // a '%' inside a string is no comment, but the scan cannot tell: it tries both readings (9 0 R, and 50 0 R
    // were "%) 9" a comment)
    expect(refs('(50%) 9\n0 R')).toEqual([9, 50]);
  });

  it('not a reference: names, words, a single number', () => {
    expect(refs('/Root /Rotate 90 /R /Resources Rx')).toEqual([]);
    expect(refs('12 R')).toEqual([]);
  });

  it('gives up (and so makes the verifier parse) where comments stack beyond its bound', () => {
    const deep = `12 ${'%c\n'.repeat(40)}0 R`;
    expect(scanReferences(Buffer.from(deep, 'latin1')).firstUnknown).toBeGreaterThan(0);
  });
});

describe('a dangling reference filled later is refused however the signed revision spells it', () => {
  /** A page that draws XObject 9999, which does not exist when signed (renders nothing then). */
  async function danglingPage(objectStreams: boolean): Promise<Buffer> {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const page = doc.addPage([595, 842]);
    page.drawText('Contract value: 100 yuan', { x: 72, y: 760, size: 14, font });
    const name = page.node.newXObject('Dg', PDFRef.of(9999, 0));
    page.pushOperators(pushGraphicsState(), drawObject(name), popGraphicsState());
    doc.setSubject('filed under 9998 0 R'); // reference-like text that is no reference
    return Buffer.from(await doc.save({ useObjectStreams: objectStreams }));
  }

  /** The same bytes with every `9999 0 R` spelled `as` (same length, so the cross-reference offsets hold). */
  function respell(pdf: Buffer, as: string): Buffer {
    expect(as.length).toBe('9999 0 R'.length);
    const text = pdf.toString('latin1');
    expect(text).toContain('9999 0 R');
    return Buffer.from(text.replaceAll('9999 0 R', as), 'latin1');
  }

  /** The attack's later revision: object 9999 filled with other page content, disguised as DSS data. */
  function fill(pdf: Buffer, num: number): Buffer {
    const f = readPdf(pdf);
    const u = new IncrementalUpdate(f);
    const ref = PDFRef.of(num, 0);
    u.set(ref, f.context.stream('BT /F1 14 Tf 72 700 Td (Penalty: 1,000,000 yuan) Tj ET', { Type: 'XObject', Subtype: 'Form', BBox: [0, 0, 595, 842] }));
    const cat = f.catalog().clone(f.context);
    cat.set(PDFName.of('DSS'), f.context.obj({ Certs: [ref] }));
    u.set(f.catalogRef, cat);
    return u.write().bytes;
  }

  const spellings: [string, (objectStreams: boolean) => Promise<Buffer>][] = [
    ['plain, in an object stream', (o) => danglingPage(o)],
    ['a comment between number and generation', async (o) => respell(await danglingPage(o), '9999%\n0R')],
    ['leading zero, no space before R', async (o) => respell(await danglingPage(o), '09999 0R')],
    ['carriage return and tab', async (o) => respell(await danglingPage(o), '9999\r0\tR')],
  ];

  for (const [label, make] of spellings) {
    it(label, async () => {
      const objectStreams = label.includes('object stream');
      const signed = await seal(pki, await make(objectStreams), sealCert, { level: 'B-T', appearance });
      const report = await verifyPdf(fill(signed, 9999), { trustAnchors: anchors() });
      expect(report.valid).toBe(false);
      const s = report.signatures[0]!;
      expect(s.status).toBe('INVALID');
      expect(s.detail).toMatch(/revision 2 changes dangling-reference-filled \(object 9999 0\)/);
    }, 60_000);
  }

  it('control: a number only named in a string, filled later as DSS data, is no dangling reference', async () => {
    const signed = await seal(pki, await danglingPage(false), sealCert, { level: 'B-T', appearance });
    const report = await verifyPdf(fill(signed, 9998), { trustAnchors: anchors() });
    const s = report.signatures[0]!;
    expect(s.modificationsAfter.map((m) => m.kind)).not.toContain('dangling-reference-filled');
    expect(s.status, s.detail).toBe('VALID');
  }, 60_000);
});
