import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { children, contentOf, integer, oid, oidToString, readTlv, setOf, tlv } from '../../src/pdf/cms-der.js';

describe('cms-der', () => {
  it('INTEGER encodes non-negative values as asn1js reads them, minimally', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 200n) - 1n }), (v) => {
      const der = integer(v);
      const parsed = asn1js.fromBER(new Uint8Array(der)).result as asn1js.Integer;
      expect(parsed.toBigInt()).toBe(v);
      const c = contentOf(der, readTlv(der, 0));
      // minimal: no redundant leading 0x00 (only before a byte with the top bit set)
      if (c.length > 1 && c[0] === 0) expect(c[1]! & 0x80).toBe(0x80);
    }));
  });

  it('OIDs round-trip and match asn1js', () => {
    const arc = fc.bigInt({ min: 0n, max: (1n << 40n) });
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(arc, { maxLength: 8 }), (a, b, rest) => {
      const dotted = [a, b, ...rest].join('.');
      const der = oid(dotted);
      expect(oidToString(contentOf(der, readTlv(der, 0)))).toBe(dotted);
      expect((asn1js.fromBER(new Uint8Array(der)).result as asn1js.ObjectIdentifier).getValue()).toBe(dotted);
    }));
  });

  it('lengths of any size are read back, and a TLV running past its container is refused', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 70000 }), (n) => {
      const der = tlv(0x04, Buffer.alloc(n, 7));
      const t = readTlv(der, 0);
      expect(t.length).toBe(n);
      expect(t.end).toBe(der.length);
      if (n > 0) expect(() => readTlv(der.subarray(0, der.length - 1), 0)).toThrow();
    }));
  });

  it('SET OF is sorted by encoding', () => {
    const s = setOf(Buffer.from([0x04, 0x01, 0x02]), Buffer.from([0x02, 0x01, 0x05]), Buffer.from([0x04, 0x01, 0x01]));
    const kids = children(s, readTlv(s, 0)).map((k) => Buffer.from(s.subarray(k.start, k.end)).toString('hex'));
    expect(kids).toEqual(['020105', '040101', '040102']);
  });
});
