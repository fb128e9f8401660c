/**
 * A tiny DER writer. Certificates, CRLs, OCSP and TSP responses are built byte-exact from these
 * helpers rather than through a generic ASN.1 object model, because what we sign must be exactly
 * what we ship, and because embedding received bytes verbatim (a CertID, an issuer Name, an SPKI)
 * is then a plain concatenation. Parsing of untrusted input uses asn1js/pkijs instead.
 */

export type Der = Buffer;

function lengthBytes(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One tag-length-value. */
export function tlv(tag: number, ...content: Uint8Array[]): Der {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
}

export const seq = (...items: Uint8Array[]): Der => tlv(0x30, ...items);
export const set = (...items: Uint8Array[]): Der => tlv(0x31, ...items);
/** A SET OF in DER order: elements sorted by their encodings (X.690 11.6). */
export const setOf = (items: Uint8Array[]): Der => tlv(0x31, ...[...items].sort((a, b) => Buffer.compare(a, b)));
export const nullDer = (): Der => Buffer.from([0x05, 0x00]);
export const bool = (v: boolean): Der => Buffer.from([0x01, 0x01, v ? 0xff : 0x00]);
export const octets = (bytes: Uint8Array): Der => tlv(0x04, bytes);
export const utf8 = (s: string): Der => tlv(0x0c, Buffer.from(s, 'utf8'));
export const printable = (s: string): Der => tlv(0x13, Buffer.from(s, 'ascii'));
export const ia5 = (s: string): Der => tlv(0x16, Buffer.from(s, 'ascii'));
/** [n] EXPLICIT: a constructed context tag around complete encodings. */
export const explicit = (n: number, ...items: Uint8Array[]): Der => tlv(0xa0 | n, ...items);
/** [n] IMPLICIT over a primitive type: the content octets under a context tag. */
export const implicitPrimitive = (n: number, content: Uint8Array): Der => tlv(0x80 | n, content);
/** [n] IMPLICIT over a constructed type (SEQUENCE/SET): its content octets under a constructed context tag. */
export const implicitConstructed = (n: number, content: Uint8Array): Der => tlv(0xa0 | n, content);

/** BIT STRING with no unused bits (signatures, keys). */
export const bitString = (bytes: Uint8Array): Der => tlv(0x03, Buffer.from([0]), bytes);

/** Named bits (KeyUsage, PKIFailureInfo) in DER: trailing zero bits dropped (X.690 11.2.2). */
export function namedBits(bits: number[]): Der {
  if (bits.length === 0) return Buffer.from([0x03, 0x01, 0x00]);
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[Math.floor(b / 8)]! |= 0x80 >> b % 8;
  const unused = 7 - (highest % 8);
  return tlv(0x03, Buffer.from([unused]), bytes);
}

/** Minimal two's-complement content octets of a non-negative integer. */
export function unsignedIntegerContent(value: bigint | number | Uint8Array): Buffer {
  let bytes: Buffer;
  if (value instanceof Uint8Array) {
    bytes = Buffer.from(value);
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    bytes = bytes.subarray(i);
    if (bytes.length === 0) bytes = Buffer.from([0]);
  } else {
    let v = BigInt(value);
    if (v < 0n) throw new RangeError('negative integers are not used here');
    let hex = v.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    bytes = Buffer.from(hex, 'hex');
  }
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return bytes;
}

export const integer = (value: bigint | number | Uint8Array): Der => tlv(0x02, unsignedIntegerContent(value));
export const enumerated = (value: number): Der => tlv(0x0a, unsignedIntegerContent(value));

export function oidContent(oid: string): Buffer {
  const parts = oid.split('.').map((p) => BigInt(p));
  if (parts.length < 2 || parts.some((p) => p < 0n)) throw new RangeError(`bad OID ${oid}`);
  const out: number[] = [];
  const arcs = [parts[0]! * 40n + parts[1]!, ...parts.slice(2)];
  for (const arc of arcs) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    out.push(...chunk);
  }
  return Buffer.from(out);
}

export const oid = (dotted: string): Der => tlv(0x06, oidContent(dotted));

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** GeneralizedTime, whole seconds (RFC 5280 4.1.2.5.2), or with milliseconds when asked (RFC 3161 genTime). */
export function generalizedTime(date: Date, withMillis = false): Der {
  let s =
    `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
  const ms = date.getUTCMilliseconds();
  // DER: the fraction has no trailing zeros and is left out entirely when zero.
  if (withMillis && ms > 0) s += '.' + pad(ms, 3).replace(/0+$/, '');
  return tlv(0x18, Buffer.from(s + 'Z', 'ascii'));
}

/** UTCTime for years 1950-2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5). */
export function x509Time(date: Date): Der {
  const y = date.getUTCFullYear();
  if (y >= 1950 && y < 2050) {
    const s =
      `${pad(y % 100)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
      `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
    return tlv(0x17, Buffer.from(s, 'ascii'));
  }
  return generalizedTime(date);
}

export const wholeSeconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
