/**
 * The riding seal (骑缝章): one seal impressed across the right edges of the pages fanned out, so that each
 * page carries a slice of it and no page can be swapped unseen. Here: one signature whose appearance is
 * split into slices, one widget per page at the right edge of the page as the reader sees it, halfway up.
 *
 * Page i of a group of n shows slice i (from the seal's left): fanned with page 1 on top, each next page
 * a slice further right, the slices join into the whole seal. No slice is narrower than MIN_SLICE_MM, so a
 * seal W mm wide covers at most ⌊W / MIN_SLICE_MM⌋ pages; longer documents get one imprint per group of
 * pages, the groups as even as they can be.
 */
import type { PDFRef } from 'pdf-lib';
import { unprocessable } from '../errors.js';
import { MM_TO_PT, sealForm, type SealAppearance } from './appearance.js';
import type { IncrementalUpdate } from './incremental-writer.js';
import { pageView, placeSeal, type WidgetArgs } from './signature-field.js';

export const MIN_SLICE_MM = 2;

export interface RidingSlice {
  /** 1-based page number. */
  page: number;
  /** Which imprint (group of pages) this slice belongs to, 0-based. */
  imprint: number;
  /** The slice's left edge, mm from the seal's left edge, and its width. */
  fromMm: number;
  widthMm: number;
}

/** How a riding seal W mm wide is split over `pageCount` pages. */
export function ridingLayout(pageCount: number, sealWidthMm: number): RidingSlice[] {
  if (pageCount < 2) {
    throw unprocessable('riding-needs-pages', 'A riding seal joins pages: the document has only one page.', { field: 'riding' });
  }
  const perImprint = Math.floor(sealWidthMm / MIN_SLICE_MM + 1e-9);
  if (perImprint < 2) throw unprocessable('riding-seal-too-small', `A riding seal must be at least ${2 * MIN_SLICE_MM} mm wide.`, { field: 'riding' });
  const imprints = Math.ceil(pageCount / perImprint);
  const base = Math.floor(pageCount / imprints);
  const larger = pageCount % imprints; // the first `larger` imprints take one page more
  const out: RidingSlice[] = [];
  let page = 1;
  for (let g = 0; g < imprints; g++) {
    const n = base + (g < larger ? 1 : 0);
    const w = sealWidthMm / n;
    for (let i = 0; i < n; i++) out.push({ page: page++, imprint: g, fromMm: i * w, widthMm: w });
  }
  return out;
}

/**
 * The slices' widgets for an update: each page's form (a slice of the seal image `imageRef`) stored in `u`,
 * its rectangle at the right edge of the page as the reader sees it, centred on the page's height.
 */
export function ridingWidgets(u: IncrementalUpdate, appearance: SealAppearance, imageRef: PDFRef): WidgetArgs[] {
  const pdf = u.pdf;
  const pageRefs = pdf.pageRefs();
  const widgets: WidgetArgs[] = [];
  for (const slice of ridingLayout(pageRefs.length, appearance.widthMm)) {
    const ref = pageRefs[slice.page - 1]!;
    const dict = pdf.lookupDict(ref);
    if (!dict) throw unprocessable('unreadable-page', `Page ${slice.page} cannot be read.`, { field: 'riding' });
    const page = { ref, dict };
    const view = pageView(pdf, page.dict);
    const pageWidthMm = view.width / MM_TO_PT;
    const pageHeightMm = view.height / MM_TO_PT;
    const rect = placeSeal(view, pageWidthMm - slice.widthMm / 2, pageHeightMm / 2, slice.widthMm, appearance.heightMm);
    const form = u.newRef();
    u.set(form, sealForm(pdf.context, appearance, view.rotation, imageRef, slice));
    widgets.push({ page, rect, appearance: form });
  }
  return widgets;
}
