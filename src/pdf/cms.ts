/**
 * CAdES detached SignedData for PAdES signatures (/SubFilter /ETSI.CAdES.detached), ETSI EN 319 122-1 baseline.
 *
 *   ContentInfo { id-signedData, [0] SignedData {
 *     version 1, digestAlgorithms { H }, encapContentInfo { id-data } (detached: no eContent),
 *     certificates [0] (the signer's chain; a DER SET OF, so sorted by encoding, not leaf first),
 *     signerInfos { SignerInfo { version 1, sid issuerAndSerialNumber, H,
 *       signedAttrs [0] { content-type id-data, message-digest, signing-certificate-v2 },   -- no signing-time: the time is /M
 *       signatureAlgorithm (ecdsa-with-H | H-with-RSAEncryption), signature,
 *       unsignedAttrs [1] { signature-time-stamp (RFC 3161 token over the signature value) }? } } } }
 *
 * Built by concatenating DER (see cms-der.ts for why), so estimateCmsSize can compute the exact size of
 * everything except the parts that vary (the signature value: bounded by the key; the token: given).
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { AppError } from '../errors.js';
import {
  bytesOf, children, contentOf, derNull, integer, octetString, oid, oidToString, readTlv, seq, setOf, TAG, tlv, tlvSize,
  type Tlv,
} from './cms-der.js';
import { checkTimestampToken } from './cms-tsp.js';
import { DIGESTS, OID, type DigestName } from './cms-oids.js';

export { DIGESTS, OID, type DigestName } from './cms-oids.js';

export interface CmsSigner {
  certificates: Buffer[];            // DER, leaf first, then intermediates (root may be included)
  keyAlgorithm: 'ECDSA-P256' | 'ECDSA-P384' | 'RSA';
  digest: 'SHA-256' | 'SHA-384' | 'SHA-512';
  sign(data: Uint8Array): Promise<Buffer>;   // raw signature over `data` (DER-encoded ECDSA / PKCS#1 v1.5 for RSA)
}
export type Timestamper = (messageImprint: Buffer, hash: DigestName) => Promise<Buffer>; // TimeStampToken (ContentInfo) DER
export type RevocationSource = (cert: Buffer, issuer: Buffer) => Promise<{ ocsp?: Buffer; crl?: Buffer }>;

export {
  buildTimestampRequest, tokenFromTimestampReply, httpTimestamper, parseTimestampToken, checkTimestampToken,
  type TimestampTokenInfo, type HttpTimestamperOptions,
} from './cms-tsp.js';

/** Node's hash name for a digest name, e.g. for hashing the byte ranges. */
export const nodeHashName = (digest: DigestName): 'sha256' | 'sha384' | 'sha512' => DIGESTS[digest].node;

/** Digest AlgorithmIdentifier: parameters absent, as RFC 5754 asks for SHA-2. */
const digestAlgorithm = (d: DigestName): Buffer => seq(oid(DIGESTS[d].oid));

function signatureAlgorithm(signer: CmsSigner): Buffer {
  if (signer.keyAlgorithm === 'RSA') {
    const o = { 'SHA-256': OID.sha256WithRsa, 'SHA-384': OID.sha384WithRsa, 'SHA-512': OID.sha512WithRsa }[signer.digest];
    return seq(oid(o), derNull()); // RFC 4055: NULL parameters for the PKCS#1 v1.5 algorithms
  }
  const o = { 'SHA-256': OID.ecdsaWithSha256, 'SHA-384': OID.ecdsaWithSha384, 'SHA-512': OID.ecdsaWithSha512 }[signer.digest];
  return seq(oid(o)); // RFC 5758: parameters absent
}

const misconfigured = (message: string) => new AppError(500, 'signer-misconfigured', message);

/** The parts of a certificate the SignerInfo needs, copied byte for byte. */
interface CertParts { issuerName: Uint8Array; serialInteger: Uint8Array }
function certParts(der: Buffer): CertParts {
  try {
    const cert = readTlv(der, 0);
    const tbs = children(der, cert)[0];
    if (!tbs) throw new Error('no tbsCertificate');
    const fields = children(der, tbs);
    const i = fields[0]?.tag === TAG.context(0) ? 1 : 0; // skip the explicit [0] version
    const serial = fields[i];
    const issuer = fields[i + 2];
    if (serial?.tag !== TAG.INTEGER || issuer?.tag !== TAG.SEQUENCE) throw new Error('unexpected tbsCertificate shape');
    return { serialInteger: bytesOf(der, serial), issuerName: bytesOf(der, issuer) };
  } catch (e) {
    throw misconfigured(`the signer's certificate cannot be read: ${(e as Error).message}`);
  }
}

