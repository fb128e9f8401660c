/**
 * An RFC 3161 time-stamp authority inside the benchmark process (node:crypto, one ECDSA signature per token),
 * so the B-T timings measure our sealing and not the cost of spawning `openssl ts`. It builds tokens with the
 * service's own TSA code (src/ca/tsa.ts) over a key file instead of a vault key. Its tokens are checked by
 * `openssl ts -verify` in test/pdf-cms/bench.test.ts.
 */
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { signatureAlgorithmFor } from '../src/algorithms/table.js';
import type { SigningKey } from '../src/ca/cert.js';
import { buildTimeStampToken, encodeTstInfo } from '../src/ca/tsa.js';
import { signWithKey } from '../src/crypto/sign.js';
import type { Timestamper } from '../src/pdf/cms.js';

const TST_POLICY = '1.2.3.4.5.1';

export interface InProcessTsaKeys { certPem: string; keyPem: string; chain: Buffer[] }

export function inProcessTimestamper(keys: InProcessTsaKeys, now: () => Date = () => new Date()): Timestamper {
  const key = createPrivateKey(keys.keyPem);
  const cert = Buffer.from(new X509Certificate(keys.certPem).raw);
  const signer: SigningKey = {
    algorithm: signatureAlgorithmFor('ecdsa', 'SHA-256')!,
    hash: 'SHA-256',
    sign: async (data) => signWithKey('ecdsa', 'SHA-256', key, data),
  };
  return async (imprint, hash) => {
    const genTime = new Date(Math.floor(now().getTime() / 1000) * 1000);
    const tstInfo = encodeTstInfo({
      policyOid: TST_POLICY,
      hashAlg: hash,
      hashedMessage: imprint,
      serial: randomBytes(8).readBigUInt64BE() >> 1n,
      genTime,
      accuracySeconds: 1,
    });
    return buildTimeStampToken(tstInfo, signer, cert, [cert, ...keys.chain], genTime);
  };
}
