/**
 * The one ASN.1 codec of the service is asn1js + pkijs (DESIGN.md "One ASN.1 layer"). This file holds
 * the few things around them that every caller needs the same way: bounded decoding of untrusted
 * bytes with one error type, encoding to a Buffer, and embedding received DER so it is copied byte
 * for byte.
 */
import * as asn1js from 'asn1js';

/** Anything malformed, truncated, trailing or over a limit. The only error decoding throws. */
export class Asn1Error extends Error {
  override name = 'Asn1Error';
}

/** Bounds for one decode; asn1js enforces depth, node count and content length while it parses. */
export interface DecodeLimits {
  /** Largest input accepted at all. */
  maxBytes: number;
  maxDepth: number;
  maxNodes: number;
}

/** Requests (OCSP, TSP) and certificate-sized objects. */
export const REQUEST_LIMITS: DecodeLimits = { maxBytes: 64 * 1024, maxDepth: 32, maxNodes: 4_000 };
/** A CMS signature container, a time-stamp token, an OCSP response or a CRL. */
export const DOCUMENT_OBJECT_LIMITS: DecodeLimits = { maxBytes: 8 * 1024 * 1024, maxDepth: 48, maxNodes: 200_000 };

export type Bytes = Uint8Array;
/** A copy of the bytes as an ArrayBuffer, for pkijs parameters typed that way. */
export const arrayBuffer = (b: Uint8Array): ArrayBuffer => Uint8Array.from(b).buffer;
export const buf = (b: ArrayBuffer | Uint8Array): Buffer =>
  b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.from(b);

/**
 * Decodes one element. `whole` (the default) demands that it fills the input exactly; otherwise the
 * element may be followed by anything (e.g. the zero padding of a PDF /Contents).
 */
const berOptions = (limits: DecodeLimits): asn1js.FromBerOptions => ({
  maxDepth: limits.maxDepth,
  maxNodes: limits.maxNodes,
  maxContentLength: limits.maxBytes,
  // Contents of OCTET and BIT STRINGs are parsed by the structure that owns them, when it needs them.
  parseEmbedded: false,
});

/** asn1js reports most faults in its result but throws on a few (e.g. an empty time): both become Asn1Error. */
function fromBer(bytes: Bytes, limits: DecodeLimits, what: string): asn1js.FromBerResult {
  try {
    return asn1js.fromBER(bytes, berOptions(limits));
  } catch (e) {
    throw new Asn1Error(`${what}: ${(e as Error).message}`);
  }
}

export function decode(bytes: Bytes, what: string, limits: DecodeLimits = REQUEST_LIMITS, whole = true): asn1js.AsnType {
  if (bytes.length === 0) throw new Asn1Error(`${what}: empty`);
  if (bytes.length > limits.maxBytes) throw new Asn1Error(`${what}: larger than ${limits.maxBytes} bytes`);
  const known = parsedParts.get(bytes);
  if (known) return known;
  const r = fromBer(bytes, limits, what);
  if (r.offset === -1 || r.result.error) throw new Asn1Error(`${what}: ${r.result.error || 'not BER'}`);
  if (whole && r.offset !== bytes.length) throw new Asn1Error(`${what}: ${bytes.length - r.offset} bytes after the end`);
  return r.result;
}

/**
 * Parts of a tree already decoded (a time-stamp token inside a CMS), by the byte buffer handed out for
 * them: decoding those bytes again returns the subtree instead of parsing it twice. asn1js parses at a
 * few microseconds a node, and a token with its certificates has hundreds.
 */
const parsedParts = new WeakMap<Uint8Array, asn1js.AsnType>();

/** The bytes of a block of a decoded tree, as a buffer that decodes to that block at no cost. */
export function partBytes(block: asn1js.AsnType): Buffer {
  const bytes = Buffer.from(block.valueBeforeDecodeView);
  parsedParts.set(bytes, block);
  return bytes;
}

/** A pkijs object from bytes, every failure (schema mismatch included) as an Asn1Error. */
export function decodeAs<T>(Type: { new (params: { schema: unknown }): T }, bytes: Bytes, what: string, limits: DecodeLimits = REQUEST_LIMITS): T {
  const schema = decode(bytes, what, limits);
  try {
    return new Type({ schema });
  } catch (e) {
    throw new Asn1Error(`${what}: ${(e as Error).message}`);
  }
}

