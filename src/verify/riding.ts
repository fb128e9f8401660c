/**
 * Riding seals (骑缝章) in the verification report: a signature whose widgets are slices at the right edge of
 * two or more pages is a riding seal, and its pages are those slices' pages as signed. The check: every page
 * of the document as it stands now still carries its slice, at the same place in the page order, visible and
 * unchanged (so no page was swapped, added, removed or reordered, and no slice hidden or taken off the page).
 */
import { PDFDict, PDFName, PDFRef } from 'pdf-lib';
import { pageView, viewBoxOf, type Rect } from '../pdf/page-view.js';
import type { PdfFile } from '../pdf/reader.js';
import type { FoundSignature } from './pdf-signatures.js';

/** A slice's right side lies on the page's right edge within this many points. */
const EDGE_PT = 0.5;
/** Annotation flags that keep a widget from being seen or printed: Invisible, Hidden, NoView. */
const UNSEEN = 1 | 2 | 32;

export interface RidingReport {
  /** 1-based page numbers that carried a slice when signed. */
  pages: number[];
  /** Pages that no longer carry their slice as signed, with why. */
  missing: { page: number; detail: string }[];
}

const N = (n: string) => PDFName.of(n);

function rectOf(pdf: PdfFile, d: PDFDict | undefined, rev: number): Rect | undefined {
  const arr = pdf.lookupArray(d?.get(N('Rect')), rev)?.asArray().map((x) => pdf.lookupNumber(x, rev));
  if (!arr || arr.length !== 4 || arr.some((x) => x === undefined || !Number.isFinite(x))) return undefined;
  const [a, b, c, e] = arr as number[];
  return [Math.min(a!, c!), Math.min(b!, e!), Math.max(a!, c!), Math.max(b!, e!)];
}

function annotRefs(pdf: PdfFile, page: PDFDict | undefined, rev: number): Set<string> {
  const annots = pdf.lookupArray(page?.get(N('Annots')), rev);
  return new Set((annots?.asArray() ?? []).filter((a): a is PDFRef => a instanceof PDFRef).map((a) => a.tag));
}

/** The widgets of the signature's field as signed (revision `rev`): its kids, or the field itself. */
function widgetsAt(pdf: PdfFile, s: FoundSignature, rev: number): PDFRef[] {
  if (!s.fieldRef) return s.widgetRefs;
  const field = pdf.lookupDict(s.fieldRef, rev);
  const kids = pdf.lookupArray(field?.get(N('Kids')), rev);
  if (!kids) return [s.fieldRef];
  return kids.asArray().filter((k): k is PDFRef => k instanceof PDFRef).slice(0, 100_000);
}

/** The riding-seal report of a signature signed in revision `rev`, or undefined when it is not a riding seal. */
export function checkRidingSeal(pdf: PdfFile, s: FoundSignature, rev: number): RidingReport | undefined {
  try {
    return ridingSeal(pdf, s, rev);
  } catch {
    return undefined; // structures too broken to tell; the change analysis judges what was altered
  }
}

function ridingSeal(pdf: PdfFile, s: FoundSignature, rev: number): RidingReport | undefined {
  // Most seals have one widget: nothing more to read (the page tree of a long document is not walked).
  const widgets = widgetsAt(pdf, s, rev);
  if (widgets.length < 2) return undefined;
  const pagesThen = pdf.pageRefs(rev);
  const numberThen = new Map(pagesThen.map((p, i) => [p.tag, i + 1]));
  // Slices as signed: widgets in their page's /Annots whose right side is the page's right edge.
  const slices = new Map<number, { widget: PDFRef; rect: Rect; ap: string | undefined }>();
  for (const w of widgets) {
    const wd = pdf.lookupDict(w, rev);
    const pageRef = wd?.get(N('P'));
    const page = pageRef instanceof PDFRef ? numberThen.get(pageRef.tag) : undefined;
    const rect = rectOf(pdf, wd, rev);
    if (!wd || !page || !rect) continue;
    const pageDict = pdf.lookupDict(pageRef, rev)!;
    if (!annotRefs(pdf, pageDict, rev).has(w.tag)) continue;
    const view = pageView(pdf, pageDict, rev);
    const box = viewBoxOf(view, rect);
    if (Math.abs(box[2] - view.width) > EDGE_PT || box[0] <= EDGE_PT) continue;
    const ap = pdf.lookupDict(wd.get(N('AP')), rev)?.get(N('N'));
    // A page's slice is its narrowest widget at the edge (a full seal may stand there too).
    const known = slices.get(page);
    if (known && known.rect[2] - known.rect[0] <= rect[2] - rect[0]) continue;
    slices.set(page, { widget: w, rect, ap: ap instanceof PDFRef ? ap.tag : undefined });
  }
  if (slices.size < 2) return undefined;

  const last = pdf.revisions.length - 1;
  const pagesNow = pdf.pageRefs(last);
  const missing: RidingReport['missing'] = [];
  const count = Math.max(pagesThen.length, pagesNow.length);
  for (let n = 1; n <= count; n++) {
    const slice = slices.get(n);
    const nowRef = pagesNow[n - 1];
    if (!nowRef) {
      if (slice) missing.push({ page: n, detail: `page ${n} was removed after the riding seal` });
      continue;
    }
    if (!slice) {
      if (n > pagesThen.length) missing.push({ page: n, detail: `page ${n} was added after the riding seal and carries no slice of it` });
      continue;
    }
    const nowPage = pdf.lookupDict(nowRef, last);
    const wd = pdf.lookupDict(slice.widget, last);
    const ap = pdf.lookupDict(wd?.get(N('AP')), last)?.get(N('N'));
    const rect = rectOf(pdf, wd, last);
    const flags = pdf.lookupNumber(wd?.get(N('F')), last) ?? 0;
    const p = wd?.get(N('P'));
    let why: string | undefined;
    if (!annotRefs(pdf, nowPage, last).has(slice.widget.tag)) why = `page ${n} no longer carries its slice of the riding seal (a page swapped, moved, or the slice taken off)`;
    else if (!(p instanceof PDFRef) || p.tag !== nowRef.tag) why = `the slice on page ${n} names another page`;
    else if (flags & UNSEEN) why = `the slice on page ${n} is hidden`;
    else if (!rect || rect.some((x, i) => Math.abs(x - slice.rect[i]!) > 1e-3)) why = `the slice on page ${n} was moved`;
    else if (!(ap instanceof PDFRef) || ap.tag !== slice.ap) why = `the slice on page ${n} shows another appearance`;
    if (why) missing.push({ page: n, detail: why });
  }
  return { pages: [...slices.keys()].sort((a, b) => a - b), missing };
}