// Parsing a certificate costs about 0.7 ms; a signer's certificate buffer is reused for every seal it makes.
const keyCache = new WeakMap<Buffer, KeyObject>();
function leafKey(leaf: Buffer): KeyObject {
  let key = keyCache.get(leaf);
  if (!key) {
    key = new X509Certificate(leaf).publicKey;
    keyCache.set(leaf, key);
  }
  return key;
}

/** Upper bound of the DER signature value for the signer's key, checked against the certificate's key. */
function maxSignatureSize(signer: CmsSigner): number {
  const leaf = signer.certificates[0];
  if (!leaf) throw misconfigured('the signer has no certificate');
  const key = leafKey(leaf);
  const details = key.asymmetricKeyDetails ?? {};
  switch (signer.keyAlgorithm) {
    case 'RSA':
      if (key.asymmetricKeyType !== 'rsa' || !details.modulusLength) throw misconfigured('the certificate key is not RSA');
      return Math.ceil(details.modulusLength / 8);
    case 'ECDSA-P256':
    case 'ECDSA-P384': {
      const [curve, n] = signer.keyAlgorithm === 'ECDSA-P256' ? ['prime256v1', 32] : ['secp384r1', 48];
      if (key.asymmetricKeyType !== 'ec' || details.namedCurve !== curve) {
        throw misconfigured(`the certificate key is not ${signer.keyAlgorithm}`);
      }
      // Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }, each at most n bytes plus a leading zero.
      return tlvSize(2 * tlvSize(n + 1));
    }
  }
}

function setOfTagged(tag: number, elements: Buffer[]): Buffer {
  return tlv(tag, ...[...elements].sort(Buffer.compare));
}

function isDerEcdsaSignature(sig: Buffer): boolean {
  try {
    const t = readTlv(sig, 0);
    const parts = t.tag === TAG.SEQUENCE && t.end === sig.length ? children(sig, t) : [];
    return parts.length === 2 && parts.every((p) => p.tag === TAG.INTEGER && p.length > 0);
  } catch {
    return false;
  }
}

function attribute(type: string, ...values: Buffer[]): Buffer {
  return seq(oid(type), setOf(...values));
}

/** signed attributes as the SET OF that is signed (tag 0x31); in the SignerInfo the tag becomes [0]. */
function signedAttributes(documentDigest: Buffer, signer: CmsSigner, leaf: CertParts): Buffer {
  const leafDer = signer.certificates[0]!;
  // RFC 5035 ESSCertIDv2 { hashAlgorithm DEFAULT sha256 (so omitted), certHash, issuerSerial { GeneralNames { [4] Name }, serial } }
  const essCertIdV2 = seq(
    octetString(createHash('sha256').update(leafDer).digest()),
    seq(seq(tlv(TAG.context(4), leaf.issuerName)), leaf.serialInteger),
  );
  const signingCertificateV2 = seq(seq(essCertIdV2));
  return setOf(
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.messageDigest, octetString(documentDigest)),
    attribute(OID.signingCertificateV2, signingCertificateV2),
  );
}