/**
 * The element at the start of `bytes` (DER or BER), e.g. a CMS in front of the zero padding of a PDF
 * /Contents, as bytes that decode again at no cost; undefined when there is none.
 */
export function leadingElement(bytes: Bytes, limits: DecodeLimits = DOCUMENT_OBJECT_LIMITS): Buffer | undefined {
  if (bytes.length === 0 || bytes.length > limits.maxBytes) return undefined;
  try {
    const r = fromBer(bytes, limits, 'element');
    return r.offset > 0 && !r.result.error ? partBytes(r.result) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The DER encoding of an element received in BER: definite, minimal lengths and SET OF elements in
 * order (X.690 §10, §11.6). What a signer signed when the bytes it sent are BER (RFC 5652 §5.4:
 * signed attributes are signed as DER); strings sent in constructed form are left as they are.
 */
export function toDer(ber: Bytes, limits: DecodeLimits = DOCUMENT_OBJECT_LIMITS): Buffer {
  if (ber.length === 0 || ber.length > limits.maxBytes) throw new Asn1Error('element: empty or too large');
  const r = fromBer(ber, limits, 'element'); // a tree of its own: it is changed below
  if (r.offset !== ber.length || r.result.error) throw new Asn1Error(`element: ${r.result.error || 'trailing bytes'}`);
  const definite = (b: asn1js.BaseBlock): void => {
    b.lenBlock.isIndefiniteForm = false;
    b.lenBlock.longFormUsed = false; // set again by asn1js for lengths over 127
    const vb = b.valueBlock as { isIndefiniteForm?: boolean; value?: unknown };
    if (vb.isIndefiniteForm) vb.isIndefiniteForm = false;
    if (b.idBlock.isConstructed && Array.isArray(vb.value)) {
      const kids = vb.value as asn1js.BaseBlock[];
      kids.forEach(definite);
      if (b instanceof asn1js.Set) vb.value = kids.map((k) => ({ k, der: Buffer.from(k.toBER(false)) })).sort((x, y) => Buffer.compare(x.der, y.der)).map((x) => x.k);
    }
  };
  definite(r.result);
  return encode(r.result);
}

/** Buffers `encode` returned: known to be one well-formed element, so embedding them needs no check. */
const encodedHere = new WeakSet<Uint8Array>();

/** DER of an asn1js block or a pkijs object. */
export function encode(x: asn1js.BaseBlock | { toSchema(): asn1js.BaseBlock }): Buffer {
  const block = x instanceof asn1js.BaseBlock ? x : x.toSchema();
  const der = Buffer.from(block.toBER(false));
  encodedHere.add(der);
  return der;
}

/**
 * A block that encodes as bytes received from elsewhere (a certificate, a time-stamp token, a TBS the
 * vault just signed), written unchanged into whatever contains it: a re-encoding could change the bytes
 * another party signed, and would cost a parse and an encode per use.
 */
class ReceivedBlock extends asn1js.BaseBlock {
  readonly #der: ArrayBuffer;
  constructor(der: Uint8Array) {
    super();
    this.#der = arrayBuffer(der);
  }
  override toBER(_sizeOnly?: boolean, writer?: asn1js.ViewWriter): ArrayBuffer {
    if (writer) {
      writer.write(this.#der);
      return new ArrayBuffer(0);
    }
    return this.#der.slice(0);
  }
}

/** Bytes this process has just encoded (so known to be one element), to embed without another encoding. */
export const ownEncoding = (der: Bytes): asn1js.BaseBlock => new ReceivedBlock(der);

/** Received bytes, checked to be exactly one element within `limits`, to embed byte for byte. */
export function verbatim(der: Bytes, what: string, limits: DecodeLimits = DOCUMENT_OBJECT_LIMITS): asn1js.BaseBlock {
  if (!encodedHere.has(der)) decode(der, what, limits); // e.g. a token from our own TSA in this process needs no second look
  return new ReceivedBlock(der);
}
