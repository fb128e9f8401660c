/**
 * Text with positions (文字及其位置) from a PDF, for the pages asked for only, by pdf.js (pdfjs-dist):
 * it decodes embedded and non-embedded CJK fonts through ToUnicode and the Adobe CMaps it ships, with no
 * network. Positions are in mm from the bottom-left corner of the page AS A READER SEES IT (the CropBox
 * turned by /Rotate), the convention of the sign endpoint's x and y (src/pdf/signature-field.ts).
 *
 * A plain function of bytes in and plain objects out, so that it can run in a worker thread. pdf.js is
 * imported the first time it is needed, never at start-up.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AppError, unprocessable } from '../errors.js';
import type { PdfFile } from '../pdf/reader.js';
import { pageSubset } from './page-subset.js';

const MM_PER_PT = 25.4 / 72;

/** One run of text on one baseline, as pdf.js groups glyphs, upright for the reader. */
export interface TextRun {
  /** The characters as the font's Unicode mapping gives them (not normalised: a full-width comma keeps its
   *  width class); pdf.js puts a space where glyphs stand apart. */
  text: string;
  /** Left and right ends of the run, mm from the page's left edge. */
  x0: number;
  x1: number;
  /** Baseline, mm from the page's bottom edge. */
  baseline: number;
  /** Font size in mm (the em). */
  size: number;
}

export interface PageText {
  /** 1-based. */
  page: number;
  widthMm: number;
  heightMm: number;
  runs: TextRun[];
}

export interface DocumentText {
  pageCount: number;
  pages: PageText[];
  /** The last page with text, when the selection asked for it and it was found within the pages allowed. */
  lastWithText?: number;
}

/**
 * Which pages to read: some by number, and/or the last pages back to the first one that has any text
 * (at most `lastWithText` of them). Each page is read once.
 */
