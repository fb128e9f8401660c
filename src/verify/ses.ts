/**
 * Checking a GB/T 38540-2020 SES_Signature in a PDF (SubFilter /GB.T38540.SES): its dataHash against
 * SM3 of the ByteRange bytes, its propertyInfo against the ByteRange, the signer's SM2 signature over
 * TBS_Sign, and its SESeal: the seal maker's signature over SES_SealInfo, the seal's validity at the
 * signing time, and the signer's certificate listed in the seal. The chain, revocation, time-stamp and
 * seal-image checks are those of every signature (verify-pdf.ts); the maker's chain is validated there too.
 */
import { readSESSignature, type SESSignature } from '../asn1/seseal.js';
import { canonicalImageHash } from '../image-hash.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { decodePng, PngError } from './png.js';
import { digest, verifySignatureValue } from './signature-algorithms.js';

/** The SubFilter under which our SES_Signatures stand (src/pdf/ses.ts writes it). */
export const SES_SUBFILTER = 'GB.T38540.SES';

export interface SesProblem {
  severity: 'INVALID' | 'INDETERMINATE';
  reason: string;
  detail: string;
}

export type SesReading =
  | { ok: false; problem: SesProblem }
  | {
      ok: true;
      ses: SESSignature;
      signer: ParsedCertificate;
      maker: ParsedCertificate;
      /** The SESeal picture's canonical image hash (src/image-hash.ts), or undefined when it cannot be decoded. */
      pictureHash?: Buffer;
    };

/** Reads the SES_Signature and its certificates; a structure that is not one is INVALID. */
export function readSes(der: Uint8Array): SesReading {
  let ses: SESSignature;
  let signer: ParsedCertificate;
  let maker: ParsedCertificate;
  try {
    ses = readSESSignature(der);
    signer = parseCertificate(ses.signerCertificate);
    maker = parseCertificate(ses.eseal.makerCertificate);
  } catch (e) {
    return { ok: false, problem: { severity: 'INVALID', reason: 'ses-malformed', detail: `the SES_Signature cannot be read: ${(e as Error).message}` } };
  }
  let pictureHash: Buffer | undefined;
  if (ses.eseal.info.picture.type.toUpperCase() === 'PNG') {
    try {
      pictureHash = canonicalImageHash(decodePng(ses.eseal.info.picture.data));
    } catch (e) {
      if (!(e instanceof PngError)) throw e;
    }
  }
  return { ok: true, ses, signer, maker, ...(pictureHash ? { pictureHash } : {}) };
}

/** propertyInfo as our sealer writes it: the ByteRange the dataHash covers. */
export const expectedPropertyInfo = (byteRange: readonly number[]): string => `ByteRange [${byteRange.join(' ')}]`;

/** dataHash = SM3(ByteRange bytes), propertyInfo names that ByteRange; problems, or none. */
export function checkSesIntegrity(ses: SESSignature, parts: Uint8Array[], byteRange: readonly number[]): SesProblem[] {
  const out: SesProblem[] = [];
  if (!digest('SM3', parts).equals(ses.dataHash)) {
    out.push({ severity: 'INVALID', reason: 'digest-mismatch', detail: 'the SES_Signature dataHash differs from SM3 of the signed bytes' });
  }
  if (ses.propertyInfo !== expectedPropertyInfo(byteRange)) {
    out.push({ severity: 'INVALID', reason: 'ses-property-mismatch', detail: `propertyInfo "${ses.propertyInfo}" does not name this signature's ${expectedPropertyInfo(byteRange)}` });
  }
  return out;
}

/** The signer's signature over TBS_Sign (SM3withSM2 with the standard user ID). */
export async function checkSesSignatureValue(r: Extract<SesReading, { ok: true }>): Promise<{ ok: boolean; unsupported: boolean; detail: string }> {
  const check = await verifySignatureValue({ algorithm: { algorithmId: r.ses.signatureAlgId }, spki: r.signer.spki, data: r.ses.toSignDer, signature: r.ses.signature });
  if (check.ok) return { ok: true, unsupported: false, detail: '' };
  return {
    ok: false,
    unsupported: check.reason === 'unsupported-algorithm',
    detail: check.reason === 'unsupported-algorithm' ? `unsupported algorithm ${r.ses.signatureAlgId}` : 'the SES_Signature signature does not verify with the signer certificate',
  };
}

/**
 * The SESeal itself: the maker's signature over SES_SealInfo, the signer's certificate among the
 * seal's holders, and the seal's validity period around the signing time.
 */
export async function checkSESeal(r: Extract<SesReading, { ok: true }>, signedAt: Date): Promise<SesProblem[]> {
  const out: SesProblem[] = [];
  const seal = r.ses.eseal;
  const check = await verifySignatureValue({ algorithm: { algorithmId: seal.signAlgId }, spki: r.maker.spki, data: seal.infoDer, signature: seal.signedValue });
  if (!check.ok) {
    out.push(
      check.reason === 'unsupported-algorithm'
        ? { severity: 'INDETERMINATE', reason: 'crypto-constraints', detail: `unsupported algorithm ${seal.signAlgId} in the SESeal` }
        : { severity: 'INVALID', reason: 'seseal-signature-invalid', detail: "the seal maker's signature over the SESeal does not verify" },
    );
  }
  if (!seal.info.holderCertificates.some((c) => c.equals(r.ses.signerCertificate))) {
    out.push({ severity: 'INVALID', reason: 'signer-not-in-seseal', detail: "the signer's certificate is not among the SESeal's holder certificates" });
  }
  const { validStart, validEnd } = seal.info;
  if (signedAt < validStart || signedAt > validEnd) {
    out.push({
      severity: 'INVALID',
      reason: 'seseal-not-valid-at-signing',
      detail: `the electronic seal is valid ${validStart.toISOString()} to ${validEnd.toISOString()}, not at the signing time ${signedAt.toISOString()}`,
    });
  }
  return out;
}