function assemble(signer: CmsSigner, leaf: CertParts, signedAttrsSet: Buffer, signature: Buffer, token?: Buffer): Buffer {
  const unsigned = token
    ? [tlv(TAG.context(1), attribute(OID.signatureTimeStampToken, token))]
    : [];
  const signerInfo = seq(
    integer(1),
    seq(leaf.issuerName, leaf.serialInteger),
    digestAlgorithm(signer.digest),
    Buffer.concat([Buffer.from([TAG.context(0)]), signedAttrsSet.subarray(1)]), // same length octets, IMPLICIT [0]
    signatureAlgorithm(signer),
    octetString(signature),
    ...unsigned,
  );
  const signedData = seq(
    integer(1),
    setOf(digestAlgorithm(signer.digest)),
    seq(oid(OID.data)),
    // CertificateSet is a SET OF: DER order (as OpenSSL writes it), not the chain order. Verifiers find the
    // signer's certificate by sid (issuer and serial), never by position.
    setOfTagged(TAG.context(0), signer.certificates),
    tlv(TAG.SET, signerInfo),
  );
  return seq(oid(OID.signedData), tlv(TAG.context(0), signedData));
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
  const leaf = certParts(signer.certificates[0] ?? Buffer.alloc(0));
  const maxSig = maxSignatureSize(signer);
  const attrs = signedAttributes(documentDigest, signer, leaf);
  const signature = await signer.sign(attrs);
  if (signature.length === 0 || signature.length > maxSig) {
    throw misconfigured(`the signer returned a ${signature.length}-byte signature; at most ${maxSig} expected for ${signer.keyAlgorithm}`);
  }
  if (signer.keyAlgorithm !== 'RSA' && !isDerEcdsaSignature(signature)) {
    // WebCrypto and PKCS#11 give IEEE P1363 r||s; CMS needs the DER Ecdsa-Sig-Value.
    throw misconfigured('the signer returned an ECDSA signature that is not DER (r||s from WebCrypto or PKCS#11 must be converted)');
  }
  let token: Buffer | undefined;
  if (timestamper) {
    // RFC 3161 over the signature value (the OCTET STRING's content), ETSI EN 319 122-1 5.3.
    const imprint = createHash(nodeHashName(signer.digest)).update(signature).digest();
    token = await timestamper(imprint, signer.digest);
    checkTimestampToken(token, imprint, signer.digest);
  }
  return assemble(signer, leaf, attrs, signature, token);
}

/** Upper bound of the DER length buildPadesCms will produce for this signer (computed from the real parts: cert sizes,
 *  max signature size for the key, and the time-stamp token size), so the /Contents placeholder is sized from them.
 *  `timestampTokenSize` must itself be an upper bound of the token the TSA will return (tokens vary by a few bytes:
 *  the TSA's own signature and serial number), e.g. a trial token's size plus a small margin. */
export function estimateCmsSize(signer: CmsSigner, timestampTokenSize?: number): number {
  const leaf = certParts(signer.certificates[0] ?? Buffer.alloc(0));
  const maxSig = maxSignatureSize(signer);
  const attrs = signedAttributes(Buffer.alloc(DIGESTS[signer.digest].length), signer, leaf);
  // The token's bytes do not change the sizes around it, only its length does.
  const token = timestampTokenSize === undefined ? undefined : Buffer.alloc(timestampTokenSize);
  return assemble(signer, leaf, attrs, Buffer.alloc(maxSig), token).length;
}

/** The DER CMS inside a PDF /Contents is followed by zero padding; this is the CMS without it. */
export function trimCmsPadding(contents: Uint8Array): Uint8Array {
  const t = readTlv(contents, 0);
  return contents.subarray(0, t.end);
}

function firstSignerInfo(cms: Uint8Array): { si: Tlv; fields: Tlv[] } {
  const malformed = (why: string) => new AppError(422, 'cms-malformed', `CMS: ${why}`);
  try {
    const ci = readTlv(cms, 0);
    const explicit = children(cms, ci)[1];
    const sd = explicit && children(cms, explicit)[0];
    if (!sd) throw malformed('no SignedData');
    const sdFields = children(cms, sd);
    const signerInfos = sdFields[sdFields.length - 1];
    const si = signerInfos && children(cms, signerInfos)[0];
    if (!si) throw malformed('no SignerInfo');
    return { si, fields: children(cms, si) };
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw malformed((e as Error).message);
  }
}

/** The signature value of the (first) SignerInfo: what a signature time-stamp must cover. */
export function signatureValueOf(cms: Uint8Array): Uint8Array {
  const sig = firstSignerInfo(cms).fields.find((t) => t.tag === TAG.OCTET_STRING);
  if (!sig) throw new AppError(422, 'cms-malformed', 'CMS: no signature value');
  return contentOf(cms, sig);
}

/** The signature-time-stamp token (ContentInfo DER) in the first SignerInfo's unsigned attributes, if any. */
export function signatureTimestampTokenOf(cms: Uint8Array): Uint8Array | undefined {
  const unsigned = firstSignerInfo(cms).fields.find((t) => t.tag === TAG.context(1));
  if (!unsigned) return undefined;
  for (const attr of children(cms, unsigned)) {
    const [type, values] = children(cms, attr);
    if (type && values && oidToString(contentOf(cms, type)) === OID.signatureTimeStampToken) {
      const token = children(cms, values)[0];
      return token && bytesOf(cms, token);
    }
  }
  return undefined;
}
