import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generalizedTime, integer, namedBits, oid, x509Time } from '../../src/ca/der.js';
import { DerError, parseTop, readIntegerBytes, readOid, readTime } from '../../src/ca/der-read.js';
import { nameWithinSubtree, type NameSpec } from '../../src/ca/names.js';
import { parseCaPolicy } from '../../src/ca/profiles.js';
import { decodeSealImageBinding, encodeSealImageBinding } from '../../src/ca/seal-image-binding.js';
import { parseOcspRequest } from '../../src/ca/ocsp.js';
import { parseTimeStampReq } from '../../src/ca/tsa.js';
import { fromRoot } from '../../src/paths.js';
import { AppError } from '../../src/errors.js';

describe('DER writer and reader', () => {
  it('OIDs round-trip, including our 128-bit UUID arc', () => {
    const arc = fc.array(fc.bigInt({ min: 0n, max: (1n << 130n) - 1n }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.constantFrom(0n, 1n, 2n), fc.bigInt({ min: 0n, max: 39n }), arc, (a, b, rest) => {
        const s = [a, b, ...rest].join('.');
        return readOid(parseTop(oid(s))) === s;
      }),
    );
    expect(oid('1.2.840.10045.4.3.2').toString('hex')).toBe('06082a8648ce3d040302');
  });

  it('integers are minimal and positive', () => {
    expect(integer(0).toString('hex')).toBe('020100');
    expect(integer(127).toString('hex')).toBe('02017f');
    expect(integer(128).toString('hex')).toBe('02020080');
    expect(integer(Buffer.from('0000ff', 'hex')).toString('hex')).toBe('020200ff');
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 1n << 200n }), (v) => BigInt('0x' + (readIntegerBytes(parseTop(integer(v))).toString('hex') || '0')) === v));
  });

  it('named bits drop trailing zeros (KeyUsage digitalSignature+nonRepudiation = 03 02 06 c0)', () => {
    expect(namedBits([0, 1]).toString('hex')).toBe('030206c0');
    expect(namedBits([5, 6]).toString('hex')).toBe('03020106');
    expect(namedBits([2]).toString('hex')).toBe('03020520'); // PKIFailureInfo badRequest
  });

  it('times: UTCTime before 2050, GeneralizedTime after; genTime fractions without trailing zeros', () => {
    expect(x509Time(new Date('2046-11-25T04:49:14Z')).toString('latin1').slice(2)).toBe('461125044914Z');
    expect(x509Time(new Date('2050-01-01T00:00:00Z')).toString('latin1').slice(2)).toBe('20500101000000Z');
    expect(generalizedTime(new Date('2026-11-25T04:49:14.120Z'), true).toString('latin1').slice(2)).toBe('20261125044914.12Z');
    expect(generalizedTime(new Date('2026-11-25T04:49:14.000Z'), true).toString('latin1').slice(2)).toBe('20261125044914Z');
    expect(readTime(parseTop(generalizedTime(new Date('2026-11-25T04:49:14.5Z'), true))).toISOString()).toBe('2026-11-25T04:49:14.500Z');
  });

  it('request parsers throw DerError, never anything else, on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const parse of [parseOcspRequest, parseTimeStampReq]) {
          try {
            parse(Buffer.from(bytes));
          } catch (e) {
            if (!(e instanceof DerError)) return false;
          }
        }
        return true;
      }),
      { numRuns: 2000 },
    );
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
