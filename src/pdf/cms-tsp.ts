/**
 * RFC 3161 client side: the request we send to a TSA, reading its reply, and checking that the token
 * it returned really covers what we asked for (an external TSA is not trusted to get that right).
 */
import { randomBytes } from 'node:crypto';
import { TSTInfo } from 'pkijs';
import { AppError } from '../errors.js';
import {
  children, contentOf, DerError, derBoolean, integer, octetString, oid, oidToString, readTlv, seq, TAG, type Tlv,
} from './cms-der.js';
import { DIGESTS, digestByOid, OID, type DigestName } from './cms-oids.js';

/** RFC 3161 request body for a TSA over HTTP: TimeStampReq v1, certReq TRUE (the token must carry the TSA certificate). */
export function buildTimestampRequest(digest: Buffer, hash: string, nonce: bigint): Buffer {
  const info = DIGESTS[hash as DigestName];
  if (!info) throw new AppError(400, 'unsupported-digest', `no time-stamp digest named ${hash}`);
  if (digest.length !== info.length) {
    throw new AppError(400, 'digest-length-mismatch', `${hash} digest must be ${info.length} bytes, got ${digest.length}`);
  }
  return seq(
    integer(1),
    seq(seq(oid(info.oid)), octetString(digest)), // MessageImprint; hash parameters absent
    integer(nonce),
    derBoolean(true),
  );
}

const PKI_STATUS = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];
const FAILURE_INFO: Record<number, string> = {
  0: 'badAlg', 2: 'badRequest', 5: 'badDataFormat', 14: 'timeNotAvailable', 15: 'unacceptedPolicy',
  16: 'unacceptedExtension', 17: 'addInfoNotAvailable', 25: 'systemFailure',
};

const badReply = (message: string) => new AppError(502, 'tsa-bad-reply', message);

function integerValue(buf: Uint8Array, t: Tlv): bigint {
  let v = 0n;
  for (const b of contentOf(buf, t)) v = (v << 8n) | BigInt(b);
  return v;
}

/** The TimeStampToken (ContentInfo DER, byte for byte as the TSA sent it) from a TimeStampResp. Throws AppError when not granted. */
export function tokenFromTimestampReply(reply: Buffer): Buffer {
  let resp: Tlv;
  let fields: Tlv[];
  try {
    resp = readTlv(reply, 0);
    if (resp.tag !== TAG.SEQUENCE) throw new DerError('not a SEQUENCE');
    fields = children(reply, resp);
  } catch (e) {
    throw badReply(`the time-stamp reply is not DER: ${(e as Error).message}`);
  }
  const statusInfo = fields[0];
  if (!statusInfo || statusInfo.tag !== TAG.SEQUENCE) throw badReply('the time-stamp reply has no PKIStatusInfo');
  const statusFields = children(reply, statusInfo);
  const statusTlv = statusFields[0];
  if (!statusTlv || statusTlv.tag !== TAG.INTEGER) throw badReply('the time-stamp reply has no status');
  const status = Number(integerValue(reply, statusTlv));
  if (status !== 0 && status !== 1) {
    const texts: string[] = [];
    let failInfo: string[] = [];
    for (const f of statusFields.slice(1)) {
      if (f.tag === TAG.SEQUENCE) {
        for (const s of children(reply, f)) texts.push(Buffer.from(contentOf(reply, s)).toString('utf8'));
      } else if (f.tag === TAG.BIT_STRING) {
        const bits = contentOf(reply, f);
        failInfo = Object.entries(FAILURE_INFO)
          .filter(([bit]) => {
            const n = Number(bit);
            const byte = bits[1 + (n >> 3)];
            return byte !== undefined && (byte & (0x80 >> (n & 7))) !== 0;
          })
          .map(([, name]) => name);
      }
    }
    throw new AppError(502, 'tsa-refused',
      `the time-stamp authority answered ${PKI_STATUS[status] ?? `status ${status}`}` +
      (texts.length ? `: ${texts.join('; ')}` : '') + (failInfo.length ? ` (${failInfo.join(', ')})` : ''),
      { tsaStatus: status, failInfo });
  }
  const token = fields[1];
  if (!token || token.tag !== TAG.SEQUENCE) throw badReply('the time-stamp reply was granted but holds no token');
  return Buffer.from(reply.subarray(token.start, token.end));
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
  try {
    const ci = readTlv(token, 0);
    const [type, explicit] = children(token, ci);
    if (!type || type.tag !== TAG.OID || oidToString(contentOf(token, type)) !== OID.signedData || !explicit) {
      throw malformed('not a SignedData ContentInfo');
    }
    const sd = children(token, explicit)[0];
    const encap = sd && children(token, sd)[2];
    const [eType, eExplicit] = encap ? children(token, encap) : [];
    if (!eType || oidToString(contentOf(token, eType)) !== OID.tstInfo || !eExplicit) throw malformed('eContent is not TSTInfo');
    const octets = children(token, eExplicit)[0];
    if (!octets) throw malformed('no eContent');
    if (octets.tag === TAG.OCTET_STRING) tstInfo = Buffer.from(contentOf(token, octets));
    else if (octets.tag === 0x24) tstInfo = Buffer.concat(children(token, octets).map((c) => contentOf(token, c))); // BER constructed
    else throw malformed('eContent is not an OCTET STRING');
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw malformed((e as Error).message);
  }
  let info: TSTInfo;
  try {
    info = TSTInfo.fromBER(new Uint8Array(tstInfo));
  } catch (e) {
    throw malformed(`TSTInfo: ${(e as Error).message}`);
  }
  const hashOid = info.messageImprint.hashAlgorithm.algorithmId;
  const big = (i: { valueBlock: { valueHexView: Uint8Array } }) =>
    BigInt('0x' + (Buffer.from(i.valueBlock.valueHexView).toString('hex') || '0'));
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
