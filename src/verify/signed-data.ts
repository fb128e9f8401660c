/**
 * CMS SignedData (RFC 5652) verification for PDF signatures and time-stamp tokens: find each
 * signer, check the signed attributes (content-type, message-digest, ESS signing-certificate
 * v1/v2) and the signature value. Read with pkijs through src/asn1/cms.ts (bounded, BER accepted),
 * so the signed attributes and certificates are verified as the exact bytes the signer produced (and,
 * for signed attributes a signer wrote in BER, as their DER encoding, which is what RFC 5652 §5.4 signs).
 *
 * Every SignerInfo is parsed (a CMS may carry several, each its own signature); without signed attributes
 * (ISO 32000 allows that for adbe.pkcs7.detached) the signature is over the content itself.
 */
import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { attributeValues, findSigner, firstEssCertId, readSignedData } from '../asn1/cms.js';
import { Asn1Error, buf, partBytes, toDer } from '../asn1/der.js';
import { OID } from '../asn1/oids.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { digest, hashFromOid, verifySignatureValue, weakHash, type AlgorithmId, type HashName } from './signature-algorithms.js';
import { LIMITS, LimitExceeded, within } from '../limits.js';

export const OID_SIGNED_DATA = OID.signedData;
export const OID_DATA = OID.data;
export const OID_TST_INFO = OID.tstInfo;
export const OID_SIGNATURE_TIMESTAMP = OID.signatureTimeStampToken;

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

