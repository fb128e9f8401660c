/**
 * RFC 3161 client side: the request we send to a TSA, reading its reply, and checking that the token
 * it returned really covers what we asked for (an external TSA is not trusted to get that right).
 */
import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { encapsulatedContentOf } from '../asn1/cms.js';
import { Asn1Error, buf, decode, decodeAs, DOCUMENT_OBJECT_LIMITS, encode } from '../asn1/der.js';
import { OID } from '../asn1/oids.js';
import { bitIsSet, unsignedInteger } from '../asn1/values.js';
import { DIGESTS, digestByOid, type DigestName } from '../algorithms/table.js';
import { AppError } from '../errors.js';

/** RFC 3161 request body for a TSA over HTTP: TimeStampReq v1, certReq TRUE (the token must carry the TSA certificate). */
export function buildTimestampRequest(digest: Buffer, hash: string, nonce: bigint): Buffer {
  const info = DIGESTS[hash as DigestName];
  if (!info || hash === 'SHA-1') throw new AppError(400, 'unsupported-digest', `no time-stamp digest named ${hash}`);
  if (digest.length !== info.length) {
    throw new AppError(400, 'digest-length-mismatch', `${hash} digest must be ${info.length} bytes, got ${digest.length}`);
  }
  return encode(
    new pkijs.TimeStampReq({
      version: 1,
      // MessageImprint; hash parameters absent
      messageImprint: new pkijs.MessageImprint({ hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: info.oid }), hashedMessage: new asn1js.OctetString({ valueHex: digest }) }),
      nonce: unsignedInteger(nonce),
      certReq: true,
    }),
  );
}

const PKI_STATUS = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];
const FAILURE_INFO: Record<number, string> = {
  0: 'badAlg', 2: 'badRequest', 5: 'badDataFormat', 14: 'timeNotAvailable', 15: 'unacceptedPolicy',
  16: 'unacceptedExtension', 17: 'addInfoNotAvailable', 25: 'systemFailure',
};

const badReply = (message: string) => new AppError(502, 'tsa-bad-reply', message);

/** The TimeStampToken (ContentInfo DER, byte for byte as the TSA sent it) from a TimeStampResp. Throws AppError when not granted. */
export function tokenFromTimestampReply(reply: Buffer): Buffer {
  let top: asn1js.AsnType;
  try {
    top = decode(reply, 'TimeStampResp', DOCUMENT_OBJECT_LIMITS);
  } catch (e) {
    throw badReply(`the time-stamp reply is not DER: ${(e as Error).message}`);
  }
  const fields = top instanceof asn1js.Sequence ? top.valueBlock.value : [];
  let statusInfo: pkijs.PKIStatusInfo;
  try {
    if (!(fields[0] instanceof asn1js.Sequence)) throw new Error('no PKIStatusInfo');
    statusInfo = new pkijs.PKIStatusInfo({ schema: fields[0] });
  } catch {
    throw badReply('the time-stamp reply has no PKIStatusInfo');
  }
  const status = statusInfo.status;
  if (status !== 0 && status !== 1) {
    const texts = (statusInfo.statusStrings ?? []).map((t) => String(t.valueBlock.value));
    const failInfo = statusInfo.failInfo ? Object.entries(FAILURE_INFO).filter(([bit]) => bitIsSet(statusInfo.failInfo!, Number(bit))).map(([, name]) => name) : [];
    throw new AppError(502, 'tsa-refused',
      `the time-stamp authority answered ${PKI_STATUS[status] ?? `status ${status}`}` +
      (texts.length ? `: ${texts.join('; ')}` : '') + (failInfo.length ? ` (${failInfo.join(', ')})` : ''),
      { tsaStatus: status, failInfo });
  }
  const token = fields[1];
  if (!(token instanceof asn1js.Sequence)) throw badReply('the time-stamp reply was granted but holds no token');
  return Buffer.from(token.valueBeforeDecodeView);
}

