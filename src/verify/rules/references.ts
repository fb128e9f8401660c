/**
 * Which object numbers the bytes of a revision could refer to, found by a byte-level scan that costs about
 * what hashing them does, so that "does the earlier revision refer to object N?" is answered without parsing
 * the revision's objects (a 2000-page document has thousands; a DSS update adds a handful of new numbers).
 *
 * The scan OVER-approximates: it looks at every `R` byte of the file (and of the decoded object streams the
 * revision uses) and reads backwards the two number tokens a reference `N G R` would need, with whitespace
 * and comments between them as pdf-lib's parser (and every viewer) allows: `12 0 R`, `012 0R`, `12.0 0 R`,
 * `12 %c<EOL>0 R`. Whatever the context — a dictionary, a string, a comment, a stream's data, an object
 * nothing uses any more — a candidate is recorded. So when the scan records no candidate for N, no object
 * of the revision, as any parser reads it, holds a reference to N. A candidate proves nothing: the caller
 * then answers exactly, by parsing (./usages.ts). Where the backward reading cannot be done in bounded work
 * (a stack of comment lines, a very long line), the scan says so and the caller answers exactly as well.
 *
 * What "the bytes of revision r" are: [0, end of r) of the file, plus the decoded object streams r's
 * cross-reference uses; when an entry of r points at or past its end, `mayReferTo` answers "may" (and the walk
 * decides). The one reading the scan does not cover is an object of r left unterminated at the end of r (a
 * string still open at its %%EOF) and completed by bytes a later revision appends: such an object does not
 * parse within the bytes that were signed, and it changes meaning without any revision overwriting it. The walk
 * (which parses against the whole file) would flag the completion when it names a number the same later revision
 * adds, and this scan does not; but the same completion naming an object that already exists passes the change
 * analysis with or without the scan. That is a gap of its own (an object must parse within its revision's
 * bytes), for the reader to close, noted in issue 18's report.
 *
 * Why the policy stays an allow-list: the scan never clears anything. It only lets the dangling-reference veto
 * be skipped for a number that no byte of the earlier revision can name; every object the later revision adds
 * or overwrites is still judged by the rules, and anything no rule clears is still refused.
 */
import { PDFRawStream, PDFRef } from 'pdf-lib';
import { decodeStream, type PdfFile } from '../../pdf/reader.js';

const R = 0x52;
const PERCENT = 0x25;
const LF = 0x0a;
const CR = 0x0d;
/** Comment lines between the tokens of one reference beyond which the scan gives up (and the caller parses). */
const MAX_COMMENT_DEPTH = 16;
/** Percent signs on one line considered as comment starts before giving up. */
const MAX_PERCENT_PER_LINE = 8;
/** A line scanned backwards for a comment start longer than this: give up. */
const MAX_LINE = 1 << 20;

const isWs = (b: number | undefined) => b === 0x20 || b === LF || b === CR || b === 0x09 || b === 0x0c || b === 0x00;
/** The characters pdf-lib's parseRawNumber takes. */
const isNumChar = (b: number | undefined) => b !== undefined && ((b >= 0x30 && b <= 0x39) || b === 0x2b || b === 0x2d || b === 0x2e);
const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;

/** Candidate references of one byte buffer. */
export interface ReferenceScan {
  /** By object number: the offset (in the scanned buffer) of the `R` of its first candidate. */
  readonly first: Map<number, number>;
  /** The first `R` whose tokens could not be read back in bounded work (it may refer to anything), or -1. */
  readonly firstUnknown: number;
}

/**
 * Ends (inclusive offsets) of the token that may precede offset `j` + 1, skipping whitespace and comments
 * backwards; null when the comments cannot be unravelled in bounded work.
 */
