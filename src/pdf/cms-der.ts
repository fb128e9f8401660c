/**
 * A tiny DER reader and writer for the CMS we build.
 *
 * Why not build the whole SignedData with asn1js objects: the certificates, the issuer Name and the
 * time-stamp token must be copied into the CMS byte for byte (re-encoding a certificate that is not
 * strictly DER would break its signature), and the size of every part must be known exactly so the
 * PDF /Contents placeholder can be sized from it. Concatenating raw TLVs gives both.
 */

export interface Tlv {
  tag: number;          // the identifier octet (single-byte tags only: all CMS/X.509 tags we read are)
  start: number;        // offset of the identifier octet
  headerLength: number; // identifier + length octets
  length: number;       // content length
  end: number;          // offset just after the content
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  GeneralizedTime: 0x18,
  context: (n: number, constructed = true) => (constructed ? 0xa0 : 0x80) | n,
} as const;

export class DerError extends Error {
  override name = 'DerError';
}

/** Reads the TLV at `offset` (definite lengths only, as DER requires). */
export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError(`truncated DER at ${offset}`);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at ${offset}`);
  let pos = offset + 1;
  const first = buf[pos++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const n = first & 0x7f;
    if (n === 0) throw new DerError(`indefinite length at ${offset}`);
    if (n > 4 || pos + n > limit) throw new DerError(`bad length at ${offset}`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[pos++]!;
  }
  const end = pos + length;
  if (end > limit) throw new DerError(`DER element at ${offset} runs past its container`);
  return { tag, start: offset, headerLength: pos - offset, length, end };
}

/** The children of a constructed TLV. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.start + parent.headerLength;
  while (pos < parent.end) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

export const contentOf = (buf: Uint8Array, t: Tlv): Uint8Array => buf.subarray(t.start + t.headerLength, t.end);
export const bytesOf = (buf: Uint8Array, t: Tlv): Uint8Array => buf.subarray(t.start, t.end);

export function lengthOctets(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Size of a TLV whose content is `contentLength` bytes. */
export const tlvSize = (contentLength: number): number => 1 + lengthOctets(contentLength).length + contentLength;

export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthOctets(body.length), body]);
}

export const seq = (...content: Uint8Array[]): Buffer => tlv(TAG.SEQUENCE, ...content);

/** DER SET OF: elements sorted by their encodings (X.690 11.6). */
export function setOf(...elements: Uint8Array[]): Buffer {
  const sorted = [...elements].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return tlv(TAG.SET, ...sorted);
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map((p) => BigInt(p));
  if (parts.length < 2) throw new DerError(`bad OID ${dotted}`);
  const out: number[] = [];
  const push = (v: bigint) => {
    const groups: number[] = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  };
  push(parts[0]! * 40n + parts[1]!);
  for (const p of parts.slice(2)) push(p);
  return tlv(TAG.OID, Buffer.from(out));
}

export function oidToString(content: Uint8Array): string {
  const values: bigint[] = [];
  let v = 0n;
  for (const b of content) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      values.push(v);
      v = 0n;
    }
  }
  const first = values.shift() ?? 0n;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...values].join('.');
}

/** DER INTEGER of a non-negative value. */
export function integer(value: bigint | number): Buffer {
  let v = BigInt(value);
  if (v < 0n) throw new DerError('negative INTEGER not supported');
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(TAG.INTEGER, Buffer.from(bytes));
}

export const octetString = (data: Uint8Array): Buffer => tlv(TAG.OCTET_STRING, data);
export const derNull = (): Buffer => Buffer.from([0x05, 0x00]);
export const derBoolean = (v: boolean): Buffer => Buffer.from([0x01, 0x01, v ? 0xff : 0x00]);
