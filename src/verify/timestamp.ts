/**
 * RFC 3161 time-stamp tokens: the token's own CMS signature, its message imprint, the TSA
 * certificate's timeStamping EKU and its path to a trust anchor at the time it claims.
 */
import { OID_EKU_TIMESTAMPING, type ParsedCertificate } from './certificate.js';
import { validateChain } from './chain.js';
import * as pkijs from 'pkijs';
import { buf, decodeAs } from '../asn1/der.js';
import { OID_TST_INFO, parseSignedData, verifySignerInfo, type ParsedSignedData } from './signed-data.js';
import { digest, hashFromOid, weakHash, type HashName } from './signature-algorithms.js';
import { LimitExceeded } from '../limits.js';

export type TimestampResult =
  /** `weak`: a verified token whose imprint or signature uses a weak algorithm ("SHA-1", "RSA-1024"). */
  | { ok: true; genTime: Date; tsa: ParsedCertificate; path: ParsedCertificate[]; parsed: ParsedSignedData; weak?: string }
  | { ok: false; reason: 'timestamp-malformed' | 'timestamp-imprint-mismatch' | 'timestamp-signature-invalid' | 'timestamp-untrusted' | 'timestamp-chain-invalid' | 'document-too-complex'; detail: string; genTime?: Date };

export interface TimestampContext {
  anchors: ParsedCertificate[];
  /** Extra certificates (DSS) that may complete the TSA's path. */
  pool: ParsedCertificate[];
  allowRsa?: boolean;
}

/**
 * Verify `token` (ContentInfo DER) as a time-stamp over data whose hash, in the token's own
 * imprint algorithm, `imprintOf` returns.
 */
export async function verifyTimestampToken(token: Uint8Array, imprintOf: (hash: HashName) => Buffer, ctx: TimestampContext): Promise<TimestampResult> {
  try {
    return await verifyToken(token, imprintOf, ctx);
  } catch (e) {
    // A token past a limit (certificates, path search) cannot be decided; the rest of the document still is.
    if (e instanceof LimitExceeded && e.limit.scope === 'signature') return { ok: false, reason: 'document-too-complex', detail: `time-stamp token: ${e.message}` };
    throw e;
  }
}

async function verifyToken(token: Uint8Array, imprintOf: (hash: HashName) => Buffer, ctx: TimestampContext): Promise<TimestampResult> {
  let parsed: ParsedSignedData;
  let genTime: Date;
  let imprintOid: string;
  let imprint: Buffer;
  try {
    parsed = parseSignedData(token);
    if (parsed.eContentType !== OID_TST_INFO || !parsed.eContent) throw new Error('not a TSTInfo');
    if (parsed.signerInfos.length !== 1) throw new Error('a time-stamp token has exactly one SignerInfo (RFC 3161)');
    // TSTInfo ::= SEQUENCE { version, policy, messageImprint SEQUENCE { hashAlgorithm, hashedMessage }, serialNumber, genTime, ... }
    const tst = decodeAs(pkijs.TSTInfo, parsed.eContent, 'TSTInfo');
    imprintOid = tst.messageImprint.hashAlgorithm.algorithmId;
    imprint = buf(tst.messageImprint.hashedMessage.valueBlock.valueHexView);
    genTime = tst.genTime;
  } catch (e) {
    if (e instanceof LimitExceeded) throw e;
    return { ok: false, reason: 'timestamp-malformed', detail: `the time-stamp token cannot be read: ${(e as Error).message}` };
  }
  const hash = hashFromOid(imprintOid);
  if (!hash) return { ok: false, reason: 'timestamp-malformed', detail: `unsupported imprint hash ${imprintOid}`, genTime };
  if (!imprint.equals(imprintOf(hash)))
    return { ok: false, reason: 'timestamp-imprint-mismatch', detail: 'the time-stamp was made over other data', genTime };
  if (!parsed.digestAlgorithm)
    return { ok: false, reason: 'timestamp-signature-invalid', detail: 'unsupported digest in the time-stamp token', genTime };
  const sig = await verifySignerInfo(parsed, digest(parsed.digestAlgorithm, parsed.eContent!), {
    requireSigningCertificate: true, ...(ctx.allowRsa !== undefined ? { allowRsa: ctx.allowRsa } : {}),
  });
  if (!sig.ok) return { ok: false, reason: 'timestamp-signature-invalid', detail: `time-stamp token: ${sig.reason}: ${sig.detail}`, genTime };
  const tsa = parsed.signer!;
  const chain = await validateChain(tsa, [...parsed.certificates, ...ctx.pool], ctx.anchors, {
    at: genTime, leafKeyUsage: ['digitalSignature', 'nonRepudiation'], leafExtKeyUsage: OID_EKU_TIMESTAMPING,
    ...(ctx.allowRsa !== undefined ? { allowRsa: ctx.allowRsa } : {}),
  });
  if (!chain.ok) {
    return chain.reason === 'chain-untrusted'
      ? { ok: false, reason: 'timestamp-untrusted', detail: `time-stamp authority: ${chain.detail}`, genTime }
      : { ok: false, reason: 'timestamp-chain-invalid', detail: `time-stamp authority: ${chain.reason}: ${chain.detail}`, genTime };
  }
  const weak = weakHash(hash) ?? sig.weak;
  return { ok: true, genTime, tsa, path: chain.path, parsed, ...(weak ? { weak } : {}) };
}