export interface PageSelection {
  pages?: number[];
  lastWithText?: number;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjsLoaded: Promise<PdfJs> | undefined;
const loadPdfJs = () => (pdfjsLoaded ??= (async () => {
  nativeBuiltIns ??= builtInsNow();
  try {
    return await import('pdfjs-dist/legacy/build/pdf.mjs');
  } finally {
    restoreNativeBuiltIns();
  }
})());

/**
 * pdf.js's legacy build (the one that runs on Node 20) carries core-js, which on loading replaces some of the
 * thread's own built-ins with slower JavaScript versions where it finds a spec corner the native one misses:
 * Array.prototype.push (about 3× slower), JSON.parse and JSON.stringify. Everything else on the thread (our PDF
 * reader, pdf-lib, asn1js) would then run on them. The natives that existed before pdf.js loaded are put back —
 * after pdf.js itself and after its worker module (loaded with the first document) — and what core-js adds that
 * Node 20 lacks (Promise.withResolvers, Uint8Array.prototype.toHex, ...) is kept: pdf.js needs those.
 */
const BUILT_IN_HOLDERS: [string, object][] = [
  ['Array.prototype', Array.prototype], ['JSON', JSON], ['Function.prototype', Function.prototype], ['Object', Object],
  ['Object.prototype', Object.prototype], ['String.prototype', String.prototype], ['Promise', Promise],
  ['Map.prototype', Map.prototype], ['Set.prototype', Set.prototype], ['Math', Math], ['Number', Number], ['Reflect', Reflect],
  ['Uint8Array.prototype', Uint8Array.prototype], ['TypedArray.prototype', Object.getPrototypeOf(Uint8Array.prototype) as object],
  ['ArrayBuffer.prototype', ArrayBuffer.prototype],
];
let nativeBuiltIns: Map<object, Map<PropertyKey, PropertyDescriptor>> | undefined;

function builtInsNow(): Map<object, Map<PropertyKey, PropertyDescriptor>> {
  const out = new Map<object, Map<PropertyKey, PropertyDescriptor>>();
  for (const [, holder] of BUILT_IN_HOLDERS) {
    const own = new Map<PropertyKey, PropertyDescriptor>();
    for (const key of Reflect.ownKeys(holder)) own.set(key, Object.getOwnPropertyDescriptor(holder, key)!);
    out.set(holder, own);
  }
  return out;
}

/** Puts back every native method a library replaced since the snapshot (methods it added stay). */
export function restoreNativeBuiltIns(): string[] {
  const restored: string[] = [];
  if (!nativeBuiltIns) return restored;
  for (const [name, holder] of BUILT_IN_HOLDERS) {
    for (const [key, native] of nativeBuiltIns.get(holder) ?? []) {
      if (typeof native.value !== 'function') continue;
      const now = Object.getOwnPropertyDescriptor(holder, key);
      if (now?.value === native.value || !now?.configurable) continue;
      Object.defineProperty(holder, key, native);
      restored.push(`${name}.${String(key)}`);
    }
  }
  return restored;
}

/**
 * pdf.js's own CMaps, read from its package folder (never fetched). Not its standard font files: text extraction
 * needs a standard font's widths and character codes, which pdf.js has built in (the 14 fonts' metrics and
 * encodings), not its outlines; given the files, pdf.js reads and converts the font program of every standard font
 * a page uses (Times-Roman of a report: ~6 ms a sealing) only to draw it, which nothing here does.
 */
function assetDirs(): { cMapUrl: string } {
  const base = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
  return { cMapUrl: join(base, 'cmaps') + '/' };
}

/** Pages read at most in one call (a bound on the work one document can cause). */
export const MAX_PAGES_READ = 10;

/** The pages a selection may read, in the order it reads them, at most MAX_PAGES_READ. */
function pagesToRead(which: PageSelection, pageCount: number): number[] {
  const out: number[] = [];
  const add = (n: number) => {
    if (Number.isInteger(n) && n >= 1 && n <= pageCount && !out.includes(n) && out.length < MAX_PAGES_READ) out.push(n);
  };
  for (const n of which.pages ?? []) add(n);
  for (let n = pageCount, k = 0; n >= 1 && k < (which.lastWithText ?? 0); n--, k++) add(n);
  return out;
}

export async function extractText(pdf: Uint8Array, which: PageSelection, read?: PdfFile): Promise<DocumentText> {
  const pdfjs = await loadPdfJs();
  // pdf.js gets only the pages it will read, as a small PDF of their own (./page-subset.ts); the whole
  // document only when our reader cannot read it plainly (pdf.js repairs and decrypts what it can).
  const subset = await pageSubset(pdf, (count) => pagesToRead(which, count), read);
  // pdf.js takes ownership of the buffer it is given (it moves it to its worker): the whole document goes
  // as a copy, so the caller's stays whole. (Reading by byte ranges instead was measured: pdf.js then asks
  // for every chunk of the document anyway, and it is no faster.)
  const task = pdfjs.getDocument({
    data: subset ? subset.bytes : new Uint8Array(pdf),
    ...assetDirs(),
    cMapPacked: true,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    stopAtErrors: false,
    verbosity: 0,
  });
  let doc: Awaited<typeof task.promise>;
  try {
    doc = await task.promise;
  } catch (e) {
    restoreNativeBuiltIns();
    await task.destroy();
    const name = (e as { name?: string }).name;
    if (name === 'PasswordException') throw unprocessable('encrypted-pdf', 'The PDF is encrypted; its text cannot be read.');
    throw unprocessable('not-a-pdf', 'The PDF structure could not be read to find its text.');
  }
  // the first document loads pdf.js's worker module (on this thread), which brings core-js once more
  restoreNativeBuiltIns();
  try {
    const pageCount = subset ? subset.pageCount : doc.numPages;
    // page n of the document is page `at(n)` of what pdf.js opened
    const at = (n: number) => (subset ? subset.pages.indexOf(n) + 1 : n);
    const pages = new Map<number, PageText>();
    const read = async (n: number): Promise<PageText> => {
      const known = pages.get(n);
      if (known) return known;
      const page = await doc.getPage(at(n));
      try {
        const text = pageText(n, page, await page.getTextContent({ disableNormalization: true }));
        pages.set(n, text);
        return text;
      } finally {
        page.cleanup();
      }
    };
    const chosen = pagesToRead(which, pageCount);
    for (const n of which.pages ?? []) if (chosen.includes(n)) await read(n);
    let lastWithText: number | undefined;
    for (let n = pageCount, k = 0; n >= 1 && k < (which.lastWithText ?? 0); n--, k++) {
      if (!chosen.includes(n)) break;
      if ((await read(n)).runs.length) {
        lastWithText = n;
        break;
      }
    }
    return { pageCount, pages: [...pages.values()], ...(lastWithText ? { lastWithText } : {}) };
  } catch (e) {
    // pdf.js throws plain errors for a page tree or content it cannot read (a cycle, a missing page): the input's fault.
    if (e instanceof AppError) throw e;
    throw unprocessable('unsealable-pdf', `A page of the PDF could not be read to find its text: ${(e as Error).message}`);
  } finally {
    await task.destroy();
  }
}

interface PdfJsPage {
  getViewport(p: { scale: number }): { width: number; height: number; transform: number[] };
}
interface PdfJsTextContent {
  items: unknown[];
}

function pageText(n: number, page: PdfJsPage, content: PdfJsTextContent): PageText {
  // The viewport maps user space to the reader's view (CropBox, /Rotate), y downwards, in points.
  const vp = page.getViewport({ scale: 1 });
  const [va, vb, vc, vd, ve, vf] = vp.transform as [number, number, number, number, number, number];
  const runs: TextRun[] = [];
  for (const item of content.items) {
    const it = item as { str?: string; transform?: number[]; width?: number };
    if (typeof it.str !== 'string' || !it.transform || typeof it.width !== 'number') continue;
    const text = it.str;
    if (!text.trim()) continue;
    const [a, b, c, d, e, f] = it.transform as [number, number, number, number, number, number];
    // Direction of the baseline and of "up" in the reader's view (y downwards).
    const dirX = va * a + vc * b;
    const dirY = vb * a + vd * b;
    const upX = va * c + vc * d;
    const upY = vb * c + vd * d;
    const len = Math.hypot(dirX, dirY);
    const size = Math.hypot(upX, upY);
    if (!(len > 0) || !(size > 0)) continue;
    // Only text a reader reads left to right and upright (within a few degrees): the signature block and
    // the classification mark are set that way. Vertical or turned text is not looked at.
    if (dirX / len < 0.995 || upY / size > -0.995) continue; // y grows downwards in the view: up is negative
    const ox = va * e + vc * f + ve;
    const oy = vb * e + vd * f + vf;
    runs.push({
      text,
      x0: ox * MM_PER_PT,
      // pdf.js gives the run's advance in user space; the viewport may scale it (by len / |(a, b)|).
      x1: (ox + it.width * (len / Math.hypot(a, b))) * MM_PER_PT,
      baseline: (vp.height - oy) * MM_PER_PT,
      size: size * MM_PER_PT,
    });
  }
  return { page: n, widthMm: vp.width * MM_PER_PT, heightMm: vp.height * MM_PER_PT, runs };
}