export interface TimestampTokenInfo {
  genTime: Date;
  /** digest of the message imprint, when it is one we know */
  digest: DigestName | undefined;
  hashOid: string;
  imprint: Buffer;
  serialNumber: bigint;
  nonce: bigint | undefined;
  policy: string;
  /** the DER TSTInfo (the signed eContent) */
  tstInfo: Buffer;
}

/** Reads the TSTInfo inside a TimeStampToken. Does not check the token's signature (the verifier does that). */
export function parseTimestampToken(token: Uint8Array): TimestampTokenInfo {
  const malformed = (why: string) => new AppError(422, 'timestamp-token-malformed', `time-stamp token: ${why}`);
  let tstInfo: Buffer;
  let info: pkijs.TSTInfo;
  try {
    const encap = encapsulatedContentOf(token);
    if (encap.type !== OID.tstInfo || !encap.content) throw malformed('eContent is not TSTInfo');
    tstInfo = encap.content;
    info = decodeAs(pkijs.TSTInfo, tstInfo, 'TSTInfo');
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw malformed(e instanceof Asn1Error ? e.message : `TSTInfo: ${(e as Error).message}`);
  }
  const hashOid = info.messageImprint.hashAlgorithm.algorithmId;
  const big = (i: asn1js.Integer) => BigInt('0x' + (buf(i.valueBlock.valueHexView).toString('hex') || '0'));
  return {
    genTime: info.genTime,
    digest: digestByOid(hashOid),
    hashOid,
    imprint: Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView),
    serialNumber: big(info.serialNumber),
    nonce: info.nonce ? big(info.nonce) : undefined,
    policy: info.policy,
    tstInfo,
  };
}

/** Throws unless the token's message imprint is `imprint` under `hash` (and carries `nonce` when one was sent). */
export function checkTimestampToken(token: Uint8Array, imprint: Buffer, hash: DigestName, nonce?: bigint): TimestampTokenInfo {
  let info: TimestampTokenInfo;
  try {
    info = parseTimestampToken(token);
  } catch (e) {
    // A token straight from a TSA that cannot be read is the TSA's failure (502), not the caller's input (422).
    throw new AppError(502, 'tsa-bad-token', `the time-stamp authority returned an unreadable token: ${(e as Error).message}`);
  }
  if (info.hashOid !== DIGESTS[hash].oid || !info.imprint.equals(imprint)) {
    throw new AppError(502, 'tsa-bad-token', 'the time-stamp token does not cover the requested digest');
  }
  if (nonce !== undefined && info.nonce !== nonce) {
    throw new AppError(502, 'tsa-bad-token', 'the time-stamp token does not carry the nonce of the request');
  }
  return info;
}

export interface HttpTimestamperOptions {
  /** extra request headers, e.g. Authorization for a TSA that wants it */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** A Timestamper that asks an RFC 3161 TSA over HTTP (POST application/timestamp-query). */
export function httpTimestamper(
  url: string,
  fetchImpl: typeof fetch = fetch,
  options: HttpTimestamperOptions = {},
): (messageImprint: Buffer, hash: DigestName) => Promise<Buffer> {
  return async (messageImprint, hash) => {
    // 63 random bits: a positive INTEGER of at most 8 octets, as some TSAs limit the nonce size.
    const nonce = randomBytes(8).readBigUInt64BE() >> 1n;
    const body = buildTimestampRequest(messageImprint, hash, nonce);
    let res: Response;
    try {
      res = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply', ...options.headers },
        body: new Uint8Array(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
    } catch (e) {
      throw new AppError(502, 'tsa-unavailable', `the time-stamp authority at ${url} did not answer: ${(e as Error).message}`);
    }
    if (!res.ok) {
      throw new AppError(502, 'tsa-unavailable', `the time-stamp authority at ${url} answered HTTP ${res.status}`);
    }
    const token = tokenFromTimestampReply(Buffer.from(await res.arrayBuffer()));
    checkTimestampToken(token, messageImprint, hash, nonce);
    return token;
  };
}
