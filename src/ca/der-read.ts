/**
 * A strict, bounds-checked DER reader for the few structures we read: our own certificates and
 * untrusted OCSP/TSP requests. Every malformed input ends in a DerError, never an out-of-range
 * read or a hang (lengths are checked against the buffer; no indefinite lengths; nesting bounded).
 */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export interface Node {
  tag: number;
  /** Offsets in the source buffer: the whole TLV is [start, end), its content [contentStart, end). */
  start: number;
  contentStart: number;
  end: number;
  buf: Buffer;
}

export function readNode(buf: Buffer, offset = 0, limit = buf.length): Node {
  if (offset + 2 > limit) throw new DerError('truncated');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used here');
  let len = buf[offset + 1]!;
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError('indefinite length is not DER');
    if (n > 4) throw new DerError('length too large');
    if (pos + n > limit) throw new DerError('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i]!;
    pos += n;
  }
  if (pos + len > limit) throw new DerError('truncated content');
  return { tag, start: offset, contentStart: pos, end: pos + len, buf };
}

/** Parses a complete element that must fill the buffer exactly. */
export function parseTop(buf: Buffer): Node {
  const n = readNode(buf, 0, buf.length);
  if (n.end !== buf.length) throw new DerError('trailing bytes');
  return n;
}

export function children(n: Node): Node[] {
  if (!(n.tag & 0x20)) throw new DerError('not a constructed element');
  const out: Node[] = [];
  for (let pos = n.contentStart; pos < n.end; ) {
    const c = readNode(n.buf, pos, n.end);
    out.push(c);
    pos = c.end;
    if (out.length > 10_000) throw new DerError('too many elements');
  }
  return out;
}

export const content = (n: Node): Buffer => n.buf.subarray(n.contentStart, n.end);
export const whole = (n: Node): Buffer => n.buf.subarray(n.start, n.end);

export function expectTag(n: Node | undefined, tag: number, what: string): Node {
  if (!n || n.tag !== tag) throw new DerError(`expected ${what}`);
  return n;
}

export function readOid(n: Node | undefined): string {
  const c = content(expectTag(n, 0x06, 'OBJECT IDENTIFIER'));
  if (c.length === 0 || c.length > 128) throw new DerError('bad OBJECT IDENTIFIER');
  const arcs: bigint[] = [];
  let v = 0n;
  for (let i = 0; i < c.length; i++) {
    const b = c[i]!;
    v = (v << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0n;
    } else if (i === c.length - 1) throw new DerError('bad OBJECT IDENTIFIER');
  }
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** INTEGER content bytes (two's complement, as received). */
export function readIntegerBytes(n: Node | undefined): Buffer {
  const c = content(expectTag(n, 0x02, 'INTEGER'));
  if (c.length === 0) throw new DerError('empty INTEGER');
  return c;
}

export function readSmallInteger(n: Node | undefined): number {
  const c = readIntegerBytes(n);
  if (c.length > 4 || c[0]! & 0x80) throw new DerError('INTEGER out of range');
  return c.reduce((acc, b) => acc * 256 + b, 0);
}

export function readBoolean(n: Node | undefined): boolean {
  const c = content(expectTag(n, 0x01, 'BOOLEAN'));
  if (c.length !== 1) throw new DerError('bad BOOLEAN');
  return c[0] !== 0;
}

/** Lower-case hex of a positive serial number without leading zero octets (our table key). */
export function serialHex(intContent: Buffer): string {
  let i = 0;
  while (i < intContent.length - 1 && intContent[i] === 0) i++;
  return intContent.subarray(i).toString('hex');
}

/** The parts of an X.509 certificate we need, as raw DER slices of the input. */
export interface CertParts {
  tbs: Buffer;
  serial: Buffer;
  issuer: Buffer;
  subject: Buffer;
  spki: Buffer;
  /** The subjectPublicKey BIT STRING's key bytes (for key hashes and key identifiers). */
  publicKeyBits: Buffer;
  notBefore: Node;
  notAfter: Node;
  extensions: { oid: string; critical: boolean; value: Buffer }[];
}

export function certParts(der: Buffer): CertParts {
  const cert = children(expectTag(parseTop(der), 0x30, 'Certificate'));
  const tbsNode = expectTag(cert[0], 0x30, 'TBSCertificate');
  let f = children(tbsNode);
  if (f[0]?.tag === 0xa0) f = f.slice(1);
  const validity = children(expectTag(f[3], 0x30, 'Validity'));
  const spkiNode = expectTag(f[5], 0x30, 'SubjectPublicKeyInfo');
  const bits = content(expectTag(children(spkiNode)[1], 0x03, 'BIT STRING'));
  const extensions: CertParts['extensions'] = [];
  const extsWrapper = f.slice(6).find((n) => n.tag === 0xa3);
  if (extsWrapper) {
    for (const ext of children(expectTag(children(extsWrapper)[0], 0x30, 'Extensions'))) {
      const parts = children(ext);
      const critical = parts.length === 3 ? readBoolean(parts[1]) : false;
      extensions.push({ oid: readOid(parts[0]), critical, value: content(expectTag(parts[parts.length - 1], 0x04, 'extnValue')) });
    }
  }
  return {
    tbs: whole(tbsNode),
    serial: readIntegerBytes(f[0]),
    issuer: whole(expectTag(f[2], 0x30, 'issuer Name')),
    subject: whole(expectTag(f[4], 0x30, 'subject Name')),
    spki: whole(spkiNode),
    publicKeyBits: bits.subarray(1),
    notBefore: validity[0]!,
    notAfter: validity[1]!,
    extensions,
  };
}

/** Parses UTCTime / GeneralizedTime. */
export function readTime(n: Node | undefined): Date {
  if (!n || (n.tag !== 0x17 && n.tag !== 0x18)) throw new DerError('expected a time');
  const s = content(n).toString('ascii');
  const m = n.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(s);
  if (!m) throw new DerError('bad time');
  let year = Number(m[1]);
  if (n.tag === 0x17) year += year < 50 ? 2000 : 1900;
  const ms = m[7] ? Math.round(Number('0' + m[7]) * 1000) : 0;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
}
