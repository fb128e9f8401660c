/**
 * PDF structure reader: trailer, cross-reference sections and single objects, without loading the document.
 *
 * Public API (stable; also used by src/verify/):
 *   readPdf(bytes) -> PdfFile
 *     .bytes               the input, never copied
 *     .version             header version, e.g. "1.7"
 *     .revisions           PdfRevision[] oldest first. A revision is one or more xref sections ending at the
 *                          same %%EOF group (a linearized file's two sections form ONE revision).
 *                          { index, xrefOffset, end, kind, trailer, objects } — `end` is the offset just after
 *                          that revision's %%EOF and its end-of-line; `objects` are the entries defined in
 *                          THIS revision (hybrid /XRefStm entries included).
 *     .trailer             the newest trailer dict;  .xref: merged entries of the newest revision
 *     .getObject(ref, rev?)  the object (parsed once, cached) as seen by revision `rev` (default newest);
 *                          undefined for free or missing objects
 *     .resolve(obj, rev?)  follows a PDFRef, returns direct objects as they are
 *     .lookupDict / lookupArray / lookupNumber / lookupName(obj, rev?)  typed resolve (undefined on mismatch)
 *     .catalog(rev?)       the /Root dict;  .catalogRef
 *     .pageRefs(rev?)      every page's ref, in order;  .findPage(n) -> { ref, dict } for the 1-based page n
 *     .inherited(pageDict, key, rev?)  a page attribute, looked up through /Parent
 *     .xrefAt(rev)         merged entries as seen by revision `rev`
 *     .objectEnd(ref, rev?) the offset just after the object's bytes (for offset entries), for diagnostics
 *   XrefEntry = { type:'free', gen } | { type:'offset', offset, gen } | { type:'compressed', stream, index }
 *   decodeStream(stream) (re-exported) decodes FlateDecode (+ predictors) data.
 *
 * Errors (AppError 422): `not-a-pdf` (no %PDF- header), `unsealable-pdf` (truncated, no startxref, broken
 * cross-references beyond a simple repair), `encrypted-pdf` (/Encrypt in the trailer).
 * Simple repairs done: a startxref or xref-entry offset off by a few bytes (whitespace, CR/LF), a wrong
 * stream /Length (the data then ends at `endstream`).
 */
import { PDFArray, PDFContext, PDFDict, PDFName, PDFNumber, PDFObject, PDFRawStream, PDFRef } from 'pdf-lib';
import { AppError, unprocessable } from '../errors.js';
import { LIMITS, LimitExceeded } from '../limits.js';
import { charge, exceed } from './budget.js';
import { decodeStream, isWhitespace, parseIndirectAt, parseObjectAt, readInt, startsWith } from './object-parser.js';

export { decodeStream } from './object-parser.js';

export type XrefEntry =
  | { type: 'free'; gen: number }
  | { type: 'offset'; offset: number; gen: number }
  | { type: 'compressed'; stream: number; index: number };

export interface PdfRevision {
  index: number;
  /** Offset of the section that startxref (or the next revision's /Prev) points to. */
  xrefOffset: number;
  /** Offset just after this revision's %%EOF and its end-of-line. */
  end: number;
  kind: 'table' | 'stream';
  trailer: PDFDict;
  /** Entries defined in THIS revision. */
  objects: Map<number, XrefEntry>;
}

export interface PdfFile {
  readonly bytes: Uint8Array;
  readonly version: string;
  readonly context: PDFContext;
  readonly revisions: PdfRevision[];
  readonly trailer: PDFDict;
  readonly xref: Map<number, XrefEntry>;
  readonly catalogRef: PDFRef;
  /** True when the structure was rebuilt by `ReadOptions.recover`. */
  readonly recovered: boolean;
  /**
   * Where the file's own offsets count from: 0, or the position of `%PDF-` when bytes come before it (a BOM, a
   * mail header) and the file's cross-references count from the header, as most such files do and as qpdf and
   * poppler read them. Every offset this reader hands out is absolute (from byte 0); an update writes its own
   * offsets in the file's frame (absolute minus offsetBase) so the file stays consistent.
   */
  readonly offsetBase: number;
  xrefAt(revision: number): Map<number, XrefEntry>;
  getObject(ref: PDFRef, revision?: number): PDFObject | undefined;
  resolve(obj: PDFObject | undefined, revision?: number): PDFObject | undefined;
  lookupDict(obj: PDFObject | undefined, revision?: number): PDFDict | undefined;
  lookupArray(obj: PDFObject | undefined, revision?: number): PDFArray | undefined;
  lookupNumber(obj: PDFObject | undefined, revision?: number): number | undefined;
  lookupName(obj: PDFObject | undefined, revision?: number): string | undefined;
  catalog(revision?: number): PDFDict;
  pageRefs(revision?: number): PDFRef[];
  findPage(pageNumber: number, revision?: number): { ref: PDFRef; dict: PDFDict } | undefined;
  inherited(page: PDFDict, key: string, revision?: number): PDFObject | undefined;
  objectEnd(ref: PDFRef, revision?: number): number | undefined;
}

