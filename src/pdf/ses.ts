/**
 * 电子签章 GB/T 38540-2020 SES_Signature as a PDF signature's /Contents (SubFilter /GB.T38540.SES,
 * docs/architecture/gbt38540-in-pdf.md): TBS_Sign v4 holding the seal's SESeal, the signing time,
 * dataHash = SM3 of the ByteRange bytes and propertyInfo naming the ByteRange; signed by the seal's
 * SM2 key (SM3withSM2, user ID 1234567812345678); an RFC 3161 time-stamp from our SM2 TSA over the
 * signature value in `timeStamp`.
 */
import { createHash } from 'node:crypto';
import { encodeSESSignature, encodeTbsSign, readSESSignature } from '../asn1/seseal.js';
import { OID } from '../asn1/oids.js';
import { maxEcSignatureBytes } from '../algorithms/table.js';
import { AppError } from '../errors.js';
import { checkTimestampToken } from './cms-tsp.js';
import type { Timestamper } from './cms.js';

/** The SubFilter naming the standard: validators that do not know it say "unknown", not "corrupted". */
export const SES_SUBFILTER = 'GB.T38540.SES';

export interface SesSigner {
  /** The seal's certificate (DER): the signer certificate of the SES_Signature, listed in the SESeal. */
  certificate: Buffer;
  /** The seal's SESeal (DER), as the seal maker signed it. */
  seseal: Buffer;
  /** SM2 signature (DER SEQUENCE {r, s}) with SM3 and Z_A over `data` (the vault's sign with SM3). */
  sign(data: Uint8Array): Promise<Buffer>;
}

/** propertyInfo: what the dataHash covers, the ByteRange as the signature dictionary writes it. */
export const propertyInfoOf = (byteRange: readonly number[]): string => `ByteRange [${byteRange.join(' ')}]`;

const SM3_BYTES = 32;

/**
 * The SES_Signature over `dataHash` (SM3 of the ByteRange bytes). With a timestamper, the token over
 * SM3(signature) is asked of it (our SM2 TSA answers SM3 imprints) and carried in timeStamp.
 */
export async function buildSesSignature(
  dataHash: Buffer,
  signer: SesSigner,
  signingTime: Date,
  byteRange: readonly number[],
  timestamper?: Timestamper,
): Promise<Buffer> {
  if (dataHash.length !== SM3_BYTES) throw new AppError(500, 'digest-length-mismatch', `an SES dataHash is SM3 (32 bytes), not ${dataHash.length}`);
  const toSign = encodeTbsSign({ eseal: signer.seseal, timeInfo: signingTime, dataHash, propertyInfo: propertyInfoOf(byteRange) });
  const signature = await signer.sign(toSign);
  let token: Buffer | undefined;
  if (timestamper) {
    const imprint = createHash('sm3').update(signature).digest();
    token = await timestamper(imprint, 'SM3');
    checkTimestampToken(token, imprint, 'SM3');
  }
  return encodeSESSignature(toSign, signer.certificate, OID.sm3WithSm2, signature, token);
}

/** An upper bound of buildSesSignature's length: the largest SM2 signature, ten-digit ByteRange offsets, the token's size. */
export function estimateSesSize(signer: SesSigner, timestampTokenSize?: number): number {
  const toSign = encodeTbsSign({
    eseal: signer.seseal,
    timeInfo: new Date(0),
    dataHash: Buffer.alloc(SM3_BYTES),
    propertyInfo: propertyInfoOf([9_999_999_999, 9_999_999_999, 9_999_999_999, 9_999_999_999]),
  });
  const token = timestampTokenSize === undefined ? undefined : Buffer.alloc(timestampTokenSize);
  return encodeSESSignature(toSign, signer.certificate, OID.sm3WithSm2, Buffer.alloc(maxEcSignatureBytes('SM2')), token).length;
}

/** Every certificate an SES_Signature carries: the signer's, the seal maker's, the SESeal's holders', and its time-stamp token's. */
export function certificatesOfSes(der: Uint8Array): { certificates: Buffer[]; timeStampToken?: Buffer } | undefined {
  try {
    const s = readSESSignature(der);
    return {
      certificates: [s.signerCertificate, s.eseal.makerCertificate, ...s.eseal.info.holderCertificates],
      ...(s.timeStamp ? { timeStampToken: s.timeStamp } : {}),
    };
  } catch {
    return undefined;
  }
}
