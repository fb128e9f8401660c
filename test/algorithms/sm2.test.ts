/**
 * SM3 (GB/T 32905-2016) and SM2 signatures (GB/T 32918.2-2016, user ID 1234567812345678 per GM/T 0009)
 * pinned by the standards' published examples, for both implementations: node:crypto with Z_A computed
 * by hand (the vault, the verifier) and the pure-JS path (sm-crypto-v2, for where node:crypto cannot).
 */
import { createPrivateKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import * as asn1js from 'asn1js';
import { sm2 } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/asn1/der.js';
import { OID } from '../../src/asn1/oids.js';
import { describePublicKey, keyAlgorithmOfSpki } from '../../src/algorithms/public-key.js';
import { sm2Za } from '../../src/algorithms/sm2.js';
import { sm2VerifyPure, sm3Pure } from '../../src/algorithms/sm2-pure.js';
import { nodeSm3, signWithKey } from '../../src/crypto/sign.js';
import { verifySignatureValue } from '../../src/verify/signature-algorithms.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const utf8 = (s: string) => Buffer.from(s, 'utf8');

// GB/T 32918.5-2017 Appendix A (= GM/T 0003.5-2012 Appendix A): signature on the recommended curve.
const D = hex('3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8');
const XA = hex('09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020');
const YA = hex('CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13');
const MESSAGE = utf8('message digest');
const ZA = 'b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3';
const E = 'f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640';
const K = '59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21';
const R = 'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3';
const S = 'b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa';

const POINT = Buffer.concat([Buffer.from([4]), XA, YA]);

/** SubjectPublicKeyInfo { ecPublicKey, SM2 curve } of the example key. */
export const exampleSpki = (): Buffer =>
  encode(
    new asn1js.Sequence({
      value: [
        new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.ecPublicKey }), new asn1js.ObjectIdentifier({ value: OID.sm2Curve })] }),
        new asn1js.BitString({ valueHex: POINT }),
      ],
    }),
  );

/** PKCS#8 of the example key (ECPrivateKey with the curve and the public key), as node:crypto reads it. */
export function examplePkcs8(): Buffer {
  const ecPrivateKey = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 1 }),
      new asn1js.OctetString({ valueHex: D }),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.ObjectIdentifier({ value: OID.sm2Curve })] }),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value: [new asn1js.BitString({ valueHex: POINT })] }),
    ],
  });
  return encode(
    new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: 0 }),
        new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.ecPublicKey }), new asn1js.ObjectIdentifier({ value: OID.sm2Curve })] }),
        new asn1js.OctetString({ valueHex: encode(ecPrivateKey) }),
      ],
    }),
  );
}

const derSignature = (r: string, s: string) =>
  encode(new asn1js.Sequence({ value: [asn1js.Integer.fromBigInt(BigInt('0x' + r)), asn1js.Integer.fromBigInt(BigInt('0x' + s))] }));
function rsOf(der: Buffer): [string, string] {
  const seq = asn1js.fromBER(der).result as asn1js.Sequence;
  const [r, s] = seq.valueBlock.value as asn1js.Integer[];
  return [r!.toBigInt().toString(16).padStart(64, '0'), s!.toBigInt().toString(16).padStart(64, '0')];
}
const verifierSays = (spki: Buffer, data: Uint8Array, signature: Uint8Array, algorithmId: string = OID.sm3WithSm2) =>
  verifySignatureValue({ algorithm: { algorithmId }, spki, data, signature });

