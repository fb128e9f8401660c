/**
 * CMS SignedData (RFC 5652) as this service makes and reads it, on pkijs: the PAdES signature
 * container (CAdES, pdf/cms.ts) and the RFC 3161 time-stamp token (ca/tsa.ts) are both built here,
 * and the verifier, the DSS writer and the TSA client read through here.
 *
 * Signing is split from encoding so that the caller's key (in the vault) signs exactly the DER of the
 * signed attributes that is then shipped, and so that a container can be sized before it is signed.
 * Certificates are embedded as received, byte for byte (a re-encoding would break their signatures).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { DIGESTS, type DigestName, type SignatureAlgorithm } from '../algorithms/table.js';
import type { CertificateFields } from './certificate.js';
import { Asn1Error, buf, decode, DOCUMENT_OBJECT_LIMITS, encode, ownEncoding, partBytes, toDer, type DecodeLimits } from './der.js';
import { Lru } from '../lru.js';
import { nameFromDer } from './name.js';
import { OID } from './oids.js';
import { serialHex, smallInteger } from './values.js';

// ---- building ---------------------------------------------------------------------------------

/** An AlgorithmIdentifier for a digest: parameters absent (RFC 5754 for SHA-2; GM/T 0010 for SM3). */
export const digestAlgorithmId = (d: DigestName): pkijs.AlgorithmIdentifier => new pkijs.AlgorithmIdentifier({ algorithmId: DIGESTS[d].oid });

/** The AlgorithmIdentifier for a signature algorithm of the shared table, with its parameters as the table says. */
export function signatureAlgorithmId(a: SignatureAlgorithm): pkijs.AlgorithmIdentifier {
  if (a.parameters === 'pss') throw new RangeError('RSASSA-PSS identifiers are read, never written here');
  return new pkijs.AlgorithmIdentifier({ algorithmId: a.oid, ...(a.parameters === 'null' ? { algorithmParams: new asn1js.Null() } : {}) });
}

export const attribute = (type: string, ...values: asn1js.BaseBlock[]): pkijs.Attribute => new pkijs.Attribute({ type, values });

/** An attribute that encodes as DER made once (signed attributes must ship exactly as signed). */
class EncodedAttribute extends pkijs.Attribute {
  readonly #der: Buffer;
  constructor(a: pkijs.Attribute, der: Buffer) {
    super({ type: a.type, values: a.values });
    this.#der = der;
  }
  override toSchema(): asn1js.Sequence {
    return ownEncoding(this.#der) as asn1js.Sequence;
  }
}

/**
 * ESS signing-certificate-v2 (RFC 5035) naming the signer's certificate:
 * SigningCertificateV2 { certs { ESSCertIDv2 { hashAlgorithm DEFAULT sha256, certHash, issuerSerial { GeneralNames { [4] issuer }, serial } } } }.
 * `certHash` is the caller's digest of the certificate with `digest`.
 */
export function signingCertificateV2(signer: CertificateFields, digest: DigestName, certHash: Uint8Array): pkijs.Attribute {
  const key = `${digest}:${buf(certHash).toString('hex')}`;
  const hit = essCache.get(signer)?.get(key);
  if (hit) return hit;
  const issuerSerial = new asn1js.Sequence({
    value: [
      new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 4, value: nameFromDer(signer.issuerDer) })] }).toSchema(),
      signer.serial,
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({
    value: [
      // DER leaves a DEFAULT value out: sha256 is not written, any other hash is.
      ...(digest === 'SHA-256' ? [] : [digestAlgorithmId(digest).toSchema()]),
      new asn1js.OctetString({ valueHex: certHash }),
      issuerSerial,
    ],
  });
  const plain = attribute(OID.signingCertificateV2, new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] }));
  const attr = new EncodedAttribute(plain, encode(plain)); // the same for every signature by this certificate: encoded once
  if (!essCache.has(signer)) essCache.set(signer, new Map());
  essCache.get(signer)!.set(key, attr);
  return attr;
}
const essCache = new WeakMap<CertificateFields, Map<string, pkijs.Attribute>>();

/**
 * The signed attributes in DER order, and the DER of their SET OF: the bytes the signer signs
 * (RFC 5652 5.4). Verifiers such as OpenSSL re-encode them in DER order before checking, so they
 * are put in that order before signing, and each is encoded once.
 */
