/**
 * An RFC 3161 time-stamp authority inside the benchmark process (node:crypto, one ECDSA signature per token),
 * so the B-T timings measure our sealing and not the cost of spawning `openssl ts`. The service's own TSA does
 * the same work in process. Its tokens are checked by `openssl ts -verify` in test/pdf-cms/bench.test.ts.
 */
import { createHash, createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import type { DigestName, Timestamper } from '../src/pdf/cms.js';
import { DIGESTS, OID } from '../src/pdf/cms-oids.js';
import { bytesOf, children, integer, octetString, oid, readTlv, seq, setOf, TAG, tlv } from '../src/pdf/cms-der.js';

const TST_POLICY = '1.2.3.4.5.1';

function generalizedTime(d: Date): Buffer {
  const s = d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z'); // YYYYMMDDHHMMSSZ
  return tlv(TAG.GeneralizedTime, Buffer.from(s, 'latin1'));
}

/** issuer Name and serial INTEGER of a certificate, byte for byte */
function issuerAndSerial(der: Buffer): { issuer: Buffer; serial: Buffer } {
  const tbs = children(der, readTlv(der, 0))[0]!;
  const f = children(der, tbs);
  const i = f[0]!.tag === TAG.context(0) ? 1 : 0;
  return { serial: Buffer.from(bytesOf(der, f[i]!)), issuer: Buffer.from(bytesOf(der, f[i + 2]!)) };
}

export interface InProcessTsaKeys { certPem: string; keyPem: string; chain: Buffer[] }

export function inProcessTimestamper(keys: InProcessTsaKeys, now: () => Date = () => new Date()): Timestamper {
  const key = createPrivateKey(keys.keyPem);
  const cert = Buffer.from(new X509Certificate(keys.certPem).raw);
  const { issuer, serial } = issuerAndSerial(cert);
  const essCertIdV2 = seq(octetString(createHash('sha256').update(cert).digest()), seq(seq(tlv(TAG.context(4), issuer)), serial));
  const sha256 = seq(oid(OID.sha256));
  return async (imprint: Buffer, hash: DigestName) => {
    const tstInfo = seq(
      integer(1), oid(TST_POLICY),
      seq(seq(oid(DIGESTS[hash].oid)), octetString(imprint)),
      integer(randomBytes(8).readBigUInt64BE() >> 1n),
      generalizedTime(now()),
      seq(integer(1)), // accuracy 1 s
    );
    const attrs = setOf(
      seq(oid(OID.contentType), setOf(oid(OID.tstInfo))),
      seq(oid(OID.messageDigest), setOf(octetString(createHash('sha256').update(tstInfo).digest()))),
      seq(oid(OID.signingCertificateV2), setOf(seq(seq(essCertIdV2)))),
    );
    const signature = sign('sha256', attrs, key);
    const signerInfo = seq(
      integer(1), seq(issuer, serial), sha256,
      Buffer.concat([Buffer.from([TAG.context(0)]), attrs.subarray(1)]),
      seq(oid(OID.ecdsaWithSha256)), octetString(signature),
    );
    const signedData = seq(
      integer(3), setOf(sha256),
      seq(oid(OID.tstInfo), tlv(TAG.context(0), octetString(tstInfo))),
      tlv(TAG.context(0), ...[cert, ...keys.chain].sort(Buffer.compare)),
      tlv(TAG.SET, signerInfo),
    );
    return seq(oid(OID.signedData), tlv(TAG.context(0), signedData));
  };
}
