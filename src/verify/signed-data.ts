/**
 * CMS SignedData (RFC 5652) verification for PDF signatures and time-stamp tokens: find each
 * signer, check the signed attributes (content-type, message-digest, ESS signing-certificate
 * v1/v2) and the signature value. Read with the offset-based BER/DER reader (./der.ts), so the signed
 * attributes and certificates are verified as the exact bytes the signer produced (and, for signed
 * attributes a signer wrote in BER, as their DER encoding, which is what RFC 5652 §5.4 signs).
 *
 * Every SignerInfo is parsed (a CMS may carry several, each its own signature); without signed attributes
 * (ISO 32000 allows that for adbe.pkcs7.detached) the signature is over the content itself.
 */
import * as asn1js from 'asn1js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { childrenOf, contentOf, DerError, expect, octetsOf, oidOf, readTlv, timeOf, wholeOf, type Tlv } from './der.js';
import { digest, hashFromOid, verifySignatureValue, weakHash, type AlgorithmId, type HashName } from './signature-algorithms.js';

export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_DATA = '1.2.840.113549.1.7.1';
export const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const OID_SIGNING_TIME = '1.2.840.113549.1.9.5';
const OID_SIGNING_CERTIFICATE = '1.2.840.113549.1.9.16.2.12';
const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
export const OID_SIGNATURE_TIMESTAMP = '1.2.840.113549.1.9.16.2.14';

export type CmsFailure =
  | 'cms-malformed'
  | 'signer-certificate-missing'
  | 'signed-attributes-missing'
  | 'content-type-mismatch'
  | 'message-digest-mismatch'
  | 'signing-certificate-missing'
  | 'signing-certificate-mismatch'
  | 'signature-invalid'
  | 'unsupported-algorithm'
  | 'rsa-not-allowed';

interface Attribute { type: string; values: Tlv[] }

/** One SignerInfo. */
export interface ParsedSignerInfo {
  signer?: ParsedCertificate;
  digestAlgorithmOid: string;
  digestAlgorithm?: HashName;
  signatureAlgorithm: AlgorithmId;
  signatureValue: Buffer;
  /** The signed attributes as signed: the [0] IMPLICIT element re-tagged as SET OF (0x31). */
  signedAttrsDer?: Buffer;
  signedAttrs: Attribute[];
  /** id-aa-signatureTimeStampToken, DER ContentInfo, when present. */
  signatureTimestampToken?: Buffer;
  claimedSigningTime?: Date;
}

/** A SignedData; the SignerInfo fields at the top level are those of the first SignerInfo (see withSigner). */
export interface ParsedSignedData extends ParsedSignerInfo {
  certificates: ParsedCertificate[];
  eContentType: string;
  /** The encapsulated content (time-stamp tokens), absent for detached PDF signatures. */
  eContent?: Buffer;
  signerInfos: ParsedSignerInfo[];
}

/** The same SignedData seen through its `index`-th SignerInfo. */
export function withSigner(parsed: ParsedSignedData, index: number): ParsedSignedData {
  return { ...parsed, ...parsed.signerInfos[index]! };
}

export class CmsParseError extends Error {}

export function algorithmOf(t: Tlv): AlgorithmId {
  const [oid, params] = childrenOf(expect(t, 0x30, 'AlgorithmIdentifier'));
  const algorithmId = oidOf(oid);
  // Parameters matter only for RSASSA-PSS; parsed with asn1js on demand (they are a few bytes).
  return params && params.tag !== 0x05 ? { algorithmId, algorithmParams: asn1js.fromBER(wholeOf(params)).result } : { algorithmId };
}

function attributesOf(t: Tlv): Attribute[] {
  return childrenOf(t).map((a) => {
    const [type, values] = childrenOf(expect(a, 0x30, 'Attribute'));
    return { type: oidOf(type), values: childrenOf(expect(values, 0x31, 'AttributeValues')) };
  });
}

const serialKey = (b: Buffer) => b.toString('hex').replace(/^(00)+(?=.)/, '').toUpperCase();

