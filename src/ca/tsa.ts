import { createHash } from 'node:crypto';
import { HASH_OIDS, nodeHash, type HashAlgorithm } from '../crypto/algorithms.js';
import { explicit, generalizedTime, implicitConstructed, integer, namedBits, octets, oid, seq, set, setOf, tlv, utf8, x509Time } from './der.js';
import { certParts, children, content, DerError, expectTag, parseTop, readBoolean, readIntegerBytes, readOid, readSmallInteger } from './der-read.js';
import { signatureAlgorithm, signWith, type Signer } from './cert.js';
import { OID } from './oids.js';

/** PKIStatus and PKIFailureInfo bits (RFC 3161 2.4.2). */
export const PKI_STATUS = { granted: 0, grantedWithMods: 1, rejection: 2, waiting: 3 } as const;
export const FAILURE = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  systemFailure: 25,
} as const;
export type FailureInfo = keyof typeof FAILURE;

export interface TimeStampRequest {
  version: number;
  hashAlgOid: string;
  hashedMessage: Buffer;
  reqPolicy?: string;
  /** INTEGER content octets, echoed as received. */
  nonce?: Buffer;
  certReq: boolean;
  hasExtensions: boolean;
}

const MAX_NONCE = 64;

/** Parses a TimeStampReq (RFC 3161 2.4.1); throws DerError on malformed input. */
export function parseTimeStampReq(der: Buffer): TimeStampRequest {
  const f = children(expectTag(parseTop(der), 0x30, 'TimeStampReq'));
  const version = readSmallInteger(f[0]);
  const mi = children(expectTag(f[1], 0x30, 'MessageImprint'));
  const alg = children(expectTag(mi[0], 0x30, 'AlgorithmIdentifier'));
  const hashAlgOid = readOid(alg[0]);
  const hashedMessage = Buffer.from(content(expectTag(mi[1], 0x04, 'hashedMessage')));
  const out: TimeStampRequest = { version, hashAlgOid, hashedMessage, certReq: false, hasExtensions: false };
  let i = 2;
  if (f[i]?.tag === 0x06) out.reqPolicy = readOid(f[i++]);
  if (f[i]?.tag === 0x02) {
    const n = readIntegerBytes(f[i++]);
    if (n.length > MAX_NONCE) throw new DerError('nonce too long');
    out.nonce = Buffer.from(n);
  }
  if (f[i]?.tag === 0x01) out.certReq = readBoolean(f[i++]);
  if (f[i]?.tag === 0xa0) {
    out.hasExtensions = true;
    i++;
  }
  if (i !== f.length) throw new DerError('unexpected fields in TimeStampReq');
  return out;
}

export interface TstInput {
  policyOid: string;
  hashAlg: HashAlgorithm;
  hashedMessage: Buffer;
  serial: bigint;
  genTime: Date;
  accuracySeconds: number;
  nonce?: Buffer;
}

/** TSTInfo (RFC 3161 2.4.2); genTime with milliseconds, ordering false (left out as the DEFAULT). */
export function encodeTstInfo(t: TstInput): Buffer {
  return seq(
    integer(1),
    oid(t.policyOid),
    seq(seq(oid(HASH_OIDS[t.hashAlg])), octets(t.hashedMessage)),
    integer(t.serial),
    generalizedTime(t.genTime, true),
    seq(integer(t.accuracySeconds)),
    ...(t.nonce ? [tlv(0x02, t.nonce)] : []), // the nonce's INTEGER content echoed exactly as received
  );
}

/** The TimeStampToken: CMS SignedData over TSTInfo with ESS signingCertificateV2 (RFC 5035), signed through the vault. */
export async function buildTimeStampToken(tstInfo: Buffer, signer: Signer, tsaCert: Buffer, includeCerts: Buffer[], signingTime: Date): Promise<Buffer> {
  const tsa = certParts(tsaCert);
  const digestAlg = seq(oid(HASH_OIDS[signer.hash]));
  const attr = (type: string, value: Buffer) => seq(oid(type), set(value));
  const essCertIdV2 = seq(
    // hashAlgorithm DEFAULT sha256 is left out (DER); any other hash is written
    ...(signer.hash === 'SHA-256' ? [] : [seq(oid(HASH_OIDS[signer.hash]))]),
    octets(createHash(nodeHash(signer.hash)).update(tsaCert).digest()),
    seq(seq(explicit(4, tsa.issuer)), integer(tsa.serial)),
  );
  // SET OF in DER order, because verifiers (OpenSSL) re-encode signedAttrs before checking the signature.
  const signedAttrs = setOf([
    attr(OID.contentType, oid(OID.tstInfo)),
    attr(OID.signingTime, x509Time(new Date(Math.floor(signingTime.getTime() / 1000) * 1000))),
    attr(OID.messageDigest, octets(createHash(nodeHash(signer.hash)).update(tstInfo).digest())),
    attr(OID.signingCertificateV2, seq(seq(essCertIdV2))),
  ]);
  const signature = await signWith(signer, signedAttrs);
  const signerInfo = seq(
    integer(1),
    seq(tsa.issuer, integer(tsa.serial)),
    digestAlg,
    implicitConstructed(0, content(parseTop(signedAttrs))),
    signatureAlgorithm(signer),
    octets(signature),
  );
  const signedData = seq(
    integer(3),
    set(digestAlg),
    seq(oid(OID.tstInfo), explicit(0, octets(tstInfo))),
    ...(includeCerts.length ? [implicitConstructed(0, setOfContent(includeCerts))] : []),
    set(signerInfo),
  );
  return seq(oid(OID.signedData), explicit(0, signedData));
}

const setOfContent = (items: Buffer[]): Buffer => Buffer.concat([...items].sort((a, b) => Buffer.compare(a, b)));

/** TimeStampResp: granted with a token, or a rejection with one failure bit and a short text. */
export function timeStampResponse(token: Buffer): Buffer {
  return seq(seq(integer(PKI_STATUS.granted)), token);
}

export function timeStampRejection(failure: FailureInfo, text: string): Buffer {
  return seq(seq(integer(PKI_STATUS.rejection), seq(utf8(text)), namedBits([FAILURE[failure]])));
}