describe('SM3 (GB/T 32905-2016, Appendix A)', () => {
  for (const [name, sm3] of [['node:crypto', nodeSm3], ['pure JS', sm3Pure]] as const) {
    it(`${name}: "abc" and the 64-byte example`, async () => {
      expect(Buffer.from(sm3(utf8('abc'))).toString('hex')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
      expect(Buffer.from(sm3(utf8('abcd'.repeat(16)))).toString('hex')).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
    });
  }
});

describe('SM2 signature (GB/T 32918.5-2017 Appendix A, ID 1234567812345678)', () => {
  it('Z_A and e = SM3(Z_A ‖ M) are the published values, with either SM3', async () => {
    for (const sm3 of [nodeSm3, sm3Pure]) {
      const za = sm2Za(POINT, sm3);
      expect(Buffer.from(za).toString('hex')).toBe(ZA);
      expect(Buffer.from(sm3(Buffer.concat([za, MESSAGE]))).toString('hex')).toBe(E);
    }
  });

  it('signing with the published k gives the published (r, s) (pure JS)', async () => {
    const kG = sm2.getPublicKeyFromPrivateKey(K); // 04 ‖ x1 ‖ y1
    const x1 = BigInt('0x' + kG.slice(2, 66));
    const sig = sm2.doSignature(MESSAGE, D.toString('hex'), {
      pointPool: [{ k: BigInt('0x' + K), x1 }],
      der: true,
      hash: true,
      publicKey: POINT.toString('hex'),
      userId: '1234567812345678',
    });
    expect(rsOf(hex(sig))).toEqual([R, S]);
  });

  it('the published signature verifies on both paths; a changed message, r or s does not', async () => {
    const spki = exampleSpki();
    const good = derSignature(R, S);
    expect((await verifierSays(spki, MESSAGE, good))).toEqual({ ok: true, algorithm: 'SM2-SM3' });
    expect(sm2VerifyPure(POINT, MESSAGE, good)).toBe(true);
    const badMessage = utf8('message digesT');
    const badS = derSignature(R, (BigInt('0x' + S) + 1n).toString(16));
    const badR = derSignature((BigInt('0x' + R) ^ 1n).toString(16), S);
    for (const [data, sig] of [[badMessage, good], [MESSAGE, badS], [MESSAGE, badR]] as const) {
      expect((await verifierSays(spki, data, sig))).toMatchObject({ ok: false, reason: 'signature-invalid' });
      expect(sm2VerifyPure(POINT, data, sig)).toBe(false);
    }
    // The CMS identifier (GM/T 0010 sm2-1) takes its digest from the SignerInfo: only SM3 goes with SM2.
    expect((await verifySignatureValue({ algorithm: { algorithmId: OID.sm2Sign }, digestAlgorithmOid: OID.sm3, spki, data: MESSAGE, signature: good })).ok).toBe(true);
    expect((await verifySignatureValue({ algorithm: { algorithmId: OID.sm2Sign }, digestAlgorithmOid: OID.sha256, spki, data: MESSAGE, signature: good })).ok).toBe(false);
    // An SM2 key is not an ECDSA key, and an ECDSA identifier does not verify an SM2 signature.
    expect((await verifierSays(spki, MESSAGE, good, OID.ecdsaWithSha256))).toMatchObject({ ok: false, reason: 'unsupported-algorithm' });
  });

  it('node:crypto with Z_A by hand signs the example key correctly (random k: each signature differs, each verifies)', async () => {
    const key = createPrivateKey({ key: examplePkcs8(), format: 'der', type: 'pkcs8' });
    const a = signWithKey('sm2', 'SM3', key, MESSAGE, POINT);
    const b = signWithKey('sm2', 'SM3', key, MESSAGE, POINT);
    expect(a.equals(b)).toBe(false);
    for (const sig of [a, b]) {
      expect(sm2VerifyPure(POINT, MESSAGE, sig)).toBe(true);
      expect((await verifierSays(exampleSpki(), MESSAGE, sig)).ok).toBe(true);
    }
  });

  it('the trap this avoids: node:crypto on its own signs with an empty ID, which the standard ID does not verify', async () => {
    const key = createPrivateKey({ key: examplePkcs8(), format: 'der', type: 'pkcs8' });
    const plain = nodeSign('sm3', MESSAGE, key);
    expect(sm2VerifyPure(POINT, MESSAGE, plain)).toBe(false);
    expect((await verifierSays(exampleSpki(), MESSAGE, plain)).ok).toBe(false);
  });

  it('a freshly generated SM2 KeyObject (type "ec") still signs SM2, not ECDSA on the SM2 curve', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const d = describePublicKey(spki);
    expect(d).toMatchObject({ kind: 'ec', curve: 'SM2' });
    expect(keyAlgorithmOfSpki(spki)).toBe('SM2');
    const point = (d as { point: Buffer }).point;
    const sig = signWithKey('sm2', 'SM3', privateKey, MESSAGE, point);
    expect(sm2VerifyPure(point, MESSAGE, sig)).toBe(true);
    expect(() => signWithKey('sm2', 'SHA-256', privateKey, MESSAGE, point)).toThrow(/SM3/);
  });
});
