/**
 * Document metadata: the trailer's /Info dictionary and the catalog's XMP /Metadata stream. PDFBox and
 * Acrobat update /ModDate and /Producer when they save a signature; pyHanko and Acrobat rewrite the XMP
 * packet (xmp:ModifyDate, pdf:Producer). Metadata describes the document; no viewer draws it on a page.
 */
import { PDFDict, PDFRawStream, PDFRef } from 'pdf-lib';
import { decodeStream } from '../../pdf/reader.js';
import { N, nameOf } from '../pdf-objects.js';
import type { Cleared, DiffRule, RevisionView, UpdateView } from './api.js';
import { clearUnder } from './walk.js';

/** The document information dictionary, new or the same object as before (never a stream, never another old object). */
export const documentInfo: DiffRule = {
  name: 'metadata',
  level: 'lta-updates',
  *clears(old: RevisionView, update: UpdateView): Iterable<Cleared> {
    const info = update.trailer.get(N('Info'));
    if (!(info instanceof PDFRef) || !update.changes.has(info.tag)) return;
    const before = old.trailer.get(N('Info'));
    const sameInfo = before instanceof PDFRef && before.tag === info.tag;
    if (!sameInfo && !update.isNew(info.tag)) return;
    const d = update.get(info);
    if (!(d instanceof PDFDict) || d instanceof PDFRawStream) return;
    yield* clearUnder(update, info, [{ from: 'trailer', key: 'Info' }]);
  },
};

/**
 * The XMP metadata stream (/Type /Metadata /Subtype /XML, an XML packet). An overwritten stream is cleared
 * only where the catalog's /Metadata is its one usage (pyHanko checks the XML is well formed; a packet that
 * does not even look like XML is refused here).
 */
export const xmpMetadata: DiffRule = {
  name: 'metadata',
  level: 'lta-updates',
  *clears(old: RevisionView, update: UpdateView): Iterable<Cleared> {
    const m = update.catalog?.get(N('Metadata'));
    if (!(m instanceof PDFRef) || !update.changes.has(m.tag) || !old.rootRef) return;
    const s = update.get(m);
    if (!(s instanceof PDFRawStream) || nameOf(s.dict.get(N('Subtype'))) !== 'XML') return;
    if (!looksLikeXmp(s)) return;
    yield { tag: m.tag, usages: [{ from: old.rootRef.tag, key: 'Metadata' }] };
  },
};

function looksLikeXmp(s: PDFRawStream): boolean {
  let text: string;
  try {
    text = Buffer.from(s.dict.has(N('Filter')) ? decodeStream(s) : s.contents).toString('utf8');
  } catch {
    return false;
  }
  const t = text.replace(/^\uFEFF/, '').trimStart();
  return t.startsWith('<') && /<(x:xmpmeta|rdf:RDF)[\s>]/.test(t);
}
