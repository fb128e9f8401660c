/**
 * A tiny PDF lexer that finds where a value sits in the file bytes. The PDF object model (pdf-lib)
 * gives values, not positions; the byte-range check needs the exact position of a signature
 * dictionary's /Contents string to prove the unsigned gap is that string and nothing else.
 */
const WS = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIM = new Set([0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);

export class LexError extends Error {}

function skipWsAndComments(b: Uint8Array, p: number): number {
  for (;;) {
    while (p < b.length && WS.has(b[p]!)) p++;
    if (b[p] === 0x25) {
      while (p < b.length && b[p] !== 0x0a && b[p] !== 0x0d) p++;
      continue;
    }
    return p;
  }
}

function skipRegular(b: Uint8Array, p: number): number {
  while (p < b.length && !WS.has(b[p]!) && !DELIM.has(b[p]!)) p++;
  return p;
}

/** End offset of the PDF value that starts at `p` (after whitespace). */
export function skipValue(b: Uint8Array, p: number, depth = 0): number {
  if (depth > 64) throw new LexError('nesting too deep');
  p = skipWsAndComments(b, p);
  if (p >= b.length) throw new LexError('unexpected end');
  const c = b[p]!;
  if (c === 0x2f) return skipRegular(b, p + 1); // name
  if (c === 0x28) {
    // literal string with balanced parentheses and backslash escapes
    let level = 0;
    for (let i = p; i < b.length; i++) {
      const x = b[i]!;
      if (x === 0x5c) { i++; continue; }
      if (x === 0x28) level++;
      else if (x === 0x29 && --level === 0) return i + 1;
    }
    throw new LexError('unterminated string');
  }
  if (c === 0x3c && b[p + 1] === 0x3c) {
    let q = p + 2;
    for (;;) {
      q = skipWsAndComments(b, q);
      if (b[q] === 0x3e && b[q + 1] === 0x3e) return q + 2;
      if (q >= b.length) throw new LexError('unterminated dictionary');
      q = skipValue(b, q, depth + 1);
    }
  }
  if (c === 0x3c) {
    const end = indexOfByte(b, 0x3e, p + 1);
    if (end < 0) throw new LexError('unterminated hex string');
    return end + 1;
  }
  if (c === 0x5b) {
    let q = p + 1;
    for (;;) {
      q = skipWsAndComments(b, q);
      if (b[q] === 0x5d) return q + 1;
      if (q >= b.length) throw new LexError('unterminated array');
      q = skipValue(b, q, depth + 1);
    }
  }
  // number, boolean, null, or an indirect reference "N G R"
  const end = skipRegular(b, p);
  if (end === p) throw new LexError(`unexpected byte ${c} at ${p}`);
  const m = /^\d+$/.test(latin1(b, p, end)) ? matchRef(b, end) : undefined;
  return m ?? end;
}

function matchRef(b: Uint8Array, afterNum: number): number | undefined {
  let q = skipWsAndComments(b, afterNum);
  const genEnd = skipRegular(b, q);
  if (genEnd === q || !/^\d+$/.test(latin1(b, q, genEnd))) return undefined;
  q = skipWsAndComments(b, genEnd);
  if (b[q] === 0x52 && (q + 1 >= b.length || WS.has(b[q + 1]!) || DELIM.has(b[q + 1]!))) return q + 1;
  return undefined;
}

function indexOfByte(b: Uint8Array, byte: number, from: number): number {
  for (let i = from; i < b.length; i++) if (b[i] === byte) return i;
  return -1;
}
function latin1(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');
}

/**
 * For the indirect object `N G obj << ... >>` at `offset`, the [start, end) span of the value of
 * top-level `key` (e.g. "Contents"), or undefined when the key is absent. Duplicate keys are an
 * error: a second /Contents is exactly what a wrapping attack would hide behind.
 */
export function dictValueSpan(b: Uint8Array, offset: number, key: string): { start: number; end: number; dictEnd: number } | undefined {
  let p = skipWsAndComments(b, offset);
  p = skipRegular(b, p); // object number
  p = skipRegular(b, skipWsAndComments(b, p)); // generation
  p = skipWsAndComments(b, p);
  if (latin1(b, p, p + 3) !== 'obj') throw new LexError('not an indirect object');
  p = skipWsAndComments(b, p + 3);
  if (!(b[p] === 0x3c && b[p + 1] === 0x3c)) throw new LexError('not a dictionary');
  p += 2;
  let found: { start: number; end: number } | undefined;
  for (;;) {
    p = skipWsAndComments(b, p);
    if (b[p] === 0x3e && b[p + 1] === 0x3e) break;
    if (b[p] !== 0x2f) throw new LexError('dictionary key is not a name');
    const keyEnd = skipRegular(b, p + 1);
    const name = latin1(b, p + 1, keyEnd).replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    const start = skipWsAndComments(b, keyEnd);
    const end = skipValue(b, start);
    if (name === key) {
      if (found) throw new LexError(`duplicate /${key}`);
      found = { start, end };
    }
    p = end;
  }
  return found ? { ...found, dictEnd: p + 2 } : undefined;
}