/** One SignerInfo. */
export interface ParsedSignerInfo {
  signer?: ParsedCertificate;
  digestAlgorithmOid: string;
  digestAlgorithm?: HashName;
  signatureAlgorithm: AlgorithmId;
  signatureValue: Buffer;
  /** The signed attributes as signed: the [0] IMPLICIT element re-tagged as SET OF (0x31). */
  signedAttrsDer?: Buffer;
  signedAttrs?: pkijs.SignedAndUnsignedAttributes;
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

/** Parse a ContentInfo holding SignedData with one or more SignerInfos. */
export function parseSignedData(der: Uint8Array): ParsedSignedData {
  try {
    return parse(der);
  } catch (e) {
    if (e instanceof LimitExceeded) throw e;
    if (e instanceof Asn1Error || e instanceof CmsParseError) throw new CmsParseError(e.message);
    throw new CmsParseError('malformed CMS');
  }
}

function parse(der: Uint8Array): ParsedSignedData {
  const sd = readSignedData(der);
  within(LIMITS.certificatesPerCms, sd.certificates.length, 'the certificates in one CMS');
  const certificates: ParsedCertificate[] = [];
  for (const c of sd.certificates) {
    try { certificates.push(parseCertificate(c)); } catch { /* an unparsable extra certificate is ignored */ }
  }
  if (!sd.signerInfos.length) throw new CmsParseError('no SignerInfo');
  const signerInfos = sd.signerInfos.map((si) => parseSignerInfo(si, certificates));
  const eContent = sd.encapContentInfo.eContent ? buf(sd.encapContentInfo.eContent.getValue()) : undefined;
  return { certificates, eContentType: sd.encapContentInfo.eContentType, ...(eContent ? { eContent } : {}), signerInfos, ...signerInfos[0]! };
}

function parseSignerInfo(si: pkijs.SignerInfo, certificates: ParsedCertificate[]): ParsedSignerInfo {
  const digestAlgorithmOid = si.digestAlgorithm.algorithmId;
  // pkijs keeps the received [0] element re-tagged as SET OF: the bytes that were signed.
  const signedAttrsDer = si.signedAttrs?.encodedValue.byteLength ? Buffer.from(si.signedAttrs.encodedValue) : undefined;
  const signer = findSigner(si.sid, certificates);
  const parsed: ParsedSignerInfo = {
    digestAlgorithmOid, signatureAlgorithm: si.signatureAlgorithm, signatureValue: buf(si.signature.valueBlock.valueHexView),
    ...(si.signedAttrs ? { signedAttrs: si.signedAttrs } : {}),
    ...(signer ? { signer } : {}),
    ...(signedAttrsDer ? { signedAttrsDer } : {}),
  };
  const dh = hashFromOid(digestAlgorithmOid);
  if (dh) parsed.digestAlgorithm = dh;
  const token = attributeValues(si.unsignedAttrs, OID.signatureTimeStampToken)[0]?.[0];
  if (token) parsed.signatureTimestampToken = partBytes(token); // decoded with the CMS: not parsed again
  const st = attributeValues(si.signedAttrs, OID.signingTime)[0]?.[0];
  if (st instanceof asn1js.UTCTime || st instanceof asn1js.GeneralizedTime) {
    try { parsed.claimedSigningTime = st.toDate(); } catch { /* ignore a bad claim */ }
  }
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
export async function verifySignerInfo(
  parsed: ParsedSignedData,
  content: Buffer | SignedContent,
  opts: { requireSigningCertificate: boolean; requireSignedAttributes?: boolean; allowRsa?: boolean },
): Promise<CmsCheck> {
  const { digest: contentDigest, parts } = Buffer.isBuffer(content) ? { digest: content, parts: undefined } : content;
  if (!parsed.digestAlgorithm) return { ok: false, reason: 'unsupported-algorithm', detail: `digest ${parsed.digestAlgorithmOid}` };
  if (!parsed.signer) return { ok: false, reason: 'signer-certificate-missing', detail: 'the SignerInfo names no certificate in the CMS' };
  const rsa = opts.allowRsa !== undefined ? { allowRsa: opts.allowRsa } : {};
  if (!parsed.signedAttrsDer || !parsed.signedAttrs?.attributes.length) {
    if (opts.requireSignedAttributes !== false || !parts)
      return { ok: false, reason: 'signed-attributes-missing', detail: 'PAdES requires signed attributes' };
    // ISO 32000-1 §12.8.3.3: without signed attributes the signature is over the signed bytes themselves.
    const r = await verifySignatureValue({
      algorithm: parsed.signatureAlgorithm, digestAlgorithmOid: parsed.digestAlgorithmOid, spki: parsed.signer.spki,
      data: parts, signature: parsed.signatureValue, ...rsa,
    });
    return signatureOutcome(r, parsed.digestAlgorithm);
  }
  try {
    const find = (oid: string) => attributeValues(parsed.signedAttrs, oid);
    const ct = find(OID.contentType);
    const ctValue = ct[0]?.[0];
    if (ct.length !== 1 || ct[0]!.length !== 1 || !(ctValue instanceof asn1js.ObjectIdentifier) || ctValue.getValue() !== parsed.eContentType)
      return { ok: false, reason: 'content-type-mismatch', detail: `content-type attribute does not name ${parsed.eContentType}` };
    const md = find(OID.messageDigest);
    const mdValue = md[0]?.[0];
    if (md.length !== 1 || md[0]!.length !== 1 || !(mdValue instanceof asn1js.OctetString) || !buf(mdValue.getValue()).equals(contentDigest))
      return { ok: false, reason: 'message-digest-mismatch', detail: 'the signed message-digest differs from the digest of the signed bytes' };
    const sc = checkSigningCertificate(find(OID.signingCertificateV2), find(OID.signingCertificate), parsed.signer);
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
  let r = await verifyOver(parsed.signedAttrsDer);
  if (!r.ok && r.reason === 'signature-invalid') {
    // Signed attributes received in BER (indefinite lengths, unsorted SET OF): the signature is over their DER.
    let der: Buffer | undefined;
    try { der = toDer(parsed.signedAttrsDer); } catch { der = undefined; }
    if (der && !der.equals(parsed.signedAttrsDer)) r = await verifyOver(der);
  }
  return signatureOutcome(r, parsed.digestAlgorithm);
}

function signatureOutcome(r: Awaited<ReturnType<typeof verifySignatureValue>>, digestAlgorithm: HashName): CmsCheck {
  if (!r.ok) return { ok: false, reason: r.reason, detail: `${r.algorithm}: the CMS signature does not verify with the signer's key` };
  const weak = weakHash(digestAlgorithm) ?? r.weak;
  return { ok: true, algorithm: r.algorithm, ...(weak ? { weak } : {}) };
}

function checkSigningCertificate(v2: asn1js.BaseBlock[][], v1: asn1js.BaseBlock[][], signer: ParsedCertificate): 'ok' | 'absent' | 'mismatch' {
  // SigningCertificateV2 { certs { ESSCertIDv2 { hashAlgorithm DEFAULT sha256, certHash, issuerSerial OPTIONAL } } }
  if (v2.length) {
    const id = firstEssCertId(v2[0]![0]!, true);
    const hash = hashFromOid(id.hashOid);
    if (!hash) return 'mismatch';
    return id.certHash.equals(digest(hash, signer.der)) ? 'ok' : 'mismatch';
  }
  // SigningCertificate { certs { ESSCertID { certHash (SHA-1), issuerSerial OPTIONAL } } } — used by many TSAs.
  if (v1.length) return firstEssCertId(v1[0]![0]!, false).certHash.equals(digest('SHA-1', signer.der)) ? 'ok' : 'mismatch';
  return 'absent';
}
