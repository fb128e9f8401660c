/**
 * Before pdf.js reads a page's text: the streams it will decode for that page (its content streams, the form
 * XObjects they draw, the embedded font programs) decoded once by our own capped decoder, so a decompression bomb
 * is refused with 422 `document-too-complex` instead of being inflated by pdf.js, whose typed arrays are outside a
 * worker's heap limit (a 1.5 GB bomb in a page's content stream held 3.4 GB for 28 s before this check).
 *
 * Only Flate-encoded streams can be checked this way (what our decoder reads); a stream with another filter is left
 * to pdf.js, bounded then by the worker's deadline only.
 */
import { PDFArray, PDFDict, PDFName, PDFObject, PDFRawStream, PDFRef } from 'pdf-lib';
import { AppError } from '../errors.js';
import { LimitExceeded } from '../limits.js';
import { decodeStream, type PdfFile } from '../pdf/reader.js';

const N = (s: string) => PDFName.of(s);
/** Resource dictionaries followed into form XObjects: deeper nesting is rare and pdf.js stops on its own. */
const MAX_FORM_DEPTH = 8;

export function preflightPages(pdf: PdfFile, pages: number[]): void {
  const seen = new Set<string>();
  const check = (o: PDFObject | undefined) => {
    if (o instanceof PDFRef) { if (seen.has(o.tag)) return; seen.add(o.tag); }
    const s = pdf.resolve(o);
    if (!(s instanceof PDFRawStream) || !s.dict.has(N('Filter'))) return;
    try {
      decodeStream(s);
    } catch (e) {
      if (e instanceof LimitExceeded) throw e;
      if (!(e instanceof AppError)) throw e;
      // another filter, or corrupt data: pdf.js reads it as it can
    }
  };
  const resources = (res: PDFDict | undefined, depth: number) => {
    if (!res || depth > MAX_FORM_DEPTH) return;
    const fonts = pdf.lookupDict(res.get(N('Font')));
    for (const [, f] of fonts?.entries() ?? []) {
      const font = pdf.lookupDict(f);
      const fonts2 = [font, ...(pdf.lookupArray(font?.get(N('DescendantFonts')))?.asArray().map((d) => pdf.lookupDict(d)) ?? [])];
      for (const ft of fonts2) {
        const desc = pdf.lookupDict(ft?.get(N('FontDescriptor')));
        for (const k of ['FontFile', 'FontFile2', 'FontFile3']) check(desc?.get(N(k)));
      }
    }
    const xobjects = pdf.lookupDict(res.get(N('XObject')));
    for (const [, x] of xobjects?.entries() ?? []) {
      if (x instanceof PDFRef && seen.has(x.tag)) continue;
      const xs = pdf.resolve(x);
      if (!(xs instanceof PDFRawStream) || pdf.lookupName(xs.dict.get(N('Subtype'))) !== 'Form') continue;
      check(x);
      resources(pdf.lookupDict(xs.dict.get(N('Resources'))), depth + 1);
    }
  };
  for (const n of new Set(pages)) {
    // findPage descends the tree to page n alone (the whole tree only when it is irregular), as page-subset.ts does
    // to give pdf.js the pages it reads: not a walk of every page of a long document per page looked at.
    const page = pdf.findPage(n)?.dict;
    if (!page) continue;
    const contents = page.get(N('Contents'));
    const list = pdf.resolve(contents);
    if (list instanceof PDFArray) list.asArray().forEach(check);
    else check(contents);
    resources(pdf.lookupDict(pdf.inherited(page, 'Resources')), 0);
  }
}
