import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { readCertificate } from '../asn1/certificate.js';
import { attribute, digestAlgorithmId, encodeSignedData, signedAttributes, signingCertificateV2 } from '../asn1/cms.js';
import { Asn1Error, decodeAs, encode, REQUEST_LIMITS, verbatim } from '../asn1/der.js';
import { OID } from '../asn1/oids.js';
import { integerBytes, namedBits, unsignedInteger, x509Time } from '../asn1/values.js';
import { DIGESTS, type DigestName } from '../algorithms/table.js';
import type { SigningKey } from './cert.js';

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

/** Parses an untrusted TimeStampReq (RFC 3161 2.4.1) with pkijs, within REQUEST_LIMITS; throws Asn1Error on malformed input. */
export function parseTimeStampReq(der: Buffer): TimeStampRequest {
  const req = decodeAs(pkijs.TimeStampReq, der, 'TimeStampReq', REQUEST_LIMITS);
  try {
    const out: TimeStampRequest = {
      version: req.version,
      hashAlgOid: req.messageImprint.hashAlgorithm.algorithmId,
      hashedMessage: Buffer.from(req.messageImprint.hashedMessage.valueBlock.valueHexView),
      certReq: req.certReq === true,
      hasExtensions: (req.extensions?.length ?? 0) > 0,
    };
    if (req.reqPolicy !== undefined) out.reqPolicy = req.reqPolicy;
    if (req.nonce) {
      const n = integerBytes(req.nonce);
      if (n.length === 0 || n.length > MAX_NONCE) throw new Asn1Error('nonce too long');
      out.nonce = Buffer.from(n);
    }
    return out;
  } catch (e) {
    if (e instanceof Asn1Error) throw e;
    throw new Asn1Error(`TimeStampReq: ${(e as Error).message}`);
  }
}

export interface TstInput {
  policyOid: string;
  hashAlg: DigestName;
  hashedMessage: Buffer;
  serial: bigint;
  genTime: Date;
  accuracySeconds: number;
  /** INTEGER content octets, echoed exactly as received. */
  nonce?: Buffer;
}

/** TSTInfo (RFC 3161 2.4.2); genTime with milliseconds, ordering false (left out as the DEFAULT). */
export function encodeTstInfo(t: TstInput): Buffer {
  return encode(
    new pkijs.TSTInfo({
      version: 1,
      policy: t.policyOid,
      messageImprint: new pkijs.MessageImprint({ hashAlgorithm: digestAlgorithmId(t.hashAlg), hashedMessage: new asn1js.OctetString({ valueHex: t.hashedMessage }) }),
      serialNumber: unsignedInteger(t.serial),
      genTime: t.genTime,
      accuracy: new pkijs.Accuracy({ seconds: t.accuracySeconds }),
      ...(t.nonce ? { nonce: new asn1js.Integer({ valueHex: t.nonce }) } : {}),
    }),
  );
}

/**
 * The TimeStampToken: CMS SignedData over TSTInfo with signing-time and ESS signingCertificateV2
 * (RFC 5035), built by the shared CMS code and signed by `signer` (the TSA's vault key in the service).
 */
export async function buildTimeStampToken(tstInfo: Buffer, signer: SigningKey, tsaCert: Buffer, includeCerts: Buffer[], signingTime: Date): Promise<Buffer> {
  const tsa = readCertificate(tsaCert);
  const node = DIGESTS[signer.hash].node;
  const attrs = signedAttributes([
    attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.tstInfo })),
    attribute(OID.signingTime, x509Time(signingTime).toSchema()),
    attribute(OID.messageDigest, new asn1js.OctetString({ valueHex: createHash(node).update(tstInfo).digest() })),
    signingCertificateV2(tsa, signer.hash, createHash(node).update(tsaCert).digest()),
  ]);
  return encodeSignedData({
    digest: signer.hash,
    eContentType: OID.tstInfo,
    eContent: tstInfo,
    certificates: includeCerts,
    signer: tsa,
    signedAttributes: attrs.attributes,
    signatureAlgorithm: signer.algorithm,
    signature: await signer.sign(attrs.der),
  });
}

/** TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken OPTIONAL }: granted, with the token copied unchanged. */
export function timeStampResponse(token: Buffer): Buffer {
  return encode(new asn1js.Sequence({ value: [new pkijs.PKIStatusInfo({ status: PKI_STATUS.granted }).toSchema(), verbatim(token, 'TimeStampToken')] }));
}

/** A rejection with one failure bit and a short text. */
export function timeStampRejection(failure: FailureInfo, text: string): Buffer {
  return encode(
    new pkijs.TimeStampResp({
      status: new pkijs.PKIStatusInfo({
        status: PKI_STATUS.rejection,
        statusStrings: [new asn1js.Utf8String({ value: text })],
        failInfo: namedBits([FAILURE[failure]]),
      }),
    }),
  );
}