/** Parse a ContentInfo holding SignedData with one or more SignerInfos. */
export function parseSignedData(der: Uint8Array): ParsedSignedData {
  try {
    return parse(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
  } catch (e) {
    if (e instanceof DerError || e instanceof CmsParseError) throw new CmsParseError(e.message);
    throw new CmsParseError('malformed CMS');
  }
}

function parse(buf: Buffer): ParsedSignedData {
  const ci = childrenOf(expect(readTlv(buf), 0x30, 'ContentInfo'));
  if (oidOf(ci[0]) !== OID_SIGNED_DATA) throw new CmsParseError('not SignedData');
  const explicit = childrenOf(expect(ci[1], 0xa0, '[0] content'));
  const sd = childrenOf(expect(explicit[0], 0x30, 'SignedData'));
  let i = 1; // version
  expect(sd[i++], 0x31, 'digestAlgorithms');
  const encap = childrenOf(expect(sd[i++], 0x30, 'EncapsulatedContentInfo'));
  const eContentType = oidOf(encap[0]);
  const eContent = encap[1] ? octetsOf(childrenOf(expect(encap[1], 0xa0, '[0] eContent'))[0]!) : undefined;
  const certificates: ParsedCertificate[] = [];
  if (sd[i]?.tag === 0xa0) {
    for (const c of childrenOf(sd[i]!)) {
      if (c.tag !== 0x30) continue; // other certificate choices cannot help a path
      try { certificates.push(parseCertificate(wholeOf(c))); } catch { /* an unparsable extra certificate is ignored */ }
    }
    i++;
  }
  if (sd[i]?.tag === 0xa1) i++; // crls
  const infos = childrenOf(expect(sd[i], 0x31, 'signerInfos'));
  if (!infos.length) throw new CmsParseError('no SignerInfo');
  const signerInfos = infos.map((t) => parseSignerInfo(t, certificates));
  return { certificates, eContentType, ...(eContent ? { eContent } : {}), signerInfos, ...signerInfos[0]! };
}

function parseSignerInfo(t: Tlv, certificates: ParsedCertificate[]): ParsedSignerInfo {
  const si = childrenOf(expect(t, 0x30, 'SignerInfo'));
  let j = 1; // version
  const sid = si[j++]!;
  const digestAlgorithmOid = algorithmOf(si[j++]!).algorithmId;
  let signedAttrsDer: Buffer | undefined;
  let signedAttrs: Attribute[] = [];
  if (si[j]?.tag === 0xa0) {
    const a = si[j++]!;
    signedAttrs = attributesOf(a);
    signedAttrsDer = Buffer.from(wholeOf(a));
    signedAttrsDer[0] = 0x31;
  }
  const signatureAlgorithm = algorithmOf(si[j++]!);
  const signatureValue = contentOf(expect(si[j++], 0x04, 'signature'));
  const unsigned = si[j]?.tag === 0xa1 ? attributesOf(si[j]!) : [];

  let signer: ParsedCertificate | undefined;
  if (sid.tag === 0x30) {
    const [issuer, serial] = childrenOf(sid);
    const issuerBer = wholeOf(expect(issuer, 0x30, 'issuer'));
    const issuerDer = issuerBer[1] === 0x80 ? reencodeDer(Buffer.from(issuerBer)) ?? issuerBer : issuerBer; // a streaming encoder's BER name
    const sn = serialKey(contentOf(expect(serial, 0x02, 'serialNumber')));
    signer = certificates.find((c) => c.serialHex === sn && c.issuerDer.equals(issuerDer));
  } else if (sid.tag === 0x80) {
    const ski = contentOf(sid);
    signer = certificates.find((c) => c.subjectKeyId?.equals(ski));
  }
  const parsed: ParsedSignerInfo = {
    digestAlgorithmOid, signatureAlgorithm, signatureValue, signedAttrs,
    ...(signer ? { signer } : {}),
    ...(signedAttrsDer ? { signedAttrsDer } : {}),
  };
  const dh = hashFromOid(digestAlgorithmOid);
  if (dh) parsed.digestAlgorithm = dh;
  const token = unsigned.find((a) => a.type === OID_SIGNATURE_TIMESTAMP)?.values[0];
  if (token) parsed.signatureTimestampToken = Buffer.from(wholeOf(token));
  const st = signedAttrs.find((a) => a.type === OID_SIGNING_TIME)?.values[0];
  if (st) try { parsed.claimedSigningTime = timeOf(st); } catch { /* ignore a bad claim */ }
  return parsed;
}

export type CmsCheck = { ok: true; algorithm: string; weak?: string } | { ok: false; reason: CmsFailure; detail: string };

/** The content a SignerInfo is checked against: its digest, and the content itself for signatures without signed attributes. */
export interface SignedContent {
  /** Digest of the content with the SignerInfo's digest algorithm (computed by the caller: a document is hashed once, streaming). */
  digest: Buffer;
  /** The content in parts (a document's byte ranges), needed only when there are no signed attributes. */
  parts?: Uint8Array[];
}

/**
 * Verify the (first, or given by withSigner) SignerInfo over the content. `requireSignedAttributes`: PAdES
 * (ETSI.CAdES.detached) and RFC 3161 require them; ISO 32000's adbe.pkcs7.detached does not.
 */
export function verifySignerInfo(
  parsed: ParsedSignedData,
  content: Buffer | SignedContent,
  opts: { requireSigningCertificate: boolean; requireSignedAttributes?: boolean; allowRsa?: boolean },
): CmsCheck {
  const { digest: contentDigest, parts } = Buffer.isBuffer(content) ? { digest: content, parts: undefined } : content;
  if (!parsed.digestAlgorithm) return { ok: false, reason: 'unsupported-algorithm', detail: `digest ${parsed.digestAlgorithmOid}` };
  if (!parsed.signer) return { ok: false, reason: 'signer-certificate-missing', detail: 'the SignerInfo names no certificate in the CMS' };
  const rsa = opts.allowRsa !== undefined ? { allowRsa: opts.allowRsa } : {};
  if (!parsed.signedAttrsDer || !parsed.signedAttrs.length) {
    if (opts.requireSignedAttributes !== false || !parts)
      return { ok: false, reason: 'signed-attributes-missing', detail: 'PAdES requires signed attributes' };
    // ISO 32000-1 §12.8.3.3: without signed attributes the signature is over the signed bytes themselves.
    const r = verifySignatureValue({
      algorithm: parsed.signatureAlgorithm, digestAlgorithmOid: parsed.digestAlgorithmOid, spki: parsed.signer.spki,
      data: parts, signature: parsed.signatureValue, ...rsa,
    });
    return signatureOutcome(r, parsed.digestAlgorithm);
  }
  try {
    const find = (oid: string) => parsed.signedAttrs.filter((a) => a.type === oid);
    const ct = find(OID_CONTENT_TYPE);
    if (ct.length !== 1 || ct[0]!.values.length !== 1 || oidOf(ct[0]!.values[0]) !== parsed.eContentType)
      return { ok: false, reason: 'content-type-mismatch', detail: `content-type attribute does not name ${parsed.eContentType}` };
    const md = find(OID_MESSAGE_DIGEST);
    if (md.length !== 1 || md[0]!.values.length !== 1 || !contentOf(expect(md[0]!.values[0], 0x04, 'digest')).equals(contentDigest))
      return { ok: false, reason: 'message-digest-mismatch', detail: 'the signed message-digest differs from the digest of the signed bytes' };
    const sc = checkSigningCertificate(find(OID_SIGNING_CERTIFICATE_V2), find(OID_SIGNING_CERTIFICATE), parsed.signer);
    if (sc === 'mismatch') return { ok: false, reason: 'signing-certificate-mismatch', detail: 'ESS signing-certificate does not identify the signer certificate' };
    if (sc === 'absent' && opts.requireSigningCertificate)
      return { ok: false, reason: 'signing-certificate-missing', detail: 'no ESS signing-certificate-v2 attribute' };
  } catch {
    return { ok: false, reason: 'cms-malformed', detail: 'a signed attribute is malformed' };
  }
  const verifyOver = (data: Buffer) => verifySignatureValue({
    algorithm: parsed.signatureAlgorithm, digestAlgorithmOid: parsed.digestAlgorithmOid, spki: parsed.signer!.spki,
    data, signature: parsed.signatureValue, ...rsa,
  });
  let r = verifyOver(parsed.signedAttrsDer);
  if (!r.ok && r.reason === 'signature-invalid') {
    // Signed attributes received in BER (indefinite lengths, unsorted SET OF): the signature is over their DER.
    const der = reencodeDer(parsed.signedAttrsDer);
    if (der && !der.equals(parsed.signedAttrsDer)) r = verifyOver(der);
  }
  return signatureOutcome(r, parsed.digestAlgorithm);
}

function signatureOutcome(r: ReturnType<typeof verifySignatureValue>, digestAlgorithm: HashName): CmsCheck {
  if (!r.ok) return { ok: false, reason: r.reason, detail: `${r.algorithm}: the CMS signature does not verify with the signer's key` };
  const weak = weakHash(digestAlgorithm) ?? r.weak;
  return { ok: true, algorithm: r.algorithm, ...(weak ? { weak } : {}) };
}

/** The DER encoding of a BER element: definite lengths, SET OF sorted; undefined when it cannot be read. */
function reencodeDer(ber: Buffer): Buffer | undefined {
  try {
    return derOf(readTlv(ber));
  } catch {
    return undefined;
  }
}

function derOf(t: Tlv, depth = 0): Buffer {
  if (depth > 64) throw new DerError('nesting too deep');
  if (!(t.tag & 0x20)) return Buffer.concat([Buffer.from([t.tag]), derLength(t.contentEnd - t.contentStart), contentOf(t)]);
  let parts = childrenOf(t).map((c) => derOf(c, depth + 1));
  if (t.tag === 0x31) parts = parts.sort(Buffer.compare);
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([t.tag]), derLength(body.length), body]);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function checkSigningCertificate(v2: Attribute[], v1: Attribute[], signer: ParsedCertificate): 'ok' | 'absent' | 'mismatch' {
  // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }
  const firstId = (a: Attribute) => childrenOf(expect(childrenOf(expect(childrenOf(expect(a.values[0], 0x30, 'SigningCertificate'))[0], 0x30, 'certs'))[0], 0x30, 'ESSCertID'));
  if (v2.length) {
    // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING, issuerSerial OPTIONAL }
    const id = firstId(v2[0]!);
    let hash: HashName | undefined = 'SHA-256';
    let k = 0;
    if (id[0]?.tag === 0x30) { hash = hashFromOid(algorithmOf(id[0]).algorithmId); k = 1; }
    if (!hash) return 'mismatch';
    return contentOf(expect(id[k], 0x04, 'certHash')).equals(digest(hash, signer.der)) ? 'ok' : 'mismatch';
  }
  if (v1.length) {
    // ESSCertID ::= SEQUENCE { certHash OCTET STRING (SHA-1), issuerSerial OPTIONAL } — used by many TSAs.
    const id = firstId(v1[0]!);
    return contentOf(expect(id[0], 0x04, 'certHash')).equals(digest('SHA-1', signer.der)) ? 'ok' : 'mismatch';
  }
  return 'absent';
}
