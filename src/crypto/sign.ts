/**
 * Making a signature with a private key in this process, one implementation per scheme of the shared
 * table (src/algorithms/table.ts): used by the key vault after it unwraps a key, and by the `seal sign`
 * command with a local key file. Signatures come out as X.509 and CMS want them (DER SEQUENCE {r, s}
 * for ECDSA and SM2, PKCS#1 v1.5 for RSA).
 */
import { createHash, createPrivateKey, createSign, sign as nodeSign, type KeyObject } from 'node:crypto';
import { sm2Za } from '../algorithms/sm2.js';
import { DIGESTS, type DigestName, type SignatureScheme } from '../algorithms/table.js';

export const nodeSm3 = (data: Uint8Array): Uint8Array => createHash('sm3').update(data).digest();

/**
 * node:crypto signs SM2 (not ECDSA on the SM2 curve) only with a key OpenSSL loaded as an SM2 key:
 * one read from PKCS#8 is, a freshly generated 'ec' KeyObject is not.
 */
function asSm2Key(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType === undefined) return key;
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'SM2') {
    return createPrivateKey({ key: key.export({ format: 'der', type: 'pkcs8' }), format: 'der', type: 'pkcs8' });
  }
  throw new Error('not an SM2 private key');
}

/**
 * Signs `data` with `key`. For SM2, `publicPoint` (the uncompressed public key, 65 bytes) gives Z_A,
 * hashed in front of the data with the standard user ID (GB/T 32918.2, GM/T 0009).
 */
export function signWithKey(scheme: SignatureScheme, digest: DigestName, key: KeyObject, data: Uint8Array, publicPoint?: Uint8Array): Buffer {
  switch (scheme) {
    case 'ecdsa':
      return nodeSign(DIGESTS[digest].node, data, { key, dsaEncoding: 'der' });
    case 'rsa-pkcs1':
      return nodeSign(DIGESTS[digest].node, data, key);
    case 'sm2': {
      if (digest !== 'SM3') throw new Error('SM2 signs with SM3');
      if (!publicPoint) throw new Error('an SM2 signature needs the public key for Z_A');
      return createSign('SM3').update(sm2Za(publicPoint, nodeSm3)).update(data).sign({ key: asSm2Key(key), dsaEncoding: 'der' });
    }
    case 'rsa-pss':
    case 'eddsa':
      throw new Error(`${scheme} signatures are verified, never made here`);
  }
}
