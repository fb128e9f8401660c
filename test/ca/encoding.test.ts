import { readFileSync } from 'node:fs';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Asn1Error, decode, encode } from '../../src/asn1/der.js';
import { generalizedTime, integerBytes, namedBits, unsignedInteger, x509Time } from '../../src/asn1/values.js';
import { nameWithinSubtree, type NameSpec } from '../../src/ca/names.js';
import { parseCaPolicy } from '../../src/ca/profiles.js';
import { decodeSealImageBinding, encodeSealImageBinding } from '../../src/ca/seal-image-binding.js';
import { parseOcspRequest } from '../../src/ca/ocsp.js';
import { parseTimeStampReq } from '../../src/ca/tsa.js';
import { fromRoot } from '../../src/paths.js';
import { AppError } from '../../src/errors.js';

const hex = (b: asn1js.BaseBlock | { toSchema(): asn1js.BaseBlock }) => encode(b).toString('hex');

describe('DER values the CA writes (asn1js, with the rules asn1js leaves to us)', () => {
  it('OIDs encode as X.690 says, including our 128-bit UUID arc', () => {
    expect(hex(new asn1js.ObjectIdentifier({ value: '1.2.840.10045.4.3.2' }))).toBe('06082a8648ce3d040302');
    // 2.25.307863011571226879859732574380042958433.2.1: first octet 2*40+25, then the UUID in base 128
    const uuid = 307863011571226879859732574380042958433n;
    const base128: number[] = [];
    for (let v = uuid; v > 0n; v >>= 7n) base128.unshift(Number(v & 0x7fn) | (base128.length ? 0x80 : 0));
    const expected = Buffer.from([0x06, 1 + base128.length + 2, 0x69, ...base128, 0x02, 0x01]).toString('hex');
    expect(hex(new asn1js.ObjectIdentifier({ value: `2.25.${uuid}.2.1` }))).toBe(expected);
  });

  it('integers are minimal and positive, from numbers, bigints and serial bytes', () => {
    expect(hex(unsignedInteger(0))).toBe('020100');
    expect(hex(unsignedInteger(127))).toBe('02017f');
    expect(hex(unsignedInteger(128))).toBe('02020080');
    expect(hex(unsignedInteger(Buffer.from('0000ff', 'hex')))).toBe('020200ff');
    expect(hex(unsignedInteger(Buffer.from('7f01', 'hex')))).toBe('02027f01');
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 200n }), (v) => {
        const der = encode(unsignedInteger(v));
        const back = decode(der, 'INTEGER') as asn1js.Integer;
        const c = integerBytes(back);
        return back.toBigInt() === v && !(c.length > 1 && c[0] === 0 && !(c[1]! & 0x80));
      }),
    );
  });

  it('named bits drop trailing zeros (KeyUsage digitalSignature+nonRepudiation = 03 02 06 c0)', () => {
    expect(hex(namedBits([0, 1]))).toBe('030206c0');
    expect(hex(namedBits([5, 6]))).toBe('03020106');
    expect(hex(namedBits([2]))).toBe('03020520'); // PKIFailureInfo badRequest
    expect(hex(namedBits([25]))).toBe('03050600000040'); // PKIFailureInfo systemFailure
  });

  it('times: UTCTime before 2050, GeneralizedTime after; genTime fractions without trailing zeros', () => {
    const text = (b: asn1js.BaseBlock) => encode(b).subarray(2).toString('latin1');
    expect(text(x509Time(new Date('2046-11-25T04:49:14.700Z')).toSchema())).toBe('461125044914Z');
    expect(text(x509Time(new Date('2050-01-01T00:00:00Z')).toSchema())).toBe('20500101000000Z');
    expect(text(generalizedTime(new Date('2026-11-25T04:49:14.120Z'), true))).toBe('20261125044914.12Z');
    expect(text(generalizedTime(new Date('2026-11-25T04:49:14.000Z'), true))).toBe('20261125044914Z');
    expect(text(generalizedTime(new Date('2026-11-25T04:49:14.999Z')))).toBe('20261125044914Z');
    const parsed = decode(encode(generalizedTime(new Date('2026-11-25T04:49:14.5Z'), true)), 'time') as asn1js.GeneralizedTime;
    expect(parsed.toDate().toISOString()).toBe('2026-11-25T04:49:14.500Z');
  });

  it('request parsers throw Asn1Error, never anything else, on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const parse of [parseOcspRequest, parseTimeStampReq]) {
          try {
            parse(Buffer.from(bytes));
          } catch (e) {
            if (!(e instanceof Asn1Error)) return false;
          }
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('request parsers refuse input over their size bound before parsing it', () => {
    const huge = Buffer.concat([Buffer.from([0x30, 0x83, 0x10, 0x00, 0x00]), Buffer.alloc(0x100000)]);
    expect(() => parseOcspRequest(huge)).toThrow(/larger than/);
    expect(() => parseTimeStampReq(huge)).toThrow(/larger than/);
    // deep nesting: 40 SEQUENCEs inside each other
    let deep: Buffer = Buffer.alloc(0);
    for (let i = 0; i < 40; i++) deep = Buffer.concat([Buffer.from([0x30, deep.length]), deep]);
    expect(() => parseOcspRequest(deep)).toThrow(Asn1Error);
  });
});

