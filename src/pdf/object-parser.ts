/**
 * Parsing single PDF objects out of a byte buffer with pdf-lib's PDFObjectParser, never the whole file.
 * Adds what pdf-lib's parser lacks for our use: stream /Length given as an indirect reference (resolved
 * through the reader rather than by scanning for `endstream`), stream data as subarrays (no copy), and
 * stream decoding (FlateDecode with PNG/TIFF predictors) for xref and object streams.
 */
import {
  PDFArray,
  PDFContext,
  PDFDict,
  PDFName,
  PDFNumber,
  PDFObject,
  PDFObjectParser,
  PDFRawStream,
  PDFRef,
  PDFStream,
} from 'pdf-lib';
import { unprocessable } from '../errors.js';
import { LIMITS } from '../limits.js';
import { budgetOf, exceed, inflateAllowance } from './budget.js';
import { ByteSource } from './byte-source.js';
import { parserWarning } from './parser-warnings.js';
import { InflateError, verifierPort } from '../verify/port/index.js';

const WS = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
export const isWhitespace = (b: number | undefined): boolean => b !== undefined && WS.has(b);
const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;


const STREAM = Buffer.from('stream');
const ENDSTREAM = Buffer.from('endstream');

/** Resolves a stream's indirect /Length; returns undefined when it cannot. */
export type LengthResolver = (ref: PDFRef) => number | undefined;

const NUMERIC = new Set([...'+-.0123456789'].map((c) => c.charCodeAt(0)));

class SliceParser extends PDFObjectParser {
  private depth = 0;

  constructor(
    source: ByteSource,
    context: PDFContext,
    private readonly whole: Uint8Array,
    private readonly resolveLength: LengthResolver,
  ) {
    // ByteSource implements every method PDFObjectParser calls on pdf-lib's ByteStream.
    super(source as never, context);
  }

  get offset(): number {
    return this.bytes.offset();
  }

  /** Bounded nesting: a deeply nested array would otherwise overflow the stack (a 500 before). */
  override parseObject(): PDFObject {
    if (++this.depth > LIMITS.nestingDepth.value) exceed(this.context, LIMITS.nestingDepth, 'the nesting of arrays and dictionaries');
    try {
      return super.parseObject();
    } finally {
      this.depth--;
    }
  }

  /** pdf-lib's own version writes a console warning for every number above 2^53; ours tells the warning sink. */
  protected override parseRawNumber(): number {
    let value = '';
    while (!this.bytes.done()) {
      const byte = this.bytes.peek();
      if (!NUMERIC.has(byte)) break;
      value += String.fromCharCode(this.bytes.next());
      if (byte === 0x2e) break;
    }
    while (!this.bytes.done() && isDigit(this.bytes.peek())) value += String.fromCharCode(this.bytes.next());
    const n = Number(value);
    if (!value || !Number.isFinite(n)) throw new Error(`not a number at offset ${this.bytes.offset()}: ${value.slice(0, 32)}`);
    if (n > Number.MAX_SAFE_INTEGER) parserWarning(this.context, `number too large for some PDF readers at offset ${this.bytes.offset()}`);
    return n;
  }

  protected override parseDictOrStream(): PDFDict | PDFStream {
    const dict = this.parseDict();
    this.skipWhitespaceAndComments();
    if (!this.matchKeyword([...STREAM])) return dict;
    // After `stream`: CRLF or LF (a lone CR is tolerated).
    if (this.bytes.peek() === 0x0d) this.bytes.next();
    if (this.bytes.peek() === 0x0a) this.bytes.next();
    const start = this.bytes.offset();
    const lengthObj = dict.get(PDFName.of('Length'));
    let length: number | undefined;
    if (lengthObj instanceof PDFNumber) length = lengthObj.asNumber();
    else if (lengthObj instanceof PDFRef) length = this.resolveLength(lengthObj);
    let end: number | undefined;
    if (length !== undefined && Number.isInteger(length) && length >= 0) {
      end = start + length;
      let p = end;
      while (isWhitespace(this.whole[p])) p++;
      if (!startsWith(this.whole, p, ENDSTREAM)) end = undefined;
      else this.bytes.moveTo(p + ENDSTREAM.length);
    }
    if (end === undefined) {
      // Simple repair: a wrong /Length; take the data up to the next `endstream`.
      const at = Buffer.from(this.whole.buffer, this.whole.byteOffset, this.whole.byteLength).indexOf(ENDSTREAM, start);
      if (at < 0) throw new Error('stream without endstream');
      end = at;
      if (this.whole[end - 1] === 0x0a) end--;
      if (this.whole[end - 1] === 0x0d) end--;
      this.bytes.moveTo(at + ENDSTREAM.length);
    }
    return PDFRawStream.of(dict, this.whole.subarray(start, end));
  }
}

export function startsWith(bytes: Uint8Array, at: number, what: Uint8Array): boolean {
  if (at < 0 || at + what.length > bytes.length) return false;
  for (let i = 0; i < what.length; i++) if (bytes[at + i] !== what[i]) return false;
  return true;
}

/** Parses a direct object starting at `offset`; returns it and the offset just after it. */
export function parseObjectAt(
  bytes: Uint8Array,
  offset: number,
  context: PDFContext,
  resolveLength: LengthResolver = () => undefined,
): { object: PDFObject; end: number } {
  const parser = new SliceParser(new ByteSource(bytes, offset), context, bytes, resolveLength);
  const object = parser.parseObject();
  return { object, end: parser.offset };
}

