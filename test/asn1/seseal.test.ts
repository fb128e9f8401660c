/**
 * The GB/T 38540-2020 codec (src/asn1/seseal.ts): what it writes reads back field for field, its
 * DER is what OpenSSL's own ASN.1 parser sees, and untrusted bytes that are not an SESeal or
 * SES_Signature (garbage, truncation, a GM/T 0031 v1 seal, a wrong header) are an Asn1Error, never a crash.
 */
import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { Asn1Error, encode } from '../../src/asn1/der.js';
import { OID } from '../../src/asn1/oids.js';
import { encodeSealInfo, encodeSESeal, encodeSESSignature, encodeTbsSign, readSESeal, readSESSignature, type SealInfo } from '../../src/asn1/seseal.js';
import { runTool } from '../helpers/openssl-pki.js';

const info: SealInfo = {
  vendorId: 'MUNICIPAL-ESEAL',
  esId: '91350100M000100Y430001',
  type: 1,
  name: '某市人民政府办公室',
  holderCertificates: [Buffer.from('30030201 01'.replace(/ /g, ''), 'hex'), randomBytes(40)],
  createDate: new Date('2026-11-01T08:00:00Z'),
  validStart: new Date('2026-11-01T08:00:00Z'),
  validEnd: new Date('2029-11-01T08:00:00Z'),
  picture: { type: 'PNG', data: randomBytes(300), widthMm: 42, heightMm: 42 },
};
const maker = randomBytes(200);
const signed = randomBytes(71);

describe('SESeal and SES_Signature (GB/T 38540-2020 v4)', () => {
  it('an SESeal reads back as written, with the signed eSealInfo bytes exactly as encoded', () => {
    const infoDer = encodeSealInfo(info);
    const der = encodeSESeal(infoDer, maker, OID.sm3WithSm2, signed);
    const s = readSESeal(der);
    expect(s.info).toEqual(info);
    expect(s.infoDer.equals(infoDer)).toBe(true);
    expect(s.makerCertificate.equals(maker)).toBe(true);
    expect(s.signAlgId).toBe(OID.sm3WithSm2);
    expect(s.signedValue.equals(signed)).toBe(true);
    expect(s.der.equals(der)).toBe(true);
  });

  it('an SES_Signature reads back, its TBS_Sign and SESeal as the bytes that were signed, with and without a time-stamp', () => {
    const eseal = encodeSESeal(encodeSealInfo(info), maker, OID.sm3WithSm2, signed);
    const toSign = encodeTbsSign({ eseal, timeInfo: new Date('2026-11-29T10:00:00Z'), dataHash: randomBytes(32), propertyInfo: 'ByteRange [0 10 20 30]' });
    for (const token of [undefined, randomBytes(900)]) {
      const der = encodeSESSignature(toSign, maker, OID.sm3WithSm2, signed, token);
      const s = readSESSignature(der);
      expect(s.version).toBe(4);
      expect(s.toSignDer.equals(toSign)).toBe(true);
      expect(s.eseal.der.equals(eseal)).toBe(true);
      expect(s.timeInfo.toISOString()).toBe('2026-11-29T10:00:00.000Z');
      expect(s.propertyInfo).toBe('ByteRange [0 10 20 30]');
      expect(s.timeStamp?.equals(token!) ?? token === undefined).toBe(true);
    }
  });

  it('OpenSSL parses our DER and sees the header, the version and the GeneralizedTimes', async () => {
    const der = encodeSESeal(encodeSealInfo(info), maker, OID.sm3WithSm2, signed);
    const r = await runTool('openssl', ['asn1parse', '-inform', 'DER'], { input: der });
    expect(r.code, r.stderr.toString()).toBe(0);
    const out = r.stdout.toString();
    expect(out).toContain('IA5STRING         :ES');
    expect(out).toContain('INTEGER           :04');
    expect(out).toContain('GENERALIZEDTIME   :20261101080000Z');
    expect(out).toContain('UTF8STRING');
  });

  it('anything else is an Asn1Error: garbage, truncation, version 1, a wrong header ID', () => {
    const good = encodeSESeal(encodeSealInfo(info), maker, OID.sm3WithSm2, signed);
    for (const bad of [randomBytes(64), good.subarray(0, good.length - 5), Buffer.from([0x30, 0x00])]) {
      expect(() => readSESeal(bad)).toThrow(Asn1Error);
      expect(() => readSESSignature(bad)).toThrow(Asn1Error);
    }
    // GM/T 0031-2014 v1 and a header that is not "ES": the same shape, other values.
    const v1 = Buffer.from(good);
    const at = v1.indexOf(Buffer.from([0x02, 0x01, 0x04]));
    v1[at + 2] = 1;
    expect(() => readSESeal(v1)).toThrow(/version/);
    const notEs = Buffer.from(good);
    notEs[notEs.indexOf(Buffer.from('ES'))] = 'F'.charCodeAt(0);
    expect(() => readSESeal(notEs)).toThrow(/ES/);
    // An SES_Signature whose TBS_Sign says version 1.
    const old = encode(new asn1js.Sequence({ value: [new asn1js.Integer({ value: 1 })] }));
    expect(() => readSESSignature(old)).toThrow(Asn1Error);
  });
});