describe('seal image binding extension', () => {
  it('round-trips, with and without the size', () => {
    const hash = Buffer.alloc(32, 7);
    expect(decodeSealImageBinding(encodeSealImageBinding({ hashAlg: 'SHA-256', hash }))).toEqual({ hashAlg: 'SHA-256', hash });
    const sized = { hashAlg: 'SHA-256' as const, hash, widthMm: 45, heightMm: 30 };
    expect(decodeSealImageBinding(encodeSealImageBinding(sized))).toEqual(sized);
    expect(decodeSealImageBinding(Buffer.from('3000', 'hex'))).toBeNull();
    expect(() => encodeSealImageBinding({ hashAlg: 'SHA-256', hash: Buffer.alloc(31) })).toThrow(AppError);
    expect(() => encodeSealImageBinding({ hashAlg: 'SHA-256', hash, widthMm: 4.5 })).toThrow(AppError);
  });
});

describe('name constraints (directoryName subtrees)', () => {
  const base: NameSpec = [['C', 'CN'], ['O', '某市财政局'], ['organizationIdentifier', '91350100M000100Y43']];
  it('a subject is inside when the subtree is a prefix of its RDNs (case and spaces folded like OpenSSL)', () => {
    expect(nameWithinSubtree([...base, ['CN', '财务章']], base)).toBe(true);
    expect(nameWithinSubtree([['C', 'cn'], ['O', ' 某市财政局 '], ['organizationIdentifier', '91350100m000100y43'], ['CN', 'x']], base)).toBe(true);
    expect(nameWithinSubtree([['C', 'CN'], ['O', '某市税务局'], ['organizationIdentifier', '91350100M000100Y43'], ['CN', 'x']], base)).toBe(false);
    expect(nameWithinSubtree([['C', 'CN'], ['O', '某市财政局']], base)).toBe(false);
    expect(nameWithinSubtree([['O', '某市财政局'], ['C', 'CN'], ['organizationIdentifier', '91350100M000100Y43']], base)).toBe(false);
  });
});

describe('profiles (ca/profiles.json)', () => {
  const shipped = JSON.parse(readFileSync(fromRoot('ca', 'profiles.json'), 'utf8'));
  it('the shipped policy is valid', () => {
    expect(Object.keys(parseCaPolicy(shipped).profiles)).toContain('seal');
  });
  it('a broken policy stops the start with a message naming the problem', () => {
    const bad = structuredClone(shipped);
    bad.profiles.seal.keyUsage = ['digitalSignature', 'keyCertSign'];
    expect(() => parseCaPolicy(bad)).toThrow(/seal: keyCertSign/);
    const offArc = structuredClone(shipped);
    offArc.policies.seal = '1.2.3.4';
    expect(() => parseCaPolicy(offArc)).toThrow(/not under our arc/);
    const typo = structuredClone(shipped);
    typo.profiles.root.validityDay = 10;
    expect(() => parseCaPolicy(typo)).toThrow(/ca\/profiles.json is invalid/);
  });
});
