import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Asn1Error, decode, DOCUMENT_OBJECT_LIMITS, encode, leadingElement, REQUEST_LIMITS, verbatim,
} from '../../src/asn1/der.js';
import { attribute, placeholderOfSize, signedAttributes } from '../../src/asn1/cms.js';
import { fromPem, toPem } from '../../src/asn1/pem.js';

const seqOf = (...inner: Buffer[]) => {
  const body = Buffer.concat(inner);
  if (body.length > 127) throw new Error('short form only in this helper');
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
};

describe('bounded decoding of untrusted bytes (src/asn1/der.ts)', () => {
  it('throws Asn1Error and nothing else on arbitrary bytes, and never reads past them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          decode(bytes, 'fuzz');
        } catch (e) {
          return e instanceof Asn1Error;
        }
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses empty input, trailing bytes, and input over the size bound before parsing', () => {
    expect(() => decode(new Uint8Array(0), 'x')).toThrow(/empty/);
    expect(() => decode(Buffer.from('30000000', 'hex'), 'x')).toThrow(/2 bytes after the end/);
    expect(decode(Buffer.from('30000000', 'hex'), 'x', REQUEST_LIMITS, false)).toBeInstanceOf(asn1js.Sequence);
    const big = Buffer.alloc(REQUEST_LIMITS.maxBytes + 1);
    expect(() => decode(big, 'request')).toThrow(/larger than 65536 bytes/);
  });

  it('bounds nesting depth and node count (a CMS or request cannot make the parser walk forever)', () => {
    let deep = Buffer.alloc(0);
    for (let i = 0; i < REQUEST_LIMITS.maxDepth + 2; i++) deep = seqOf(deep);
    expect(() => decode(deep, 'deep')).toThrow(/depth/);
    expect(decode(deep, 'deep', DOCUMENT_OBJECT_LIMITS)).toBeInstanceOf(asn1js.Sequence);
    // 5000 NULLs in one SEQUENCE: more nodes than a request may have
    const nulls = Buffer.alloc(5000 * 2);
    for (let i = 0; i < nulls.length; i += 2) nulls[i] = 0x05;
    const many = Buffer.concat([Buffer.from([0x30, 0x82, nulls.length >> 8, nulls.length & 0xff]), nulls]);
    expect(() => decode(many, 'many')).toThrow(/node count/);
    expect(decode(many, 'many', DOCUMENT_OBJECT_LIMITS)).toBeInstanceOf(asn1js.Sequence);
  });

  it('finds the element in front of /Contents zero padding, DER or BER (indefinite length)', () => {
    const der = encode(new asn1js.Sequence({ value: [new asn1js.Integer({ value: 7 }), new asn1js.OctetString({ valueHex: Buffer.alloc(300, 1) })] }));
    expect(leadingElement(Buffer.concat([der, Buffer.alloc(1000)]))).toEqual(der);
    const ber = Buffer.from('3080020107' + '0000', 'hex');
    expect(leadingElement(Buffer.concat([ber, Buffer.alloc(10)]))).toEqual(ber);
    expect(leadingElement(Buffer.from('3005020107', 'hex'))).toBeUndefined(); // runs past the end
    expect(leadingElement(Buffer.alloc(0))).toBeUndefined();
    // what it found decodes again without a second parse (the same tree)
    const found = leadingElement(Buffer.concat([der, Buffer.alloc(5)]))!;
    expect(decode(found, 'again', DOCUMENT_OBJECT_LIMITS)).toBe(decode(found, 'again', DOCUMENT_OBJECT_LIMITS));
  });

  it('verbatim(): received bytes are embedded unchanged, whatever length forms they use', () => {
    for (const hex of ['300702010702020100', '30810702010702020100', '308002010702020100' + '0000']) {
      const der = Buffer.from(hex, 'hex');
      const outer = encode(new asn1js.Sequence({ value: [verbatim(der, 'x')] }));
      expect(outer.includes(der)).toBe(true);
    }
    expect(() => verbatim(Buffer.from('3007020107020201000000', 'hex'), 'x')).toThrow(/after the end/);
  });

  it('signed attributes are put in DER SET OF order (sorted by encoding) before they are signed, and shipped so', () => {
    const attrs = ['040102', '020105', '040101'].map((h, i) => attribute(`1.2.3.${3 - i}`, decode(Buffer.from(h, 'hex'), 'x')));
    const { attributes, der } = signedAttributes(attrs);
    const parsed = decode(der, 'SET') as asn1js.Set;
    const order = parsed.valueBlock.value.map((b) => encode(b).toString('hex'));
    expect([...order].sort()).toEqual(order);
    expect(attributes.map((a) => encode(a).toString('hex'))).toEqual(order);
  });

  it('a placeholder has the size asked for (one more only where no element has it), across the length-octet boundaries', () => {
    const gaps = new Set([130, 259, 65540]);
    fc.assert(fc.property(fc.integer({ min: 2, max: 70_000 }), (n) => encode(placeholderOfSize(n)).length === n + (gaps.has(n) ? 1 : 0)));
    for (const n of [2, 129, 131, 258, 260, 65538, 65539, 65541]) expect(encode(placeholderOfSize(n)).length).toBe(n);
    for (const n of gaps) expect(encode(placeholderOfSize(n)).length).toBe(n + 1);
  });
});

describe('PEM (src/asn1/pem.ts)', () => {
  it('round-trips and finds every block of a label among other text', () => {
    const a = Buffer.alloc(100, 1);
    const b = Buffer.alloc(3, 2);
    const text = `junk\n${toPem(a)}between\n${toPem(Buffer.alloc(5), 'PRIVATE KEY')}${toPem(b)}`;
    expect(fromPem(text)).toEqual([a, b]);
    expect(toPem(a).split('\n').every((l) => l.length <= 64)).toBe(true);
    expect(fromPem(Buffer.from(text), 'PRIVATE KEY')).toEqual([Buffer.alloc(5)]);
  });
});
