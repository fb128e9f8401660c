/**
 * Reading a document the way a clerk does before sealing it (read-only): is it classified (Art. 6), and
 * where does the seal go (GB/T 9704-2012 §7.3.5). One plain function of bytes in and plain objects out, so
 * that it runs where untrusted documents are parsed; pdf.js is loaded the first time it is called.
 */
import { unprocessable } from '../errors.js';
import { readPdf, type PdfFile } from '../pdf/reader.js';
import { classificationMark, type ClassificationMark } from './classification.js';
import { existingSealBoxes } from './existing-seals.js';
import { ridingLayout } from '../pdf/riding.js';
import { placeOverSignature, type BoxMm, type SealPlacement } from './signature-block.js';
import { preflightPages } from './preflight.js';
import { extractText } from './text.js';

export type { ClassificationMark, ClassificationLevel } from './classification.js';
export type { SealPlacement } from './signature-block.js';

/** Pages looked at from the end for the last one with text (blank back pages of a printed document). */
const LAST_PAGES = 5;

export interface ExamineRequest {
  /** Find where the seal goes (placement=auto): over one of these names (registered name first, then aliases). */
  auto?: {
    names: string[];
    seal: { widthMm: number; heightMm: number };
    /** Look on this page only; by default the last page with text. */
    page?: number;
    /** A riding seal goes on in the same signature: keep clear of its slice on the page too. */
    riding?: boolean;
  };
}

export interface Examination {
  classification: ClassificationMark | null;
  placement?: SealPlacement;
}

/** `read`: `pdf` as readPdf already read it (a sealing examines and seals from one reading). */
export async function examineForSealing(pdf: Uint8Array, req: ExamineRequest, read?: PdfFile): Promise<Examination> {
  // Our bounded reader first: a structure it refuses (src/limits.ts) never reaches pdf.js, whose own reading of
  // cross-references and page trees has no such bounds (a /W [0 0 0] xref stream kept it busy for 37 s).
  const structure = read ?? readPdf(pdf);
  // The pages pdf.js is about to read, checked for decompression bombs with our capped decoder first. Only a search
  // from the end needs the page count: counting walks every page of the tree (~100 ms on 2000 pages), so a sealing at
  // a given position does not count.
  const fromTheEnd = req.auto !== undefined && req.auto.page === undefined;
  const pageCount = fromTheEnd ? structure.pageRefs().length : 0;
  const lastPages = fromTheEnd ? Array.from({ length: Math.min(LAST_PAGES, pageCount) }, (_, i) => pageCount - i) : [];
  preflightPages(structure, [1, ...(req.auto?.page !== undefined ? [req.auto.page] : []), ...lastPages]);
  const text = await extractText(pdf, {
    pages: [1, ...(req.auto?.page !== undefined ? [req.auto.page] : [])],
    lastWithText: req.auto && req.auto.page === undefined ? LAST_PAGES : 0,
  }, structure);
  const first = text.pages.find((p) => p.page === 1);
  const classification = first ? classificationMark(first) : null;
  if (!req.auto) return { classification };
  const auto = req.auto;
  if (auto.page !== undefined && (auto.page < 1 || auto.page > text.pageCount)) {
    throw unprocessable('page-not-found', `The document has no page ${auto.page} (it has ${text.pageCount}).`, { field: 'page' });
  }
  // The page to look on: the one asked for, else the last one with text (or, with none, the last page, so
  // that the refusal names it).
  const target = auto.page ?? text.lastWithText ?? text.pageCount;
  const candidates = text.pages.filter((p) => p.page === target);
  const slices = auto.riding ? ridingLayout(text.pageCount, auto.seal.widthMm) : [];
  const existingSeals = (n: number): BoxMm[] => {
    const boxes = existingSealBoxes(structure, n);
    const slice = slices.find((x) => x.page === n);
    const page = text.pages.find((p) => p.page === n);
    if (slice && page) {
      const y0 = (page.heightMm - auto.seal.heightMm) / 2;
      boxes.push({ x0: page.widthMm - slice.widthMm, y0, x1: page.widthMm, y1: y0 + auto.seal.heightMm });
    }
    return boxes;
  };
  const placement = placeOverSignature({ pages: candidates, names: auto.names, seal: auto.seal, existingSeals });
  return { classification, placement };
}

/** The classification mark of a document's first page, for the verification report; null when none. */
export async function documentClassification(pdf: Uint8Array): Promise<ClassificationMark | null> {
  return (await examineForSealing(pdf, {})).classification;
}