const broken = (message: string) => unprocessable('unsealable-pdf', message);

/**
 * How many indirect objects every reader of this process has parsed (cache misses of getObject), for tests
 * that prove a piece of work is proportional to what it touches rather than to the document (verification of
 * a 2000-page document whose only later change is a DSS parses about as many objects as a 2-page one).
 */
export const readerStats = { objectsParsed: 0 };

/**
 * Rebuilds the cross-reference sections of a file whose startxref or last section is broken (./recover.ts),
 * given a reader for one section at an offset. Sections oldest first; undefined when nothing can be rebuilt.
 */
export type StructureRecovery = (bytes: Uint8Array, readSection: (offset: number) => Section | undefined) => Section[] | undefined;

export interface ReadOptions {
  /** Verification only: recover a broken structure instead of refusing it. Sealing never does. */
  recover?: StructureRecovery;
}

const STARTXREF = Buffer.from('startxref');
const EOF_MARK = Buffer.from('%%EOF');
const XREF = Buffer.from('xref');
const TRAILER = Buffer.from('trailer');

/** One cross-reference section (table or stream) with its trailer. */
export interface Section {
  offset: number;
  kind: 'table' | 'stream';
  trailer: PDFDict;
  entries: Map<number, XrefEntry>;
  /** Offset where the section's own bytes end (after the trailer dict / the xref stream object). */
  bodyEnd: number;
}

/** Reads the structure of a PDF. Throws AppError 422 for anything that is not a sealable PDF. */
export function readPdf(bytes: Uint8Array, opts: ReadOptions = {}): PdfFile {
  try {
    return new Reader(bytes, opts);
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw broken(`The PDF structure could not be read: ${(e as Error).message}`);
  }
}

class Reader implements PdfFile {
  readonly version: string;
  readonly context = PDFContext.create();
  readonly revisions: PdfRevision[];
  readonly trailer: PDFDict;
  readonly xref: Map<number, XrefEntry>;
  readonly catalogRef: PDFRef;
  private readonly buf: Buffer;
  private readonly merged: Map<number, XrefEntry>[];
  private readonly cache = new Map<string, { object: PDFObject; end?: number }>();
  private readonly objStreams = new Map<string, { data: Uint8Array; offsets: number[]; first: number }>();
  /** Cross-reference entries read so far, over every section (LIMITS.objects). */
  private entriesRead = 0;

  readonly recovered: boolean = false;
  offsetBase = 0;
  private readonly header: number;

  constructor(readonly bytes: Uint8Array, opts: ReadOptions = {}) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const header = this.buf.subarray(0, 1024).indexOf('%PDF-');
    if (header < 0) throw unprocessable('not-a-pdf', 'The input is not a PDF (no %PDF- header).');
    this.header = header;
    this.version = this.buf.subarray(header + 5, header + 8).toString('latin1');

    let sections: Section[];
    try {
      sections = this.readSections();
    } catch (e) {
      if (e instanceof LimitExceeded) throw e; // too complex is not broken: scanning would do the same work again
      // Verification only (sealing never passes `recover`): rebuild a broken structure by scanning, as validators do.
      const recovered = opts.recover?.(bytes, (offset) => { try { return this.readSection(offset); } catch { return undefined; } });
      if (!recovered?.length) throw e;
      sections = recovered;
      this.recovered = true;
    }