export function signedAttributes(attrs: pkijs.Attribute[]): { attributes: pkijs.Attribute[]; der: Buffer } {
  const sorted = attrs.map((a) => ({ a, der: encode(a) })).sort((x, y) => Buffer.compare(x.der, y.der));
  return {
    attributes: sorted.map((x) => (x.a instanceof EncodedAttribute ? x.a : new EncodedAttribute(x.a, x.der))),
    der: encode(new asn1js.Set({ value: sorted.map((x) => ownEncoding(x.der)) })),
  };
}

/**
 * A certificate that encodes as exactly the bytes it was received as: parsed once, and never rebuilt
 * from its fields (pkijs's Certificate would re-parse its TBS on every encoding).
 */
class ReceivedCertificate extends pkijs.Certificate {
  readonly #block: asn1js.BaseBlock;
  constructor(der: Uint8Array) {
    super({ schema: decode(der, 'certificate', DOCUMENT_OBJECT_LIMITS) });
    this.#block = ownEncoding(der); // just decoded: one element
  }
  override toSchema(): asn1js.Sequence {
    return this.#block as asn1js.Sequence; // encodes as the received bytes
  }
}

const embeddable = new Lru<string, pkijs.Certificate>(256);
/** A certificate to embed, byte for byte; parsed once (a signer's chain goes into every seal it makes). */
export function embeddableCertificate(der: Uint8Array): pkijs.Certificate {
  return embeddable.getOr(buf(der).toString('latin1'), () => new ReceivedCertificate(der));
}

/** IssuerAndSerialNumber that encodes as DER made once (pkijs would re-parse the issuer Name on every encoding). */
class EncodedIssuerAndSerial extends pkijs.IssuerAndSerialNumber {
  readonly #der: Buffer;
  constructor(c: CertificateFields) {
    super({ issuer: nameFromDer(c.issuerDer), serialNumber: c.serial });
    this.#der = encode(new asn1js.Sequence({ value: [ownEncoding(c.issuerDer), c.serial] }));
  }
  override toSchema(): asn1js.Sequence {
    return ownEncoding(this.#der) as asn1js.Sequence;
  }
}

const signerIds = new WeakMap<CertificateFields, pkijs.IssuerAndSerialNumber>();
/** IssuerAndSerialNumber of a certificate, with the issuer Name as encoded in it. */
function issuerAndSerial(c: CertificateFields): pkijs.IssuerAndSerialNumber {
  let id = signerIds.get(c);
  if (!id) {
    id = new EncodedIssuerAndSerial(c);
    signerIds.set(c, id);
  }
  return id;
}

/**
 * A stand-in element (an OCTET STRING of zeros) for sizing a container: `size` encoded bytes, or one
 * more where no element has exactly that size (130, 259, 65540: where the length grows an octet).
 */
export function placeholderOfSize(size: number): asn1js.OctetString {
  if (!(Number.isInteger(size) && size >= 2)) throw new RangeError(`no element has ${size} bytes`);
  const header = (len: number) => 1 + (len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 4);
  let content = size - 2;
  while (content > 0 && content + header(content) > size) content--;
  if (content + header(content) < size) content++; // the size falls in a gap: take the next one up
  return new asn1js.OctetString({ valueHex: new Uint8Array(content) });
}

export interface SignedDataParts {
  /** The ContentInfo's content type: id-signedData (RFC 5652, the default) or GM/T 0010's signedData. */
  contentType?: string;
  digest: DigestName;
  eContentType: string;
  /** Encapsulated content (a TSTInfo); absent for a detached signature. */
  eContent?: Uint8Array;
  /** DER certificates to carry; written in DER SET OF order, each byte for byte. */
  certificates: Uint8Array[];
  signer: CertificateFields;
  /** As returned by signedAttributes(). */
  signedAttributes: pkijs.Attribute[];
  signatureAlgorithm: SignatureAlgorithm;
  signature: Uint8Array | asn1js.OctetString;
  unsignedAttributes?: pkijs.Attribute[];
}

/** ContentInfo { id-signedData, SignedData } with one SignerInfo identified by issuer and serial number. */
export function encodeSignedData(p: SignedDataParts): Buffer {
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: issuerAndSerial(p.signer),
    digestAlgorithm: digestAlgorithmId(p.digest),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: p.signedAttributes }),
    signatureAlgorithm: signatureAlgorithmId(p.signatureAlgorithm),
    signature: p.signature instanceof asn1js.OctetString ? p.signature : new asn1js.OctetString({ valueHex: p.signature }),
    ...(p.unsignedAttributes?.length ? { unsignedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 1, attributes: p.unsignedAttributes }) } : {}),
  });
  const certificates = [...p.certificates].sort((a, b) => Buffer.compare(buf(a), buf(b))).map(embeddableCertificate);
  const encapContentInfo = new pkijs.EncapsulatedContentInfo({ eContentType: p.eContentType });
  // Set after construction: pkijs's constructor would turn it into a constructed OCTET STRING (BER), and DER is primitive.
  if (p.eContent) encapContentInfo.eContent = new asn1js.OctetString({ valueHex: p.eContent });
  const signedData = new pkijs.SignedData({
    digestAlgorithms: [digestAlgorithmId(p.digest)],
    encapContentInfo,
    ...(certificates.length ? { certificates } : {}),
    signerInfos: [signerInfo],
  });
  const der = encode(new pkijs.ContentInfo({ contentType: p.contentType ?? OID.signedData, content: signedData.toSchema(true) }));
  made.set(der, { type: p.eContentType, ...(p.eContent ? { content: buf(p.eContent) } : {}) });
  return der;
}

