/**
 * Some pages of a document as a small PDF of their own, for pdf.js to read instead of the whole document.
 *
 * pdf.js opens a document by parsing its cross-reference data and walking its page tree and objects
 * well beyond the page asked for: on a 2000-page report that took hundreds of milliseconds for page 1
 * alone, on every sealing (the classification mark is looked for on page 1 of every document). Our own
 * reader (src/pdf/reader.ts) finds a page from the trailer and the page tree's /Count, parsing only the
 * nodes on the way; the page's content streams and resources are then copied into a new file of a few
 * kilobytes, which is what pdf.js gets. Text and positions are the same: the page keeps its content,
 * resources and boxes (the inherited ones resolved onto it).
 */
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRawStream, PDFRef, type PDFContext, type PDFObject } from 'pdf-lib';
import { readPdf, type PdfFile } from '../pdf/reader.js';

export interface PageSubset {
  /** The small PDF: the chosen pages, in the order chosen. */
  bytes: Uint8Array;
  /** Pages of the original document. */
  pageCount: number;
  /** The original number of each page of the small PDF (its page i+1 is the original's pages[i]). */
  pages: number[];
}

/** What a page takes along: what text extraction reads (content, resources, the boxes that place it). */
const PAGE_KEYS = ['Contents', 'Resources', 'MediaBox', 'CropBox', 'Rotate', 'UserUnit'] as const;
const INHERITED = new Set(['Resources', 'MediaBox', 'CropBox', 'Rotate']);
/** A page whose resources reach further than this is read by pdf.js from the whole document instead. */
const MAX_OBJECTS = 20_000;

class TooLarge extends Error {}

/**
 * The pages `choose` picks (given the document's page count), as a small PDF; undefined when the
 * document is not one our reader reads plainly (damaged, encrypted, an odd page tree, resources out of
 * bounds): the caller then gives pdf.js the whole document, which repairs and decrypts what it can.
 * `read`: the document as the caller's reader already read it.
 */
export async function pageSubset(pdf: Uint8Array, choose: (pageCount: number) => number[], read?: PdfFile): Promise<PageSubset | undefined> {
  let file: PdfFile;
  try {
    file = read ?? readPdf(pdf);
  } catch {
    return undefined;
  }
  try {
    const pagesNode = file.lookupDict(file.catalog().get(PDFName.of('Pages')));
    const pageCount = file.lookupNumber(pagesNode?.get(PDFName.of('Count')));
    if (pageCount === undefined || !Number.isInteger(pageCount) || pageCount < 1) return undefined;
    const pages = choose(pageCount);
    const doc = await PDFDocument.create({ updateMetadata: false });
    const copy = copier(file, doc.context);
    // One flat page tree of our own (its leaves are plain dictionaries, not pdf-lib's page objects).
    const treeRef = doc.context.nextRef();
    const kids: PDFRef[] = [];
    for (const n of pages) {
      const found = file.findPage(n);
      if (!found) return undefined;
      const leaf = doc.context.obj({ Type: 'Page', Parent: treeRef }) as PDFDict;
      for (const key of PAGE_KEYS) {
        const value = INHERITED.has(key) ? file.inherited(found.dict, key) : found.dict.get(PDFName.of(key));
        if (value !== undefined) leaf.set(PDFName.of(key), copy(value));
      }
      kids.push(doc.context.register(leaf));
    }
    doc.context.assign(treeRef, doc.context.obj({ Type: 'Pages', Kids: kids, Count: kids.length }));
    doc.catalog.set(PDFName.of('Pages'), treeRef);
    return { bytes: await doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false }), pageCount, pages };
  } catch {
    return undefined; // TooLarge, or a structure our reader refuses further in
  }
}

/**
 * Copies objects of the original into `into`, each indirect object once (shared fonts stay shared).
 * /Parent links are not followed (they lead back up the page tree to every other page).
 */
function copier(file: PdfFile, into: PDFContext): (obj: PDFObject) => PDFObject {
  const refs = new Map<string, PDFRef>();
  const copy = (obj: PDFObject): PDFObject => {
    if (obj instanceof PDFRef) {
      const known = refs.get(obj.tag);
      if (known) return known;
      if (refs.size >= MAX_OBJECTS) throw new TooLarge();
      const ref = into.nextRef();
      refs.set(obj.tag, ref);
      const target = file.getObject(obj);
      into.assign(ref, target === undefined ? into.obj(null) : copy(target));
      return ref;
    }
    if (obj instanceof PDFRawStream) {
      const dict = copyDict(obj.dict);
      dict.set(PDFName.of('Length'), PDFNumber.of(obj.contents.length));
      return PDFRawStream.of(dict, obj.contents);
    }
    if (obj instanceof PDFDict) return copyDict(obj);
    if (obj instanceof PDFArray) {
      const out = PDFArray.withContext(into);
      for (const item of obj.asArray()) out.push(copy(item));
      return out;
    }
    return obj; // names, numbers, strings, booleans, null: immutable
  };
  const copyDict = (dict: PDFDict): PDFDict => {
    const out = PDFDict.withContext(into);
    for (const [key, value] of dict.entries()) if (key !== PDFName.of('Parent')) out.set(key, copy(value));
    return out;
  };
  return copy;
}
