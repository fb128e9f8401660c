/**
 * A small bounds-checked BER/DER reader for the verifier's hot path (CMS SignedData, TSTInfo): it
 * returns offsets into the input instead of building objects, so the exact signed bytes (signed
 * attributes, certificates) are slices of the original. Indefinite lengths are accepted (some signers
 * produce BER); nesting is bounded, and every malformed input ends in a DerError.
 */
export class DerError extends Error {}

export interface Tlv {
  /** The identifier octet (tag class, constructed bit and tag number < 31). */
  tag: number;
  start: number;
  contentStart: number;
  /** End of the contents (before the end-of-contents octets of an indefinite length). */
  contentEnd: number;
  /** End of the whole element. */
  end: number;
  buf: Buffer;
}

const MAX_DEPTH = 64;

export function readTlv(buf: Buffer, offset = 0, limit = buf.length, depth = 0): Tlv {
  if (depth > MAX_DEPTH) throw new DerError('nesting too deep');
  if (offset + 2 > limit) throw new DerError('truncated');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag number');
  let len = buf[offset + 1]!;
  let pos = offset + 2;
  if (len === 0x80) {
    if (!(tag & 0x20)) throw new DerError('indefinite length on a primitive');
    let p = pos;
    for (;;) {
      if (p + 2 > limit) throw new DerError('missing end-of-contents');
      if (buf[p] === 0 && buf[p + 1] === 0) return { tag, start: offset, contentStart: pos, contentEnd: p, end: p + 2, buf };
      p = readTlv(buf, p, limit, depth + 1).end;
    }
  }
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 4) throw new DerError('length too large');
    if (pos + n > limit) throw new DerError('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i]!;
    pos += n;
  }
  if (pos + len > limit) throw new DerError('truncated content');
  return { tag, start: offset, contentStart: pos, contentEnd: pos + len, end: pos + len, buf };
}

export function childrenOf(t: Tlv, depth = 0): Tlv[] {
  if (!(t.tag & 0x20)) throw new DerError('not constructed');
  const out: Tlv[] = [];
  let p = t.contentStart;
  while (p < t.contentEnd) {
    const c = readTlv(t.buf, p, t.contentEnd, depth + 1);
    out.push(c);
    p = c.end;
  }
  return out;
}

export const contentOf = (t: Tlv): Buffer => t.buf.subarray(t.contentStart, t.contentEnd);
export const wholeOf = (t: Tlv): Buffer => t.buf.subarray(t.start, t.end);

export function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`expected ${what}`);
  return t;
}

/** An OBJECT IDENTIFIER in dotted form (arcs of any size, via BigInt). */
export function oidOf(t: Tlv | undefined): string {
  const c = contentOf(expect(t, 0x06, 'OBJECT IDENTIFIER'));
  if (!c.length) throw new DerError('empty OID');
  const arcs: bigint[] = [];
  let v = 0n;
  for (const byte of c) {
    v = (v << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) { arcs.push(v); v = 0n; }
  }
  const first = arcs.shift()!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs].join('.');
}

/** OCTET STRING contents, primitive or constructed (BER). */
export function octetsOf(t: Tlv, depth = 0): Buffer {
  if (t.tag === 0x04) return contentOf(t);
  if (t.tag === 0x24) return Buffer.concat(childrenOf(t, depth).map((c) => octetsOf(c, depth + 1)));
  throw new DerError('expected OCTET STRING');
}

/** UTCTime or GeneralizedTime (with optional fractional seconds). */
export function timeOf(t: Tlv | undefined): Date {
  if (!t || (t.tag !== 0x17 && t.tag !== 0x18)) throw new DerError('expected a time');
  const s = contentOf(t).toString('latin1');
  const m = t.tag === 0x17
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
    : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?Z$/.exec(s);
  if (!m) throw new DerError('bad time');
  let year = +m[1]!;
  if (t.tag === 0x17) year += year < 50 ? 2000 : 1900;
  const ms = m[7] ? Math.round(+`0.${m[7]}` * 1000) : 0;
  return new Date(Date.UTC(year, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms));
}
