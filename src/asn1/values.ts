/**
 * Values whose DER form asn1js leaves to the caller: non-negative INTEGERs from bytes (serials,
 * nonces), named bit strings (KeyUsage, PKIFailureInfo), and the X.509 / RFC 3161 time rules.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { buf } from './der.js';

/** A non-negative INTEGER, minimally encoded (a leading zero octet only before a set high bit). */
export function unsignedInteger(value: bigint | number | Uint8Array): asn1js.Integer {
  if (typeof value === 'bigint' || typeof value === 'number') {
    if (BigInt(value) < 0n) throw new RangeError('negative integers are not used here');
    return asn1js.Integer.fromBigInt(BigInt(value));
  }
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  let bytes = Buffer.from(value.subarray(i));
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return new asn1js.Integer({ valueHex: bytes });
}

/** An INTEGER's content octets, exactly as encoded (two's complement). */
export const integerBytes = (i: asn1js.Integer): Buffer => buf(i.valueBlock.valueHexView);

/** Lower-case hex of a positive serial without leading zero octets: the CA's table key. */
export function serialHex(serial: asn1js.Integer | Uint8Array): string {
  const b = serial instanceof Uint8Array ? Buffer.from(serial) : integerBytes(serial);
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i).toString('hex');
}

/** The value of a small non-negative INTEGER or ENUMERATED; undefined when out of range. */
export function smallInteger(i: asn1js.Integer | asn1js.Enumerated): number | undefined {
  const b = buf(i.valueBlock.valueHexView);
  if (b.length === 0 || b.length > 4 || b[0]! & 0x80) return undefined;
  return b.reduce((acc, x) => acc * 256 + x, 0);
}

/** A named BIT STRING in DER: trailing zero bits dropped (X.690 11.2.2), e.g. KeyUsage, PKIFailureInfo. */
export function namedBits(bits: number[]): asn1js.BitString {
  if (bits.length === 0) return new asn1js.BitString({ valueHex: new Uint8Array(0), unusedBits: 0 });
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[Math.floor(b / 8)]! |= 0x80 >> b % 8;
  return new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (highest % 8) });
}

/** Whether bit `n` of a named BIT STRING is set. */
export function bitIsSet(bits: asn1js.BitString, n: number): boolean {
  const byte = bits.valueBlock.valueHexView[n >> 3];
  return byte !== undefined && (byte & (0x80 >> (n & 7))) !== 0;
}

export const wholeSeconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

/** RFC 5280 4.1.2.5: UTCTime for 1950-2049, GeneralizedTime otherwise; whole seconds. */
export function x509Time(date: Date): pkijs.Time {
  const d = wholeSeconds(date);
  const y = d.getUTCFullYear();
  return new pkijs.Time({ type: y >= 1950 && y < 2050 ? pkijs.TimeType.UTCTime : pkijs.TimeType.GeneralizedTime, value: d });
}

/**
 * GeneralizedTime in whole seconds (RFC 5280, RFC 6960) or, for RFC 3161 genTime, with milliseconds;
 * asn1js writes the fraction without trailing zeros and leaves it out when zero, as DER requires.
 */
export function generalizedTime(date: Date, withMillis = false): asn1js.GeneralizedTime {
  return new asn1js.GeneralizedTime({ valueDate: withMillis ? date : wholeSeconds(date) });
}