function tokenEnds(b: Uint8Array, j: number, depth: number, out: number[]): boolean {
  let crossed = false;
  while (j >= 0 && isWs(b[j])) {
    if (b[j] === LF || b[j] === CR) crossed = true;
    j--;
  }
  if (j < 0) return true;
  out.push(j);
  if (!crossed) return true; // a comment ends at an end of line: none can sit between these tokens
  // The line holding j may end in a comment; any '%' on it may start one (a '%' inside a string does not,
  // but the scan cannot tell strings apart cheaply, so it tries both readings).
  let lineStart = j;
  while (lineStart >= 0 && b[lineStart] !== LF && b[lineStart] !== CR) {
    if (j - lineStart > MAX_LINE) return false;
    lineStart--;
  }
  let percents = 0;
  for (let c = lineStart + 1; c <= j; c++) {
    if (b[c] !== PERCENT) continue;
    if (++percents > MAX_PERCENT_PER_LINE || depth >= MAX_COMMENT_DEPTH) return false;
    if (!tokenEnds(b, c - 1, depth + 1, out)) return false;
  }
  return true;
}

/** Start of the run of number characters ending at `end` (end + 1 when there is none). */
function runStart(b: Uint8Array, end: number): number {
  let s = end;
  while (s >= 0 && isNumChar(b[s])) s--;
  return s + 1;
}

/** The object numbers a number token b[s..e] may stand for, as pdf-lib reads it (`12`, `012`, `12.0`, `+12`). */
function numbersOf(b: Uint8Array, s: number, e: number, add: (n: number) => void): void {
  let plain = 0;
  let k = s;
  while (k <= e && isDigit(b[k])) plain = plain * 10 + (b[k++]! - 0x30);
  if (k > e) {
    add(plain); // digits only: the common case, read without making a string
    return;
  }
  const text = Buffer.from(b.buffer, b.byteOffset + s, e - s + 1).toString('latin1');
  const whole = Number(text);
  if (Number.isSafeInteger(whole) && whole >= 0) add(whole);
  // pdf-lib ends a number at its second '.', so a run like `3.4.12` may end in a token of its own: its digits.
  let d = e;
  while (d >= s && isDigit(b[d])) d--;
  if (d >= s && d < e) {
    const tail = Number(text.slice(d - s + 1));
    if (Number.isSafeInteger(tail)) add(tail);
  }
}

/**
 * The common spelling `digits spaces digits spaces R` (spaces only: with no end of line between the tokens no
 * comment can sit there), read in one backward pass; false when the bytes are spelled otherwise, for the
 * general reading to handle.
 */
function plainReference(b: Uint8Array, i: number, add: (n: number) => void): boolean {
  let j = i - 1;
  while (b[j] === 0x20) j--;
  if (!isDigit(b[j])) return false;
  while (isDigit(b[j])) j--;
  if (b[j] !== 0x20) return false; // the generation is not a plain run of digits
  while (b[j] === 0x20) j--;
  if (!isDigit(b[j])) return false;
  let value = 0;
  let scale = 1;
  while (isDigit(b[j])) {
    value += (b[j]! - 0x30) * scale;
    scale *= 10;
    j--;
  }
  if (isNumChar(b[j]) || b[j] === LF || b[j] === CR || scale > 1e15) return false; // `+12`, `1.12`, a comment before it: general reading
  add(value);
  return true;
}