/** What SignedData this process encoded encapsulates, by output buffer (a TSA token made in process is checked at no parsing cost). */
const made = new WeakMap<Uint8Array, { type: string; content?: Buffer }>();

// ---- reading ----------------------------------------------------------------------------------

export interface ReadSignedData {
  version: number;
  digestAlgorithms: pkijs.AlgorithmIdentifier[];
  encapContentInfo: pkijs.EncapsulatedContentInfo;
  /** Plain X.509 certificates of the certificates field, each exactly as received (parsed by whoever needs them). */
  certificates: Buffer[];
  signerInfos: pkijs.SignerInfo[];
}

const isContext = (b: asn1js.BaseBlock | undefined, n: number): b is asn1js.Constructed =>
  b instanceof asn1js.Constructed && b.idBlock.tagClass === 3 && b.idBlock.tagNumber === n;

/**
 * Reads a ContentInfo holding SignedData (DER or BER), within `limits`. Throws Asn1Error.
 *
 *   ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT SignedData }
 *   SignedData  ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo,
 *                              certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos SET }
 *
 * The two outer SEQUENCEs are walked here and their parts handed to pkijs (EncapsulatedContentInfo,
 * SignerInfo, AlgorithmIdentifier). The certificates are left as bytes: pkijs's SignedData would match
 * each against the whole certificate schema on every read, and readers parse (and cache) them anyway.
 */
export function readSignedData(bytes: Uint8Array, limits: DecodeLimits = DOCUMENT_OBJECT_LIMITS): ReadSignedData {
  const top = decode(bytes, 'CMS', limits);
  try {
    const ci = top instanceof asn1js.Sequence ? top.valueBlock.value : [];
    // RFC 5652's id-signedData, or GM/T 0010's for an SM2 CMS: the SignedData inside is the same structure.
    if (!(ci[0] instanceof asn1js.ObjectIdentifier) || (ci[0].getValue() !== OID.signedData && ci[0].getValue() !== OID.gmSignedData)) {
      throw new Asn1Error('CMS: not SignedData');
    }
    const wrapper = ci[1];
    if (ci.length !== 2 || !isContext(wrapper, 0) || !(wrapper.valueBlock.value[0] instanceof asn1js.Sequence)) throw new Asn1Error('CMS: no SignedData content');
    const f = wrapper.valueBlock.value[0].valueBlock.value;
    let i = 0;
    const version = f[i++];
    if (!(version instanceof asn1js.Integer)) throw new Asn1Error('SignedData: no version');
    const algs = f[i++];
    if (!(algs instanceof asn1js.Set)) throw new Asn1Error('SignedData: no digestAlgorithms');
    const digestAlgorithms = algs.valueBlock.value.map((a) => new pkijs.AlgorithmIdentifier({ schema: a }));
    const encapContentInfo = new pkijs.EncapsulatedContentInfo({ schema: f[i++] });
    let certificates: Buffer[] = [];
    if (isContext(f[i], 0)) {
      // each certificate's bytes with its subtree: reading one (readCertificate) reuses what was just decoded
      certificates = (f[i++] as asn1js.Constructed).valueBlock.value.filter((b) => b instanceof asn1js.Sequence).map((b) => partBytes(b));
    }
    if (isContext(f[i], 1)) i++; // crls: revocation data comes from the DSS
    const infos = f[i++];
    if (!(infos instanceof asn1js.Set) || i !== f.length) throw new Asn1Error('SignedData: no signerInfos, or fields after them');
    const signerInfos = infos.valueBlock.value.map((b) => new pkijs.SignerInfo({ schema: b }));
    return { version: smallInteger(version) ?? -1, digestAlgorithms, encapContentInfo, certificates, signerInfos };
  } catch (e) {
    if (e instanceof Asn1Error) throw e;
    throw new Asn1Error(`CMS: ${(e as Error).message}`);
  }
}

