/**
 * SM2 digital signatures (GB/T 32918.2-2016) need one value no generic ECDSA API computes: Z_A, the
 * SM3 hash of the signer's identity and the curve, which is hashed in front of the message:
 *
 *   Z_A = SM3( ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A )      ENTL_A = bit length of ID_A, 2 bytes
 *   e   = SM3( Z_A ‖ M ),  then the SM2 signature over e.
 *
 * ID_A is 1234567812345678 by GM/T 0009 unless agreed otherwise. Pure: SM3 is passed in, so Node
 * (node:crypto) and a browser (./sm2-pure.ts) share this code.
 */
import { SM2_DEFAULT_USER_ID } from './table.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16));

/** The recommended curve's parameters (GB/T 32918.5-2017 §A.2). */
export const SM2_CURVE = {
  p: hex('FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF'),
  a: hex('FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC'),
  b: hex('28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93'),
  n: hex('FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123'),
  xG: hex('32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7'),
  yG: hex('BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0'),
} as const;

export type Sm3 = (data: Uint8Array) => Uint8Array;

/**
 * Z_A for an uncompressed public point (0x04 ‖ x ‖ y, 65 bytes, as in an SPKI's subjectPublicKey) and
 * a user ID (UTF-8; at most 8191 bytes so that ENTL fits in 16 bits).
 */
export function sm2Za(publicPoint: Uint8Array, sm3: Sm3, userId: string = SM2_DEFAULT_USER_ID): Uint8Array {
  if (publicPoint.length !== 65 || publicPoint[0] !== 0x04) throw new RangeError('an SM2 public key is an uncompressed point of 65 bytes');
  const id = new TextEncoder().encode(userId);
  if (id.length > 8191) throw new RangeError('the SM2 user ID is too long');
  const entl = id.length * 8;
  const parts = [Uint8Array.of(entl >> 8, entl & 0xff), id, SM2_CURVE.a, SM2_CURVE.b, SM2_CURVE.xG, SM2_CURVE.yG, publicPoint.subarray(1)];
  const input = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    input.set(p, at);
    at += p.length;
  }
  return sm3(input);
}
