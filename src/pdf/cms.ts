/**
 * CAdES detached SignedData for PAdES signatures (/SubFilter /ETSI.CAdES.detached), ETSI EN 319 122-1 baseline.
 *
 *   ContentInfo { id-signedData, [0] SignedData {
 *     version 1, digestAlgorithms { H }, encapContentInfo { id-data } (detached: no eContent),
 *     certificates [0] (the signer's chain; a DER SET OF, so sorted by encoding, not leaf first),
 *     signerInfos { SignerInfo { version 1, sid issuerAndSerialNumber, H,
 *       signedAttrs [0] { content-type id-data, message-digest, signing-certificate-v2 },   -- no signing-time: the time is /M
 *       signatureAlgorithm (from the shared algorithm table), signature,
 *       unsignedAttrs [1] { signature-time-stamp (RFC 3161 token over the signature value) }? } } } }
 *
 * Built with pkijs through src/asn1/cms.ts. estimateCmsSize builds the same structure with the parts that
 * vary replaced by stand-ins of their largest size (the signature value: bounded by the key; the token:
 * given), so the PDF /Contents placeholder is sized from the real parts.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import { readCertificate, type CertificateFields } from '../asn1/certificate.js';
import {
  attribute, attributeValues, encodeSignedData, placeholderOfSize, readSignedData, signedAttributes, signingCertificateV2,
} from '../asn1/cms.js';
import { buf, decode, leadingElement, partBytes, verbatim } from '../asn1/der.js';
import { OID } from '../asn1/oids.js';
import { describePublicKey } from '../algorithms/public-key.js';
import {
  DIGESTS, KEY_ALGORITHM_INFO, maxEcSignatureBytes, signatureAlgorithmFor, type DigestName as TableDigestName, type KeyAlgorithm, type SignatureAlgorithm,
} from '../algorithms/table.js';
import { AppError } from '../errors.js';
import { Lru } from '../lru.js';
import { checkTimestampToken } from './cms-tsp.js';

export { DIGESTS } from '../algorithms/table.js';
/** Digests of the signatures made here: SHA-2, and SM3 for SM2 seals (the SM2 CMS and GB/T 38540 SES_Signature). */
export type DigestName = TableDigestName;
export { OID } from '../asn1/oids.js';

export interface CmsSigner {
  certificates: Buffer[];            // DER, leaf first, then intermediates (root may be included)
  keyAlgorithm: KeyAlgorithm | 'RSA';
  digest: DigestName;
  sign(data: Uint8Array): Promise<Buffer>;   // raw signature over `data` (DER-encoded ECDSA / PKCS#1 v1.5 for RSA)
}
export type Timestamper = (messageImprint: Buffer, hash: DigestName) => Promise<Buffer>; // TimeStampToken (ContentInfo) DER
export type RevocationSource = (cert: Buffer, issuer: Buffer) => Promise<{ ocsp?: Buffer; crl?: Buffer }>;

export {
  buildTimestampRequest, tokenFromTimestampReply, httpTimestamper, parseTimestampToken, checkTimestampToken,
  type TimestampTokenInfo, type HttpTimestamperOptions,
} from './cms-tsp.js';

/** Node's hash name for a digest name, e.g. for hashing the byte ranges. */
export const nodeHashName = (digest: DigestName): string => DIGESTS[digest].node;

const misconfigured = (message: string) => new AppError(500, 'signer-misconfigured', message);

/** What a signer's certificate and key give the SignerInfo, worked out once per certificate buffer. */
interface SignerProfile {
  leaf: CertificateFields;
  algorithm: SignatureAlgorithm;
  /** Upper bound of the signature value in bytes, checked against the certificate's key. */
  maxSignature: number;
  /** estimateCmsSize's answers by the certificates' lengths and the token size: sizes depend on nothing else. */
  estimates: Map<string, number>;
}
// Reading a certificate costs about a millisecond; a seal's certificate comes with every sealing it makes.
const profiles = new Lru<string, SignerProfile>(256);