/** The encapsulated content type and content (e.g. a token's TSTInfo) of a SignedData, without reading the rest when this process made it. */
export function encapsulatedContentOf(bytes: Uint8Array, limits: DecodeLimits = DOCUMENT_OBJECT_LIMITS): { type: string; content?: Buffer } {
  const known = made.get(bytes);
  if (known) return known;
  const encap = readSignedData(bytes, limits).encapContentInfo;
  return { type: encap.eContentType, ...(encap.eContent ? { content: buf(encap.eContent.getValue()) } : {}) };
}

/** The values of the attributes of one type (there should be one such attribute). */
export function attributeValues(attrs: pkijs.SignedAndUnsignedAttributes | undefined, type: string): asn1js.BaseBlock[][] {
  return (attrs?.attributes ?? []).filter((a) => a.type === type).map((a) => a.values as asn1js.BaseBlock[]);
}

/** The signing certificate's first ESSCertID(v2) from a SigningCertificate(V2) attribute value. */
export function firstEssCertId(value: asn1js.BaseBlock, v2: boolean): { hashOid: string; certHash: Buffer } {
  const seqOf = (b: asn1js.BaseBlock | undefined, what: string): asn1js.BaseBlock[] => {
    if (!(b instanceof asn1js.Sequence)) throw new Asn1Error(`${what}: not a SEQUENCE`);
    return b.valueBlock.value;
  };
  const id = seqOf(seqOf(seqOf(value, 'SigningCertificate')[0], 'certs')[0], 'ESSCertID');
  let k = 0;
  let hashOid: string = v2 ? OID.sha256 : OID.sha1;
  if (v2 && id[0] instanceof asn1js.Sequence) {
    hashOid = new pkijs.AlgorithmIdentifier({ schema: id[0] }).algorithmId;
    k = 1;
  }
  const h = id[k];
  if (!(h instanceof asn1js.OctetString)) throw new Asn1Error('ESSCertID: no certHash');
  return { hashOid, certHash: buf(h.valueBlock.valueHexView) };
}

/** What identifies a certificate to a SignerInfo's sid. */
export interface SignerCandidate {
  issuerDer: Buffer;
  serialHex: string;
  subjectKeyId?: Buffer;
}

/** The certificate a SignerInfo names, among `certificates` (by issuer and serial, or by subject key identifier). */
export function findSigner<T extends SignerCandidate>(sid: pkijs.SignerInfo['sid'], certificates: T[]): T | undefined {
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    const issuer = buf(sid.issuer.valueBeforeDecode.byteLength ? sid.issuer.valueBeforeDecode : encode(sid.issuer));
    const serial = serialHex(sid.serialNumber);
    const bySerial = certificates.filter((c) => c.serialHex.toLowerCase() === serial);
    const found = bySerial.find((c) => c.issuerDer.equals(issuer));
    if (found || !bySerial.length) return found;
    // A streaming encoder may write the issuer Name in BER: it names the certificate whose issuer is its DER.
    try {
      const der = toDer(issuer);
      return bySerial.find((c) => c.issuerDer.equals(der));
    } catch {
      return undefined;
    }
  }
  const block = sid as asn1js.BaseBlock;
  if (block?.idBlock?.tagClass === 3 && block.idBlock.tagNumber === 0 && block instanceof asn1js.Primitive) {
    const ski = buf(block.valueBlock.valueHexView);
    return certificates.find((c) => c.subjectKeyId?.equals(ski));
  }
  return undefined;
}
