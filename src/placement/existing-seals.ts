/**
 * Seals already on a page, as boxes in mm in the reader's view: the widgets of signature fields (our seals,
 * other tools' visible signatures, riding-seal slices) and rubber-stamp annotations, unless hidden.
 * Read-only, from the document's newest revision.
 */
import { PDFDict, PDFName } from 'pdf-lib';
import { MM_TO_PT } from '../pdf/appearance.js';
import type { PdfFile } from '../pdf/reader.js';
import { pageView, viewBoxOf } from '../pdf/signature-field.js';
import type { BoxMm } from './signature-block.js';

const HIDDEN = 2;

function isSignatureWidget(pdf: PdfFile, annot: PDFDict): boolean {
  let d: PDFDict | undefined = annot;
  for (let depth = 0; d && depth < 32; depth++) {
    const ft = pdf.lookupName(d.get(PDFName.of('FT')));
    if (ft) return ft === 'Sig';
    d = pdf.lookupDict(d.get(PDFName.of('Parent')));
  }
  return false;
}

export function existingSealBoxes(pdf: PdfFile, pageNumber: number): BoxMm[] {
  const page = pdf.findPage(pageNumber);
  if (!page) return [];
  const view = pageView(pdf, page.dict);
  const out: BoxMm[] = [];
  const annots = pdf.lookupArray(page.dict.get(PDFName.of('Annots')))?.asArray() ?? [];
  for (const a of annots.slice(0, 10_000)) {
    const annot = pdf.lookupDict(a);
    if (!annot) continue;
    const subtype = pdf.lookupName(annot.get(PDFName.of('Subtype')));
    const isSeal = subtype === 'Stamp' || (subtype === 'Widget' && isSignatureWidget(pdf, annot));
    if (!isSeal || ((pdf.lookupNumber(annot.get(PDFName.of('F'))) ?? 0) & HIDDEN)) continue;
    const rect = pdf.lookupArray(annot.get(PDFName.of('Rect')))?.asArray().map((n) => pdf.lookupNumber(n));
    if (!rect || rect.length !== 4 || rect.some((n) => n === undefined || !Number.isFinite(n))) continue;
    const [x0, y0, x1, y1] = rect as number[] as [number, number, number, number];
    if (Math.abs(x1 - x0) < 1e-3 || Math.abs(y1 - y0) < 1e-3) continue; // invisible (document time-stamps)
    const [vx0, vy0, vx1, vy1] = viewBoxOf(view, [x0, y0, x1, y1]);
    out.push({ x0: vx0 / MM_TO_PT, y0: vy0 / MM_TO_PT, x1: vx1 / MM_TO_PT, y1: vy1 / MM_TO_PT });
  }
  return out;
}