function signerProfile(signer: CmsSigner): SignerProfile {
  const leafDer = signer.certificates[0];
  if (!leafDer) throw misconfigured('the signer has no certificate');
  const key = `${signer.keyAlgorithm}/${signer.digest}/${leafDer.toString('latin1')}`;
  const hit = profiles.get(key);
  if (hit) return hit;
  let leaf: CertificateFields;
  try {
    leaf = readCertificate(leafDer);
  } catch (e) {
    throw misconfigured(`the signer's certificate cannot be read: ${(e as Error).message}`);
  }
  const d = describePublicKey(leaf.spki);
  let maxSignature: number;
  let algorithm: SignatureAlgorithm | undefined;
  if (signer.keyAlgorithm === 'RSA') {
    if (d.kind !== 'rsa') throw misconfigured('the certificate key is not RSA');
    maxSignature = Math.ceil(d.modulusBits / 8);
    algorithm = signatureAlgorithmFor('rsa-pkcs1', signer.digest);
  } else {
    const info = KEY_ALGORITHM_INFO[signer.keyAlgorithm];
    if (d.kind !== 'ec' || d.curve !== info.curve) throw misconfigured(`the certificate key is not ${signer.keyAlgorithm}`);
    maxSignature = maxEcSignatureBytes(info.curve);
    algorithm = info.digests.includes(signer.digest) ? signatureAlgorithmFor(info.scheme, signer.digest) : undefined;
  }
  if (!algorithm) throw misconfigured(`a ${signer.keyAlgorithm} key does not sign with ${signer.digest} here`);
  const profile = { leaf, algorithm, maxSignature, estimates: new Map<string, number>() };
  profiles.set(key, profile);
  return profile;
}

function isDerEcSignature(sig: Buffer): boolean {
  try {
    const s = decode(sig, 'signature');
    return s instanceof asn1js.Sequence && s.valueBlock.value.length === 2 && s.valueBlock.value.every((v) => v instanceof asn1js.Integer);
  } catch {
    return false;
  }
}

/** signed attributes content-type, message-digest, signing-certificate-v2, in DER order, and the DER the signer signs. */
function padesSignedAttributes(documentDigest: Buffer, signer: CmsSigner, leaf: CertificateFields) {
  return signedAttributes([
    attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.data })),
    attribute(OID.messageDigest, new asn1js.OctetString({ valueHex: documentDigest })),
    // ESSCertIDv2 with the DEFAULT hash (SHA-256) over the leaf, as RFC 5035 and most verifiers expect.
    signingCertificateV2(leaf, 'SHA-256', createHash('sha256').update(signer.certificates[0]!).digest()),
  ]);
}

function assemble(
  signer: CmsSigner,
  p: SignerProfile,
  attrs: ReturnType<typeof padesSignedAttributes>,
  signature: Uint8Array | asn1js.OctetString,
  token?: asn1js.BaseBlock,
): Buffer {
  return encodeSignedData({
    digest: signer.digest,
    eContentType: OID.data,
    certificates: signer.certificates,
    signer: p.leaf,
    signedAttributes: attrs.attributes,
    signatureAlgorithm: p.algorithm,
    signature,
    ...(token ? { unsignedAttributes: [attribute(OID.signatureTimeStampToken, token)] } : {}),
  });
}

function checkDigest(documentDigest: Buffer, signer: CmsSigner): void {
  if (documentDigest.length !== DIGESTS[signer.digest].length) {
    throw new AppError(500, 'digest-length-mismatch',
      `document digest is ${documentDigest.length} bytes, ${signer.digest} needs ${DIGESTS[signer.digest].length}`);
  }
}

/** CAdES detached SignedData for PAdES: signed attrs content-type, message-digest, signing-certificate-v2; NO signing-time.
 *  When timestamper is given, adds the signature-time-stamp unsigned attribute (id-aa-signatureTimeStampToken) over the signature value. */