/** Every candidate reference in `bytes`. Costs one native search per `R` byte and a few reads before it. */
export function scanReferences(bytes: Uint8Array): ReferenceScan {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = new Map<number, number>();
  let firstUnknown = -1;
  const genEnds: number[] = [];
  const numEnds: number[] = [];
  let at = 0;
  const add = (n: number) => {
    if (!first.has(n)) first.set(n, at);
  };
  for (let i = buf.indexOf(R); i >= 0; i = buf.indexOf(R, i + 1)) {
    // Fast reject, the common case in compressed data: no number character or whitespace just before the R.
    const prev = bytes[i - 1];
    if (!isDigit(prev) && !isWs(prev) && prev !== 0x2e) continue;
    at = i;
    if (plainReference(bytes, i, add)) continue;
    genEnds.length = 0;
    let known = tokenEnds(bytes, i - 1, 0, genEnds);
    for (let g = 0; known && g < genEnds.length; g++) {
      const e2 = genEnds[g]!;
      const s2 = runStart(bytes, e2);
      if (s2 > e2) continue; // no generation number before the R
      numEnds.length = 0;
      known = tokenEnds(bytes, s2 - 1, 0, numEnds);
      for (const e1 of numEnds) {
        const s1 = runStart(bytes, e1);
        if (s1 <= e1) numbersOf(bytes, s1, e1, add);
      }
    }
    if (!known && firstUnknown < 0) firstUnknown = i;
  }
  return { first, firstUnknown };
}

/** The scans of one file: the raw bytes once, each object stream once, and what each revision reads. */
interface FileScans {
  raw?: ReferenceScan;
  /** By the object stream's offset: a number may be reused for another stream by a later revision. */
  objectStreams: Map<number, ReferenceScan | undefined>;
  /** By revision: the offsets of the object streams it reads, or undefined when scanning cannot settle it. */
  revisions: Map<number, number[] | undefined>;
}
const scans = new WeakMap<PdfFile, FileScans>();

function fileScans(pdf: PdfFile): FileScans {
  let s = scans.get(pdf);
  if (!s) scans.set(pdf, (s = { objectStreams: new Map(), revisions: new Map() }));
  return s;
}

/**
 * Whether revision `revision` may refer to object number `num` anywhere in its bytes: false only when the
 * scan proves it does not; true when it may (or when the question cannot be settled by scanning: a
 * recovered structure, an entry pointing past the revision's end, an unreadable object stream).
 */
export function mayReferTo(pdf: PdfFile, revision: number, num: number): boolean {
  if (pdf.recovered) return true;
  const end = pdf.revisions[revision]!.end;
  const s = fileScans(pdf);
  s.raw ??= scanReferences(pdf.bytes);
  const at = s.raw.first.get(num);
  if ((at !== undefined && at < end) || (s.raw.firstUnknown >= 0 && s.raw.firstUnknown < end)) return true;
  if (!s.revisions.has(revision)) s.revisions.set(revision, objectStreamsRead(pdf, revision, s));
  const streams = s.revisions.get(revision);
  if (!streams) return true;
  return streams.some((offset) => {
    const scan = s.objectStreams.get(offset);
    return !scan || scan.firstUnknown >= 0 || scan.first.has(num);
  });
}

/**
 * The offsets of the object streams revision `revision` reads its compressed objects from, each scanned
 * (decoded) into `s`; undefined when an object of the revision lies outside its bytes.
 */
function objectStreamsRead(pdf: PdfFile, revision: number, s: FileScans): number[] | undefined {
  const end = pdf.revisions[revision]!.end;
  const xref = pdf.xrefAt(revision);
  const streams = new Set<number>();
  for (const e of xref.values()) {
    if (e.type === 'offset' && e.offset >= end) return undefined;
    if (e.type === 'compressed') streams.add(e.stream);
  }
  const offsets: number[] = [];
  for (const stream of streams) {
    const entry = xref.get(stream);
    if (!entry || entry.type !== 'offset') return undefined;
    if (!s.objectStreams.has(entry.offset)) s.objectStreams.set(entry.offset, scanObjectStream(pdf, stream, entry.gen, revision));
    offsets.push(entry.offset);
  }
  return offsets;
}

function scanObjectStream(pdf: PdfFile, stream: number, gen: number, revision: number): ReferenceScan | undefined {
  try {
    const s = pdf.getObject(PDFRef.of(stream, gen), revision);
    if (!(s instanceof PDFRawStream)) return undefined;
    return scanReferences(decodeStream(s));
  } catch {
    return undefined;
  }
}