    // Group sections into revisions: a section whose %%EOF is not after the previous revision's end
    // belongs to that revision (linearized files: the first-page section points back to the main one).
    const revisions: PdfRevision[] = [];
    for (const s of sections) {
      const end = this.eofAfter(s.bodyEnd);
      const last = revisions[revisions.length - 1];
      if (last && end <= last.end) {
        for (const [n, e] of s.entries) last.objects.set(n, e);
        last.trailer = s.trailer;
        last.xrefOffset = s.offset;
        last.kind = s.kind;
      } else {
        revisions.push({ index: revisions.length, xrefOffset: s.offset, end, kind: s.kind, trailer: s.trailer, objects: new Map(s.entries) });
      }
    }
    this.revisions = revisions;
    this.merged = [];
    let acc = new Map<number, XrefEntry>();
    let mergedEntries = 0;
    for (const r of revisions) {
      acc = new Map(acc);
      for (const [n, e] of r.objects) acc.set(n, e);
      mergedEntries += acc.size;
      // One map per revision: many revisions of a large document multiply (checked before the next copy).
      charge(this.context, LIMITS.crossReferenceEntries, mergedEntries, 'the cross-reference entries of all revisions');
      this.merged.push(acc);
    }
    this.xref = acc;
    const newest = revisions[revisions.length - 1];
    if (!newest) throw broken('The PDF has no cross-reference section.');
    this.trailer = newest.trailer;
    if (this.trailer.has(PDFName.of('Encrypt'))) {
      throw unprocessable('encrypted-pdf', 'The PDF is encrypted; decrypt it before sealing.');
    }
    const root = this.trailer.get(PDFName.of('Root'));
    if (!(root instanceof PDFRef)) throw broken('The trailer has no /Root.');
    this.catalogRef = root;
    if (!this.lookupDict(root)) throw broken('The document catalog (/Root) cannot be read.');
  }

  /** The cross-reference sections from startxref along the /Prev chain, oldest first. */
  private readSections(): Section[] {
    const bytes = this.bytes;
    const sx = this.buf.lastIndexOf(STARTXREF);
    if (sx < 0) throw broken('The PDF has no startxref: it is truncated or damaged.');
    if (this.buf.indexOf(EOF_MARK, sx) < 0) throw broken('The PDF does not end with %%EOF: it is truncated.');
    const start = readInt(bytes, sx + STARTXREF.length);
    if (!start) throw broken('startxref is not followed by an offset.');
    // Bytes before %PDF: the file's offsets count from the header when startxref points there from it.
    if (this.header > 0 && !this.sectionAt(start.value) && this.sectionAt(start.value + this.header)) this.offsetBase = this.header;

    // Walk the /Prev chain, newest first.
    const sections: Section[] = [];
    const seen = new Set<number>();
    let next: number | undefined = start.value + this.offsetBase;
    while (next !== undefined) {
      if (seen.has(next)) throw broken('The cross-reference /Prev chain loops.');
      seen.add(next);
      charge(this.context, LIMITS.revisions, sections.length + 1, 'the number of cross-reference sections');
      const section = this.readSection(next);
      sections.push(section);
      const prev = section.trailer.get(PDFName.of('Prev'));
      next = prev instanceof PDFNumber ? prev.asNumber() + this.offsetBase : undefined;
    }
    sections.reverse(); // oldest first
    return sections;
  }

  /** Offset just after the first %%EOF (plus EOL) at or after `from`; file end when missing. */
  private eofAfter(from: number): number {
    const at = this.buf.indexOf(EOF_MARK, from);
    if (at < 0) return this.bytes.length;
    let p = at + EOF_MARK.length;
    if (this.bytes[p] === 0x0d) p++;
    if (this.bytes[p] === 0x0a) p++;
    return p;
  }

  private readSection(offset: number): Section {
    const at = this.locateSection(offset);
    if (startsWith(this.bytes, at, XREF)) return this.readTable(at);
    return this.readXrefStream(at);
  }

  /** Whether a cross-reference section (table or stream object) starts exactly at `p`. */
  private sectionAt(p: number): boolean {
    return p >= 0 && p < this.bytes.length &&
      (startsWith(this.bytes, p, XREF) || (parseHeader(this.bytes, p) !== undefined && (p === 0 || !isDigitByte(this.bytes[p - 1]))));
  }

  /** The section at `offset`, or (simple repair) within a few bytes of it. */
  private locateSection(offset: number): number {
    if (this.sectionAt(offset)) return offset;
    for (let d = 1; d <= 64; d++) {
      for (const p of [offset + d, offset - d]) if (this.sectionAt(p)) return p;
    }
    throw broken(`No cross-reference section at offset ${offset} (startxref or /Prev is wrong).`);
  }

  private readTable(offset: number): Section {
    const entries = new Map<number, XrefEntry>();
    let p = offset + XREF.length;
    for (;;) {
      while (isWhitespace(this.bytes[p])) p++;
      if (startsWith(this.bytes, p, TRAILER)) break;
      const first = readInt(this.bytes, p);
      const count = first && readInt(this.bytes, first.end);
      if (!first || !count) throw broken(`Malformed cross-reference table at offset ${p}.`);
      p = count.end;
      // Each entry takes 20 bytes (18 at the least, with a one-byte end of line written wrongly): a count the file
      // cannot hold is refused before anything is read or allocated.
      if (count.value * 18 > this.bytes.length - p) throw broken(`A cross-reference subsection at offset ${p} claims more entries than the file holds.`);
      this.countEntries(count.value);
      for (let i = 0; i < count.value; i++) {
        while (isWhitespace(this.bytes[p])) p++;
        const off = readInt(this.bytes, p);
        const gen = off && readInt(this.bytes, off.end);
        if (!off || !gen) throw broken(`Malformed cross-reference entry at offset ${p}.`);
        let q = gen.end;
        while (this.bytes[q] === 0x20) q++;
        const kind = this.bytes[q];
        if (kind !== 0x6e && kind !== 0x66) throw broken(`Malformed cross-reference entry at offset ${p}.`);
        p = q + 1;
        const num = first.value + i;
        // Object 0 is the head of the free list; a section may legitimately skip it.
        entries.set(num, kind === 0x6e ? { type: 'offset', offset: off.value + this.offsetBase, gen: gen.value } : { type: 'free', gen: gen.value });
      }
    }
    const { object: trailer, end } = parseObjectAt(this.bytes, p + TRAILER.length, this.context);
    if (!(trailer instanceof PDFDict)) throw broken('The trailer is not a dictionary.');
    // Hybrid file: a table section with an /XRefStm holding the entries of compressed objects.
    const stm = trailer.get(PDFName.of('XRefStm'));
    if (stm instanceof PDFNumber) {
      const hybrid = this.readXrefStream(this.locateSection(stm.asNumber() + this.offsetBase));
      for (const [n, e] of hybrid.entries) {
        const own = entries.get(n);
        if (!own || own.type === 'free') entries.set(n, e);
      }
    }
    return { offset, kind: 'table', trailer, entries, bodyEnd: end };
  }

  private readXrefStream(offset: number): Section {
    // No reader state exists yet while sections are read: an indirect /Length falls back to `endstream`.
    const parsed = parseIndirectAt(this.bytes, offset, this.context, () => undefined);
    if (!parsed || !(parsed.object instanceof PDFRawStream)) throw broken(`No cross-reference stream at offset ${offset}.`);
    const stream = parsed.object;
    const dict = stream.dict;
    if (dict.get(PDFName.of('Type')) !== PDFName.of('XRef')) throw broken(`The object at offset ${offset} is not a cross-reference stream.`);
    const w = (dict.get(PDFName.of('W')) as PDFArray | undefined)?.asArray().map((o) => (o instanceof PDFNumber ? o.asNumber() : -1));
    const size = dict.get(PDFName.of('Size'));
    if (!w || w.length !== 3 || w.some((x) => x < 0 || x > 8) || !(size instanceof PDFNumber)) {
      throw broken('The cross-reference stream has a bad /W or /Size.');
    }
    const [w0, w1, w2] = w as [number, number, number];
    const rowLen = w0 + w1 + w2;
    // A row of zero bytes would let /Index claim any number of entries from an empty stream.
    if (rowLen === 0) throw broken('The cross-reference stream has /W [0 0 0].');
    charge(this.context, LIMITS.objects, size.asNumber(), 'the cross-reference stream\'s /Size');
    const index = dict.get(PDFName.of('Index'));
    const ranges = index instanceof PDFArray ? index.asArray().map((o) => (o instanceof PDFNumber ? o.asNumber() : -1)) : [0, size.asNumber()];
    if (ranges.length % 2 !== 0 || ranges.some((x) => !Number.isSafeInteger(x) || x < 0)) throw broken('The cross-reference stream has a bad /Index.');
    let rows = 0;
    for (let r = 1; r < ranges.length; r += 2) rows += ranges[r] as number;
    // Checked against what the stream can hold before decoding it: every row needs rowLen bytes, and the decoded
    // data of one stream is at most LIMITS.inflatePerStream.
    if (rows * rowLen > Math.max(stream.contents.length, LIMITS.inflatePerStream.value)) {
      throw broken('The cross-reference stream\'s /Index claims more entries than the stream can hold.');
    }
    this.countEntries(rows);
    const data = decodeStream(stream);
    if (rows * rowLen > data.length) throw broken('The cross-reference stream is shorter than its /Index says.');
    const entries = new Map<number, XrefEntry>();
    let p = 0;
    const field = (width: number, dflt: number) => {
      if (width === 0) return dflt;
      let v = 0;
      for (let i = 0; i < width; i++) v = v * 256 + (data[p++] as number);
      return v;
    };
    for (let r = 0; r + 1 < ranges.length; r += 2) {
      const first = ranges[r] as number;
      const count = ranges[r + 1] as number;
      for (let i = 0; i < count; i++) {
        if (p + rowLen > data.length) throw broken('The cross-reference stream is shorter than its /Index says.');
        const type = field(w0, 1);
        const a = field(w1, 0);
        const b = field(w2, 0);
        const num = first + i;
        if (type === 0) entries.set(num, { type: 'free', gen: b });
        else if (type === 1) entries.set(num, { type: 'offset', offset: a + this.offsetBase, gen: b });
        else if (type === 2) entries.set(num, { type: 'compressed', stream: a, index: b });
        // Other types are reserved: the spec says to treat them as null objects; leave them out.
      }
    }
    return { offset, kind: 'stream', trailer: dict, entries, bodyEnd: parsed.end };
  }

  private countEntries(n: number): void {
    this.entriesRead += n;
    charge(this.context, LIMITS.objects, this.entriesRead, 'the cross-reference entries');
  }

  xrefAt(revision: number): Map<number, XrefEntry> {
    const m = this.merged[revision];
    if (!m) throw new RangeError(`no revision ${revision}`);
    return m;
  }

  getObject(ref: PDFRef, revision = this.revisions.length - 1): PDFObject | undefined {
    return this.load(ref.objectNumber, revision, 0)?.object;
  }

  objectEnd(ref: PDFRef, revision = this.revisions.length - 1): number | undefined {
    return this.load(ref.objectNumber, revision, 0)?.end;
  }

  private load(num: number, revision: number, depth: number): { object: PDFObject; end?: number } | undefined {
    try {
      return this.loadUnchecked(num, revision, depth);
    } catch (e) {
      // Parse errors surface lazily (objects are parsed on first use): they are still the input's fault.
      if (e instanceof AppError || e instanceof RangeError) throw e;
      throw broken(`Object ${num} cannot be parsed: ${(e as Error).message}`);
    }
  }

  private loadUnchecked(num: number, revision: number, depth: number): { object: PDFObject; end?: number } | undefined {
    if (depth > 32) throw broken('Object references nest too deeply (a /Length or object-stream loop).');
    const entry = this.xrefAt(revision).get(num);
    if (!entry || entry.type === 'free') return undefined;
    if (entry.type === 'offset') {
      // An object parses within the bytes of the revision it lies in: an object left unterminated at the end of a
      // signed revision must not be completed by a later revision's bytes (that would change what was signed).
      const bound = this.revisionEndAt(entry.offset);
      const key = `o${entry.offset}/${bound}`;
      const hit = this.cache.get(key);
      if (hit) return hit;
      const resolveLength = (r: PDFRef) => {
        const o = this.load(r.objectNumber, revision, depth + 1)?.object;
        return o instanceof PDFNumber ? o.asNumber() : undefined;
      };
      const bytes = this.bytes.subarray(0, bound);
      let parsed = this.parseNumbered(bytes, entry.offset, num, resolveLength);
      for (let d = 1; !parsed && d <= 64; d++) {
        // Simple repair: an entry a few bytes off (CR/LF counted wrong by the producer).
        parsed = this.parseNumbered(bytes, entry.offset + d, num, resolveLength) ?? this.parseNumbered(bytes, entry.offset - d, num, resolveLength);
      }
      if (!parsed) throw broken(`Object ${num} is not at the offset the cross-reference table gives (${entry.offset}).`);
      const value = { object: parsed.object, end: parsed.end };
      readerStats.objectsParsed++;
      this.cache.set(key, value);
      return value;
    }
    const streamEntry = this.xrefAt(revision).get(entry.stream);
    if (!streamEntry || streamEntry.type !== 'offset') throw broken(`Object stream ${entry.stream} is missing.`);
    const key = `c${streamEntry.offset}/${entry.index}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const os = this.objectStream(entry.stream, streamEntry.offset, revision, depth);
    const start = os.offsets[entry.index];
    if (start === undefined) throw broken(`Object stream ${entry.stream} has no object at index ${entry.index}.`);
    const { object } = parseObjectAt(os.data, os.first + start, this.context);
    const value = { object };
    readerStats.objectsParsed++;
    this.cache.set(key, value);
    return value;
  }

  private parseNumbered(bytes: Uint8Array, offset: number, num: number, resolveLength: (r: PDFRef) => number | undefined) {
    if (offset < 0 || offset >= bytes.length) return undefined;
    if (offset > 0 && isDigitByte(bytes[offset - 1])) return undefined;
    const h = parseHeader(bytes, offset);
    if (!h || h.num !== num) return undefined;
    return parseIndirectAt(bytes, offset, this.context, resolveLength);
  }

  /** The end of the revision whose bytes contain `offset` (revision ends increase); the file's end past them. */
  private revisionEndAt(offset: number): number {
    let lo = 0;
    let hi = this.revisions.length - 1;
    let found = this.bytes.length;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const end = this.revisions[mid]!.end;
      if (end > offset) { found = end; hi = mid - 1; } else lo = mid + 1;
    }
    return found;
  }

  private objectStream(num: number, offset: number, revision: number, depth: number) {
    const key = `o${offset}`;
    let os = this.objStreams.get(key);
    if (os) return os;
    const stream = this.load(num, revision, depth + 1)?.object;
    if (!(stream instanceof PDFRawStream)) throw broken(`Object ${num} is not an object stream.`);
    const n = this.lookupNumber(stream.dict.get(PDFName.of('N')), revision);
    const first = this.lookupNumber(stream.dict.get(PDFName.of('First')), revision);
    if (n === undefined || first === undefined) throw broken(`Object stream ${num} lacks /N or /First.`);
    const data = decodeStream(stream);
    // Every header pair takes at least 4 bytes ("1 0 "): an /N the data cannot hold is refused before the loop.
    if (!Number.isSafeInteger(n) || n < 0 || n * 4 > data.length || !Number.isSafeInteger(first) || first < 0 || first > data.length) {
      throw broken(`Object stream ${num} has an impossible /N or /First.`);
    }
    const offsets: number[] = [];
    let p = 0;
    for (let i = 0; i < n; i++) {
      const objNum = readInt(data, p);
      const rel = objNum && readInt(data, objNum.end);
      if (!objNum || !rel) throw broken(`Object stream ${num} has a malformed header.`);
      offsets.push(rel.value);
      p = rel.end;
    }
    os = { data, offsets, first };
    this.objStreams.set(key, os);
    return os;
  }

  resolve(obj: PDFObject | undefined, revision?: number): PDFObject | undefined {
    return obj instanceof PDFRef ? this.getObject(obj, revision) : obj;
  }
  lookupDict(obj: PDFObject | undefined, revision?: number): PDFDict | undefined {
    const o = this.resolve(obj, revision);
    return o instanceof PDFDict ? o : undefined;
  }
  lookupArray(obj: PDFObject | undefined, revision?: number): PDFArray | undefined {
    const o = this.resolve(obj, revision);
    return o instanceof PDFArray ? o : undefined;
  }
  lookupNumber(obj: PDFObject | undefined, revision?: number): number | undefined {
    const o = this.resolve(obj, revision);
    return o instanceof PDFNumber ? o.asNumber() : undefined;
  }
  lookupName(obj: PDFObject | undefined, revision?: number): string | undefined {
    const o = this.resolve(obj, revision);
    return o instanceof PDFName ? o.decodeText() : undefined;
  }

  catalog(revision?: number): PDFDict {
    const root = this.revisionTrailer(revision).get(PDFName.of('Root'));
    const d = this.lookupDict(root, revision);
    if (!d) throw broken('The document catalog (/Root) cannot be read.');
    return d;
  }

  private revisionTrailer(revision = this.revisions.length - 1): PDFDict {
    const r = this.revisions[revision];
    if (!r) throw new RangeError(`no revision ${revision}`);
    return r.trailer;
  }

  pageRefs(revision?: number): PDFRef[] {
    return this.pageRefsUnder(this.catalog(revision).get(PDFName.of('Pages')), revision);
  }

  findPage(pageNumber: number, revision?: number): { ref: PDFRef; dict: PDFDict } | undefined {
    if (!Number.isInteger(pageNumber) || pageNumber < 1) return undefined;
    // Descend by /Count so only the nodes on the way are parsed, not every page of a long document. A tree that
    // is not regular (a node without /Count, a node met twice) is walked whole instead, so that page n is the
    // n-th page pageRefs lists, whatever shape the tree has.
    const irregular = () => {
      const ref = this.pageRefs(revision)[pageNumber - 1];
      const dict = ref && this.lookupDict(ref, revision);
      return ref && dict ? { ref, dict } : undefined;
    };
    let remaining = pageNumber;
    let node = this.catalog(revision).get(PDFName.of('Pages'));
    const seen = new Set<string>();
    for (let depth = 0; depth < 64; depth++) {
      if (!(node instanceof PDFRef)) return undefined;
      if (seen.has(node.tag)) return irregular();
      seen.add(node.tag);
      const dict = this.lookupDict(node, revision);
      if (!dict) return undefined;
      const kids = this.lookupArray(dict.get(PDFName.of('Kids')), revision);
      if (!kids) return remaining === 1 ? { ref: node, dict } : undefined;
      let next: PDFObject | undefined;
      const listed = new Set<string>();
      for (const kid of kids.asArray()) {
        // A kid listed twice is one subtree (as pageRefs counts it), not two: the tree is not regular.
        if (kid instanceof PDFRef) { if (listed.has(kid.tag)) return irregular(); listed.add(kid.tag); }
        const kd = this.lookupDict(kid, revision);
        if (!kd) continue;
        const isNode = kd.has(PDFName.of('Kids'));
        const count = isNode ? this.lookupNumber(kd.get(PDFName.of('Count')), revision) : 1;
        if (count === undefined || (kid instanceof PDFRef && seen.has(kid.tag))) return irregular();
        if (remaining <= count) {
          next = kid;
          break;
        }
        remaining -= count;
      }
      if (!next) return undefined;
      node = next;
    }
    return undefined;
  }

  /**
   * The leaves (pages) under a page-tree node, in order. The walk remembers every node it visited, so a node
   * listed twice (duplicate kids, a cycle) is walked once and counted once, and is bounded by LIMITS.pages.
   */
  private pageRefsUnder(ref: PDFObject | undefined, revision?: number): PDFRef[] {
    const out: PDFRef[] = [];
    const seen = new Set<string>();
    // Explicit stack, not recursion: a deep tree must not overflow the stack.
    const stack: { r: PDFObject | undefined; depth: number }[] = [{ r: ref, depth: 0 }];
    while (stack.length) {
      const { r, depth } = stack.pop()!;
      if (!(r instanceof PDFRef) || depth > 64 || seen.has(r.tag)) continue;
      seen.add(r.tag);
      charge(this.context, LIMITS.walkObjects, seen.size, 'the page tree walk');
      const d = this.lookupDict(r, revision);
      const kids = d && this.lookupArray(d.get(PDFName.of('Kids')), revision);
      if (kids) {
        const list = kids.asArray();
        for (let i = list.length - 1; i >= 0; i--) stack.push({ r: list[i], depth: depth + 1 });
      } else if (d) {
        out.push(r);
        charge(this.context, LIMITS.pages, out.length, 'the number of pages');
      }
    }
    return out;
  }

  inherited(page: PDFDict, key: string, revision?: number): PDFObject | undefined {
    let node: PDFDict | undefined = page;
    for (let depth = 0; node && depth < 64; depth++) {
      const v = node.get(PDFName.of(key));
      if (v !== undefined) return v;
      node = this.lookupDict(node.get(PDFName.of('Parent')), revision);
    }
    return undefined;
  }
}

function isDigitByte(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** `N G obj` at `at`, or undefined. */
function parseHeader(bytes: Uint8Array, at: number): { num: number; gen: number } | undefined {
  if (!isDigitByte(bytes[at])) return undefined;
  const n = readInt(bytes, at);
  const g = n && readInt(bytes, n.end);
  if (!n || !g || !isWhitespace(bytes[n.end])) return undefined;
  let p = g.end;
  while (isWhitespace(bytes[p])) p++;
  if (bytes[p] === 0x6f && bytes[p + 1] === 0x62 && bytes[p + 2] === 0x6a) return { num: n.value, gen: g.value };
  return undefined;
}
