/**
 * An RFC 3161 time-stamp authority inside the benchmark process (node:crypto, one ECDSA signature per token),
 * so the B-T timings measure our sealing and not the cost of spawning `openssl ts`. It builds tokens with the
 * service's own TSA code (src/ca/tsa.ts) over a key file instead of a vault key. Its tokens are checked by
 * `openssl ts -verify` in test/pdf-cms/bench.test.ts.
 */
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { describePublicKey } from '../src/algorithms/public-key.js';

/** The uncompressed point of an EC (SM2) public key: what Z_A is computed from. */
export const ecPoint = (spki: Buffer): Buffer => {
  const d = describePublicKey(spki);
  if (d.kind !== 'ec') throw new Error('not an EC key');
  return d.point;
};
import { signatureAlgorithmFor } from '../src/algorithms/table.js';
import type { SigningKey } from '../src/ca/cert.js';
import { buildTimeStampToken, encodeTstInfo } from '../src/ca/tsa.js';
import { signWithKey } from '../src/crypto/sign.js';
import type { Timestamper } from '../src/pdf/cms.js';

const TST_POLICY = '1.2.3.4.5.1';

export interface InProcessTsaKeys { certPem: string; keyPem: string; chain: Buffer[] }

/** An ECDSA P-256 TSA (SHA-256), or with `sm2` an SM2 TSA (SM3withSM2, as the service's SM2 TSA for SM3 imprints). */
export function inProcessTimestamper(keys: InProcessTsaKeys, now: () => Date = () => new Date(), sm2 = false): Timestamper {
  const key = createPrivateKey(keys.keyPem);
  const x509 = new X509Certificate(keys.certPem);
  const cert = Buffer.from(x509.raw);
  const point = sm2 ? ecPoint(x509.publicKey.export({ format: 'der', type: 'spki' })) : undefined;
  const signer: SigningKey = sm2
    ? { algorithm: signatureAlgorithmFor('sm2', 'SM3')!, hash: 'SM3', sign: async (data) => signWithKey('sm2', 'SM3', key, data, point) }
    : { algorithm: signatureAlgorithmFor('ecdsa', 'SHA-256')!, hash: 'SHA-256', sign: async (data) => signWithKey('ecdsa', 'SHA-256', key, data) };
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
