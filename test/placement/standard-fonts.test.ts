/**
 * Text in the 14 standard fonts (not embedded: pdf-lib's StandardFonts, the shape of a long report) is read without
 * pdf.js's standard font files (src/placement/text.ts): the characters come from the font's encoding and the
 * widths from pdf.js's built-in metrics, so the runs and their ends are the same as pdf.js gives with the font files.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { extractText } from '../../src/placement/text.js';

const MM_PER_PT = 25.4 / 72;

describe('text in the standard fonts, read without their font files', () => {
  it('every standard text font gives the same runs, characters and widths as pdf.js reading it with the font files', async () => {
    const doc = await PDFDocument.create();
    const page = doc.addPage([595, 842]);
    const cases: { font: StandardFonts; text: string }[] = [
      { font: StandardFonts.TimesRoman, text: 'Municipal report, 29 November 2026 (page 1 of 2000)' },
      { font: StandardFonts.TimesRomanBoldItalic, text: 'Annex B: figures' },
      { font: StandardFonts.Helvetica, text: 'Guangzhou Municipal Bureau 2026-11-29' },
      { font: StandardFonts.HelveticaBold, text: 'SECRET? no: public' },
      { font: StandardFonts.Courier, text: 'ref. 114401000000000427' },
      { font: StandardFonts.CourierBoldOblique, text: 'x = 42' },
    ];
    let y = 780;
    const expected: { text: string; x0: number; width: number }[] = [];
    for (const c of cases) {
      const font = await doc.embedFont(c.font);
      page.drawText(c.text, { x: 72, y, size: 12, font });
      expected.push({ text: c.text, x0: 72 * MM_PER_PT, width: font.widthOfTextAtSize(c.text, 12) * MM_PER_PT });
      y -= 30;
    }
    const pdf = await doc.save();
    const text = await extractText(pdf, { pages: [1] });
    // What pdf.js reads with its standard font files given (as it was before): the same runs, the same widths.
    const base = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const task = pdfjs.getDocument({
      data: new Uint8Array(pdf), cMapUrl: join(base, 'cmaps') + '/', cMapPacked: true, standardFontDataUrl: join(base, 'standard_fonts') + '/',
      isEvalSupported: false, disableFontFace: true, useSystemFonts: false, useWorkerFetch: false, verbosity: 0,
    });
    const withFiles = await (await (await task.promise).getPage(1)).getTextContent({ disableNormalization: true });
    await task.destroy();
    const items = (withFiles.items as { str: string; width: number; transform: number[] }[]).filter((i) => i.str.trim());
    const runs = text.pages[0]!.runs;
    expect(runs.map((r) => r.text)).toEqual(items.map((i) => i.str));
    runs.forEach((r, i) => {
      expect(r.x0).toBeCloseTo(items[i]!.transform[4]! * MM_PER_PT, 6);
      expect(r.x1 - r.x0).toBeCloseTo(items[i]!.width * MM_PER_PT, 6);
    });
    // and every font's text is all there, each line about as wide as pdf-lib sets it
    expect(runs.map((r) => r.text).join(' ')).toBe(expected.map((e) => e.text).join(' '));
    for (const e of expected) {
      const line = runs.filter((r) => e.text.startsWith(r.text) || e.text.includes(r.text));
      expect(Math.max(...line.map((r) => r.x1)) - e.x0).toBeCloseTo(e.width, 0);
    }
  }, 60_000);
});