export async function buildPadesCms(documentDigest: Buffer, signer: CmsSigner, timestamper?: Timestamper): Promise<Buffer> {
  checkDigest(documentDigest, signer);
  const p = signerProfile(signer);
  const attrs = padesSignedAttributes(documentDigest, signer, p.leaf);
  const signature = await signer.sign(attrs.der);
  if (signature.length === 0 || signature.length > p.maxSignature) {
    throw misconfigured(`the signer returned a ${signature.length}-byte signature; at most ${p.maxSignature} expected for ${signer.keyAlgorithm}`);
  }
  if (signer.keyAlgorithm !== 'RSA' && !isDerEcSignature(signature)) {
    // WebCrypto and PKCS#11 give IEEE P1363 r||s; CMS needs the DER Ecdsa-Sig-Value.
    throw misconfigured('the signer returned an ECDSA signature that is not DER (r||s from WebCrypto or PKCS#11 must be converted)');
  }
  let token: asn1js.BaseBlock | undefined;
  if (timestamper) {
    // RFC 3161 over the signature value (the OCTET STRING's content), ETSI EN 319 122-1 5.3.
    const imprint = createHash(nodeHashName(signer.digest)).update(signature).digest();
    const der = await timestamper(imprint, signer.digest);
    checkTimestampToken(der, imprint, signer.digest);
    token = verbatim(der, 'time-stamp token');
  }
  return assemble(signer, p, attrs, signature, token);
}

/** Upper bound of the DER length buildPadesCms will produce for this signer (computed from the real parts: cert sizes,
 *  max signature size for the key, and the time-stamp token size), so the /Contents placeholder is sized from them.
 *  `timestampTokenSize` must itself be an upper bound of the token the TSA will return (tokens vary by a few bytes:
 *  the TSA's own signature and serial number), e.g. a trial token's size plus a small margin. */
export function estimateCmsSize(signer: CmsSigner, timestampTokenSize?: number): number {
  const p = signerProfile(signer);
  const key = `${signer.certificates.map((c) => c.length).join(',')}/${timestampTokenSize ?? '-'}`;
  const known = p.estimates.get(key);
  if (known !== undefined) return known;
  const attrs = padesSignedAttributes(Buffer.alloc(DIGESTS[signer.digest].length), signer, p.leaf);
  // The token's bytes do not change the sizes around it, only its length does.
  const token = timestampTokenSize === undefined ? undefined : placeholderOfSize(timestampTokenSize);
  const size = assemble(signer, p, attrs, new Uint8Array(p.maxSignature), token).length;
  p.estimates.set(key, size);
  return size;
}

/** The DER CMS inside a PDF /Contents is followed by zero padding; this is the CMS without it. */
export function trimCmsPadding(contents: Uint8Array): Buffer {
  const cms = leadingElement(contents);
  if (!cms) throw new AppError(422, 'cms-malformed', 'CMS: /Contents does not start with an ASN.1 element');
  return cms;
}

function firstSignerInfo(cms: Uint8Array) {
  try {
    const si = readSignedData(cms).signerInfos[0];
    if (!si) throw new Error('no SignerInfo');
    return si;
  } catch (e) {
    throw new AppError(422, 'cms-malformed', `CMS: ${(e as Error).message}`);
  }
}

/** The signature value of the (first) SignerInfo: what a signature time-stamp must cover. */
export function signatureValueOf(cms: Uint8Array): Uint8Array {
  return buf(firstSignerInfo(cms).signature.valueBlock.valueHexView);
}

/** The signature-time-stamp token (ContentInfo, as received) in the first SignerInfo's unsigned attributes, if any. */
export function signatureTimestampTokenOf(cms: Uint8Array): Uint8Array | undefined {
  const token = attributeValues(firstSignerInfo(cms).unsignedAttrs, OID.signatureTimeStampToken)[0]?.[0];
  return token ? partBytes(token) : undefined;
}
