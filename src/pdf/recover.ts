/**
 * Recovering a PDF's cross-reference structure by scanning, for VERIFICATION ONLY (the sealer refuses such
 * files: it must never write an update on top of a structure it guessed). A validator has to read what
 * viewers read, and viewers repair a file whose last `startxref` points nowhere or whose last xref section
 * is corrupt; the signatures in it are then still judged one by one, against the revisions found here.
 *
 * The file is cut into revisions at its %%EOF markers. Each revision keeps every cross-reference section
 * that still reads (tables and streams found by scanning, not by following startxref); a revision whose
 * section is unreadable gets one rebuilt from the object definitions between its start and its %%EOF
 * (and the objects inside its object streams), with its trailer if one can be parsed, else the previous
 * revision's. Bytes after the last %%EOF are left out: the verifier reports them as unaccounted for.
 * Every scan is bounded (RECOVERY_LIMITS); past a bound nothing is recovered and the file is refused.
 */
import { PDFContext, PDFDict, PDFName, PDFNumber, PDFRawStream } from 'pdf-lib';
import { LIMITS } from '../limits.js';
import { decodeStream, parseIndirectAt, parseObjectAt, readInt } from './object-parser.js';
import type { Section, StructureRecovery, XrefEntry } from './reader.js';

/** The same bounds as reading (src/limits.ts); past one, nothing is recovered and the file is refused. */
export const RECOVERY_LIMITS = {
  /** Revisions (%%EOF markers) considered. */
  revisions: LIMITS.revisions.value,
  /** Object definitions scanned in the file. */
  objects: LIMITS.objects.value,
  /** Objects taken from the object streams of one rebuilt revision. */
  compressedObjects: LIMITS.objects.value,
};

const EOF_MARK = Buffer.from('%%EOF');
const TRAILER = Buffer.from('trailer');

export const recoverStructure: StructureRecovery = (bytes, readSection) => {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buf.toString('latin1');
  const context = PDFContext.create();

  // Revision boundaries: just after each %%EOF (and its end-of-line).
  const ends: number[] = [];
  for (let at = buf.indexOf(EOF_MARK); at >= 0; at = buf.indexOf(EOF_MARK, at + EOF_MARK.length)) {
    let p = at + EOF_MARK.length;
    if (buf[p] === 0x0d) p++;
    if (buf[p] === 0x0a) p++;
    ends.push(p);
    if (ends.length > RECOVERY_LIMITS.revisions) return undefined;
  }
  if (!ends.length) return undefined;

  // Cross-reference sections that still read, wherever they are.
  const candidates = new Set<number>();
  for (const m of text.matchAll(/(?:^|[\r\n])xref[ \t]*[\r\n]/g)) candidates.add(m.index! + (m[0][0] === 'x' ? 0 : 1));
  const headers: { offset: number; num: number; gen: number }[] = [];
  for (const m of text.matchAll(/(?:^|[\r\n \t])(\d{1,10})[ \t\r\n\f\0]+(\d{1,5})[ \t\r\n\f\0]+obj\b/g)) {
    const offset = m.index! + (/\d/.test(m[0][0]!) ? 0 : 1);
    headers.push({ offset, num: Number(m[1]), gen: Number(m[2]) });
    if (headers.length > RECOVERY_LIMITS.objects) return undefined;
    if (/\/Type\s*\/XRef\b/.test(text.slice(offset, offset + 512))) candidates.add(offset);
  }
  const readable: Section[] = [];
  for (const offset of [...candidates].sort((a, b) => a - b)) {
    const s = readSection(offset);
    if (s && s.offset === offset) readable.push(s);
  }

  const sections: Section[] = [];
  let start = 0;
  let previousTrailer: PDFDict | undefined;
  for (const end of ends) {
    const inside = readable.filter((s) => s.offset >= start && s.offset < end);
    if (inside.length) {
      sections.push(...inside);
      previousTrailer = inside[inside.length - 1]!.trailer;
    } else {
      const rebuilt = rebuildSection(bytes, text, headers.filter((h) => h.offset >= start && h.offset < end), start, end, previousTrailer, context);
      if (rebuilt) {
        sections.push(rebuilt);
        previousTrailer = rebuilt.trailer;
      }
    }
    start = end;
  }
  return sections.length ? sections : undefined;
};

/** A section for the revision [start, end) from its object definitions; undefined when it defines none. */
function rebuildSection(
  bytes: Uint8Array, text: string, headers: { offset: number; num: number; gen: number }[], start: number, end: number,
  previousTrailer: PDFDict | undefined, context: PDFContext,
): Section | undefined {
  if (!headers.length) return undefined;
  const entries = new Map<number, XrefEntry>();
  // Later definitions of a number in the same revision win, as a viewer's repair does.
  for (const h of headers) entries.set(h.num, { type: 'offset', offset: h.offset, gen: h.gen });
  // Objects inside this revision's object streams.
  let compressed = 0;
  for (const h of headers) {
    let parsed;
    try {
      parsed = parseIndirectAt(bytes, h.offset, context, () => undefined);
    } catch {
      continue;
    }
    const o = parsed?.object;
    if (!(o instanceof PDFRawStream) || o.dict.get(PDFName.of('Type')) !== PDFName.of('ObjStm')) continue;
    const n = o.dict.get(PDFName.of('N'));
    if (!(n instanceof PDFNumber)) continue;
    let data: Uint8Array;
    try {
      data = decodeStream(o);
    } catch {
      continue;
    }
    let p = 0;
    for (let i = 0; i < n.asNumber(); i++) {
      const num = readInt(data, p);
      const rel = num && readInt(data, num.end);
      if (!num || !rel) break;
      p = rel.end;
      if (!entries.has(num.value) || entries.get(num.value)!.type !== 'offset') entries.set(num.value, { type: 'compressed', stream: h.num, index: i });
      if (++compressed > RECOVERY_LIMITS.compressedObjects) return undefined;
    }
  }
  // The revision's own trailer when it parses; else the previous one (same /Root), without its /Prev.
  let trailer: PDFDict | undefined;
  const at = text.lastIndexOf('trailer', end);
  if (at >= start) {
    try {
      const t = parseObjectAt(bytes, at + TRAILER.length, context).object;
      if (t instanceof PDFDict) trailer = t;
    } catch { /* fall back */ }
  }
  if (!trailer && previousTrailer) {
    trailer = PDFDict.withContext(context);
    for (const [k, v] of previousTrailer.entries()) if (!['Prev', 'XRefStm', 'Type', 'W', 'Index', 'Filter', 'DecodeParms', 'Length'].includes(k.decodeText())) trailer.set(k, v);
  }
  if (!trailer) return undefined;
  // The section "ends" just before the revision's %%EOF, so the reader closes the revision there.
  const eof = text.lastIndexOf('%%EOF', end);
  return { offset: start, kind: 'table', trailer, entries, bodyEnd: eof >= start ? eof : end };
}