/** Reads an unsigned integer at `at` (after optional whitespace); returns value and end, or undefined. */
export function readInt(bytes: Uint8Array, at: number): { value: number; end: number } | undefined {
  let p = at;
  while (isWhitespace(bytes[p])) p++;
  const start = p;
  let value = 0;
  while (isDigit(bytes[p])) value = value * 10 + ((bytes[p++] as number) - 0x30);
  return p === start ? undefined : { value, end: p };
}

/**
 * Parses `N G obj <object> endobj` at `offset`. Returns undefined if the header is not there
 * (the caller may then try a small repair).
 */
export function parseIndirectAt(
  bytes: Uint8Array,
  offset: number,
  context: PDFContext,
  resolveLength: LengthResolver,
): { num: number; gen: number; object: PDFObject; end: number } | undefined {
  const n = readInt(bytes, offset);
  if (!n) return undefined;
  const g = readInt(bytes, n.end);
  if (!g) return undefined;
  let p = g.end;
  while (isWhitespace(bytes[p])) p++;
  if (!(bytes[p] === 0x6f && bytes[p + 1] === 0x62 && bytes[p + 2] === 0x6a)) return undefined; // "obj"
  const { object, end } = parseObjectAt(bytes, p + 3, context, resolveLength);
  return { num: n.value, gen: g.value, object, end };
}

const asArray = (o: PDFObject | undefined): PDFObject[] =>
  o === undefined ? [] : o instanceof PDFArray ? o.asArray() : [o];

/**
 * Decodes a stream's data. Supports no filter and FlateDecode with PNG (10-15) and TIFF (2) predictors,
 * which is what xref and object streams use in practice; anything else is refused with a 422.
 */
export function decodeStream(stream: PDFRawStream): Uint8Array {
  // inflate goes through the verifier's port (node:zlib or fflate), so the reader runs in a browser too.
  const filters = asArray(stream.dict.get(PDFName.of('Filter')));
  const parms = asArray(stream.dict.get(PDFName.of('DecodeParms')));
  let data: Uint8Array = stream.contents;
  const context = stream.dict.context;
  filters.forEach((filter, i) => {
    if (!(filter instanceof PDFName) || (filter.asString() !== '/FlateDecode' && filter.asString() !== '/Fl')) {
      throw unprocessable('unsealable-pdf', `Unsupported stream filter ${String(filter)} in a structural stream.`);
    }
    // Capped in output, per stream and per document (worker resourceLimits do not bound Buffers).
    const allowance = inflateAllowance(context);
    try {
      data = verifierPort().inflate(data, Math.max(1, allowance));
    } catch (e) {
      if (e instanceof InflateError && e.reason === 'too-large') {
        const perStream = allowance >= LIMITS.inflatePerStream.value;
        exceed(context, perStream ? LIMITS.inflatePerStream : LIMITS.inflatePerDocument, 'a compressed stream\'s decoded size');
      }
      throw unprocessable('unsealable-pdf', 'A compressed structural stream (xref or object stream) is corrupt.');
    }
    budgetOf(context).inflated += data.length;
    const p = parms[i];
    if (p instanceof PDFDict) data = unpredict(data, p);
  });
  return data;
}

function num(dict: PDFDict, key: string, dflt: number): number {
  const v = dict.get(PDFName.of(key));
  return v instanceof PDFNumber ? v.asNumber() : dflt;
}

function unpredict(data: Uint8Array, parms: PDFDict): Uint8Array {
  const predictor = num(parms, 'Predictor', 1);
  if (predictor <= 1) return data;
  const colors = num(parms, 'Colors', 1);
  const bpc = num(parms, 'BitsPerComponent', 8);
  const columns = num(parms, 'Columns', 1);
  const sane = (n: number, max: number) => Number.isInteger(n) && n >= 1 && n <= max;
  if (!sane(colors, 64) || !sane(bpc, 16) || !sane(columns, 1 << 24)) {
    throw unprocessable('unsealable-pdf', 'A structural stream has impossible predictor parameters.');
  }
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLen = Math.ceil((colors * bpc * columns) / 8);
  if (predictor === 2) {
    if (bpc !== 8) throw unprocessable('unsealable-pdf', 'TIFF predictor with other than 8 bits per component.');
    const out = Uint8Array.from(data);
    for (let r = 0; r < out.length; r += rowLen) {
      for (let i = bpp; i < rowLen && r + i < out.length; i++) out[r + i] = ((out[r + i] as number) + (out[r + i - bpp] as number)) & 0xff;
    }
    return out;
  }
  // PNG predictors: every row starts with its own filter-type byte.
  const rows = Math.floor(data.length / (rowLen + 1));
  const out = new Uint8Array(rows * rowLen);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLen + 1)] as number;
    const src = r * (rowLen + 1) + 1;
    const dst = r * rowLen;
    for (let i = 0; i < rowLen; i++) {
      const raw = data[src + i] as number;
      const left = i >= bpp ? (out[dst + i - bpp] as number) : 0;
      const up = r > 0 ? (out[dst - rowLen + i] as number) : 0;
      const upLeft = r > 0 && i >= bpp ? (out[dst - rowLen + i - bpp] as number) : 0;
      let v: number;
      switch (type) {
        case 0: v = raw; break;
        case 1: v = raw + left; break;
        case 2: v = raw + up; break;
        case 3: v = raw + ((left + up) >> 1); break;
        case 4: {
          const pa = Math.abs(up - upLeft), pb = Math.abs(left - upLeft), pc = Math.abs(left + up - 2 * upLeft);
          v = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
          break;
        }
        default:
          throw unprocessable('unsealable-pdf', `Unknown PNG predictor row type ${type} in a structural stream.`);
      }
      out[dst + i] = v & 0xff;
    }
  }
  return out;
}
