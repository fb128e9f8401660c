/**
 * SM3 and SM2 verification in plain JavaScript (npm sm-crypto-v2, built on @noble/curves), for where
 * node:crypto is not (the browser verification page's side of the verifier's crypto port); the tests
 * hold it to the same known-answer vectors as the Node path and use it as an independent check of the
 * vault's signatures. Not loaded by the Node verifier, so `seal verify` starts without it.
 */
import { sm2, sm3 } from 'sm-crypto-v2';
import { SM2_DEFAULT_USER_ID } from './table.js';

const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const fromHex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

export const sm3Pure = (data: Uint8Array): Uint8Array => fromHex(sm3(data));

/**
 * Verifies a DER SM2 signature (SEQUENCE { r, s }) over `data` by the key `publicPoint` (04 ‖ x ‖ y),
 * hashing Z_A with the standard user ID in front of the data (`hash: true`; without it sm-crypto-v2
 * would verify a signature over the bare data, which no standard tool makes).
 */
export function sm2VerifyPure(publicPoint: Uint8Array, data: Uint8Array, signatureDer: Uint8Array, userId: string = SM2_DEFAULT_USER_ID): boolean {
  try {
    return sm2.doVerifySignature(data, toHex(signatureDer), toHex(publicPoint), { der: true, hash: true, userId });
  } catch {
    return false;
  }
}
