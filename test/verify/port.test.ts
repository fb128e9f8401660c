/**
 * The verifier's crypto port: both implementations (node:crypto/zlib and the browser's WebCrypto + pure JS,
 * run here on Node's own WebCrypto) against published known answers for every primitive, against each other
 * on signatures made by other libraries, and on the whole attack corpus (the same reports, case by case).
 */
import { constants, createHash, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import * as asn1js from 'asn1js';
import { sm2 } from 'sm-crypto-v2';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { encode } from '../../src/asn1/der.js';
import { OID } from '../../src/asn1/oids.js';
import { HASHES, type Curve, type HashName } from '../../src/algorithms/table.js';
import { browserVerifierPort, derToP1363 } from '../../src/verify/port/browser.js';
import { digestBytes, InflateError, useVerifierPort, type SignatureCheckRequest, type VerifierPort } from '../../src/verify/port/index.js';
import { nodeVerifierPort } from '../../src/verify/port/node.js';
import { verifyPdf } from '../../src/verify/verify-pdf.js';
import { makeAttackCorpus, type AttackCorpus } from '../fixtures/make-attacks.js';

const PORTS: [string, VerifierPort][] = [['node', nodeVerifierPort], ['browser', browserVerifierPort]];
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const utf8 = (s: string) => new TextEncoder().encode(s);
const spkiOf = (k: KeyObject) => k.export({ format: 'der', type: 'spki' });
const flip = (b: Uint8Array, at = b.length - 1) => { const c = Uint8Array.from(b); c[at]! ^= 1; return c; };

afterEach(() => { useVerifierPort(nodeVerifierPort); });

// FIPS 180-4 / FIPS 202 examples ("abc"), GB/T 32905-2016 Appendix A (SM3 "abc").
const ABC: Record<HashName, string> = {
  'SHA-1': 'a9993e364706816aba3e25717850c26c9cd0d89d',
  'SHA-224': '23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7',
  'SHA-256': 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  'SHA-384': 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
  'SHA-512': 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  'SHA3-256': '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532',
  'SHA3-384': 'ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25',
  'SHA3-512': 'b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0',
  SHAKE256: '483366601360a8771c6863080cc4114d8db44530f8f1e1ee4f94ea37e78b5739d5a15bef186a5386c75744c0527e1faa9f8726e462a12a4feb06bd8801e751e4',
  SM3: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
};

describe.each(PORTS)('%s port: hashing', (_name, port) => {
  test.each(Object.keys(ABC) as HashName[])('%s of "abc" is the published value; parts hash as one stream', (hash) => {
    expect(Buffer.from(port.hasher(hash).update(utf8('abc')).digest()).toString('hex')).toBe(ABC[hash]);
    expect(port.hasher(hash).digest().length).toBe(HASHES[hash].length);
    const text = utf8('abcd'.repeat(1000));
    const whole = port.hasher(hash).update(text).digest();
    expect(port.hasher(hash).update(text.subarray(0, 7)).update(text.subarray(7, 2000)).update(text.subarray(2000)).digest()).toEqual(whole);
  });
});

// RFC 8032 §7.1 TEST 1 (Ed25519) and §7.4 "Blank" (Ed448): the empty message.
const ED25519 = {
  spki: Buffer.concat([hex('302a300506032b6570032100'), hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')]),
  sig: hex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'),
};
const ED448 = {
  spki: Buffer.concat([hex('3043300506032b6571033a00'), hex('5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180')]),
  sig: hex('533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600'),
};
// GB/T 32918.5-2017 Appendix A: the SM2 signature of "message digest" with ID 1234567812345678.
const SM2_POINT = Buffer.concat([Buffer.from([4]),
  hex('09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020'), hex('CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13')]);
const SM2_SPKI = encode(new asn1js.Sequence({ value: [
  new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.ecPublicKey }), new asn1js.ObjectIdentifier({ value: OID.sm2Curve })] }),
  new asn1js.BitString({ valueHex: SM2_POINT }),
] }));
const SM2_SIG = encode(new asn1js.Sequence({ value: [
  asn1js.Integer.fromBigInt(BigInt('0xf5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3')),
  asn1js.Integer.fromBigInt(BigInt('0xb1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa')),
] }));

/** Requests with a signature made by node:crypto (or a published one), valid as given. */
function madeRequests(): [string, SignatureCheckRequest][] {
  const data = utf8('the permit is granted');
  const parts = [data.subarray(0, 4), data.subarray(4)];
  const out: [string, SignatureCheckRequest][] = [
    ['Ed25519 RFC 8032', { scheme: 'ed25519', spki: ED25519.spki, data: [new Uint8Array(0)], signature: ED25519.sig }],
    ['Ed448 RFC 8032', { scheme: 'ed448', spki: ED448.spki, data: [new Uint8Array(0)], signature: ED448.sig }],
    ['SM2 GB/T 32918.5', { scheme: 'sm2', point: SM2_POINT, spki: SM2_SPKI, data: [utf8('message '), utf8('digest')], signature: SM2_SIG }],
  ];
  const ec: [Curve, string, HashName][] = [
    ['P-256', 'prime256v1', 'SHA-256'], ['P-384', 'secp384r1', 'SHA-384'], ['P-521', 'secp521r1', 'SHA-512'],
    ['P-256', 'prime256v1', 'SHA-1'], ['P-256', 'prime256v1', 'SHA3-256'], ['brainpoolP256r1', 'brainpoolP256r1', 'SHA-256'],
  ];
  for (const [curve, named, hash] of ec) {
    const k = generateKeyPairSync('ec', { namedCurve: named });
    for (const encoding of ['der', 'ieee-p1363'] as const) {
      const signature = nodeSign(HASHES[hash].node, data, { key: k.privateKey, dsaEncoding: encoding });
      out.push([`ECDSA ${curve} ${hash} ${encoding}`, { scheme: 'ecdsa', curve, hash, encoding, spki: spkiOf(k.publicKey), data: parts, signature }]);
    }
  }
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  for (const hash of ['SHA-256', 'SHA-512'] as const) {
    out.push([`RSA PKCS#1 v1.5 ${hash}`, { scheme: 'rsa-pkcs1', hash, spki: spkiOf(rsa.publicKey), data: parts,
      signature: nodeSign(HASHES[hash].node, data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PADDING }) }]);
    out.push([`RSA-PSS ${hash}`, { scheme: 'rsa-pss', hash, saltLength: 32, spki: spkiOf(rsa.publicKey), data: parts,
      signature: nodeSign(HASHES[hash].node, data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }) }]);
  }
  const ed = generateKeyPairSync('ed25519');
  out.push(['Ed25519 node', { scheme: 'ed25519', spki: spkiOf(ed.publicKey), data: parts, signature: nodeSign(null, data, ed.privateKey) }]);
  // SM2 by sm-crypto-v2 (a third implementation), with the standard ID and Z_A.
  const keys = sm2.generateKeyPairHex();
  const sig = sm2.doSignature(data, keys.privateKey, { der: true, hash: true, userId: '1234567812345678' });
  const point = hex(keys.publicKey);
  const spki = encode(new asn1js.Sequence({ value: [
    new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.ecPublicKey }), new asn1js.ObjectIdentifier({ value: OID.sm2Curve })] }),
    new asn1js.BitString({ valueHex: point }),
  ] }));
  out.push(['SM2 sm-crypto-v2', { scheme: 'sm2', point, spki, data: parts, signature: hex(sig) }]);
  return out;
}

describe('signature verification', () => {
  const requests = madeRequests();
  describe.each(PORTS)('%s port', (_name, port) => {
    test.each(requests)('%s: valid as made; a changed signature or message is invalid', async (_what, req) => {
      expect(await port.verifySignature(req)).toBe('valid');
      expect(await port.verifySignature({ ...req, signature: flip(req.signature) } as SignatureCheckRequest)).toBe('invalid');
      expect(await port.verifySignature({ ...req, data: [...req.data, utf8('!')] } as SignatureCheckRequest)).toBe('invalid');
    });
    test('garbage keys and signatures are invalid or unsupported, never thrown', async () => {
      const [, ecdsa] = requests.find(([n]) => n.startsWith('ECDSA P-256 SHA-256 der'))!;
      expect(await port.verifySignature({ ...ecdsa, signature: utf8('not DER') } as SignatureCheckRequest)).toBe('invalid');
      expect(['invalid', 'unsupported']).toContain(await port.verifySignature({ ...ecdsa, spki: utf8('not a key') } as SignatureCheckRequest));
    });
  });
  test('DER to r ‖ s: padding, leading zeros, and malformed input', () => {
    const der = (r: string, s: string) => encode(new asn1js.Sequence({ value: [asn1js.Integer.fromBigInt(BigInt('0x' + r)), asn1js.Integer.fromBigInt(BigInt('0x' + s))] }));
    expect(Buffer.from(derToP1363(der('ff', '01'), 4)!).toString('hex')).toBe('000000ff00000001');
    expect(derToP1363(der('ff'.repeat(5), '01'), 4)).toBeUndefined();
    expect(derToP1363(Buffer.concat([der('01', '02'), Buffer.from([0])]), 4)).toBeUndefined();
    expect(derToP1363(hex('3007020101020102'), 4)).toBeUndefined(); // a SEQUENCE length that overruns the input
    expect(Buffer.from(derToP1363(hex('3006020101020102'), 4)!).toString('hex')).toBe('0000000100000002');
  });
});

describe.each(PORTS)('%s port: inflate', (_name, port) => {
  const text = utf8('BT /F1 12 Tf 72 712 Td (the permit is granted) Tj ET\n'.repeat(2000));
  test('inflates zlib data; a stream cut before its end yields what it holds', () => {
    const z = deflateSync(text);
    expect(Buffer.from(port.inflate(z, 10 ** 7)).equals(Buffer.from(text))).toBe(true);
    const cut = port.inflate(z.subarray(0, z.length - 10), 10 ** 7);
    expect(cut.length).toBeGreaterThan(text.length / 2);
    expect(Buffer.from(cut).equals(Buffer.from(text.subarray(0, cut.length)))).toBe(true);
  });
  test('output beyond the bound is refused (a bomb), corrupt data too', () => {
    const bomb = deflateSync(new Uint8Array(64 * 2 ** 20));
    expect(() => port.inflate(bomb, 2 ** 20)).toThrow(InflateError);
    try { port.inflate(bomb, 2 ** 20); } catch (e) { expect((e as InflateError).reason).toBe('too-large'); }
    try { port.inflate(utf8('not zlib at all'), 2 ** 20); expect.unreachable(); } catch (e) { expect((e as InflateError).reason).toBe('corrupt'); }
  });
});

test('digestBytes hashes with the port in use', () => {
  const seen: HashName[] = [];
  useVerifierPort({ ...nodeVerifierPort, hasher: (h) => { seen.push(h); return nodeVerifierPort.hasher(h); } });
  expect(Buffer.from(digestBytes('SHA-256', [utf8('a'), utf8('bc')])).toString('hex')).toBe(ABC['SHA-256']);
  expect(seen).toEqual(['SHA-256']);
  expect(createHash('sha256').update('abc').digest('hex')).toBe(ABC['SHA-256']);
});

describe('the whole verifier on either port', () => {
  let corpus: AttackCorpus;
  beforeAll(async () => { corpus = await makeAttackCorpus(); }, 300_000);
  test('every attack-corpus case gets the same report from the browser port as from the node port', async () => {
    expect(corpus.cases.length).toBeGreaterThan(30);
    for (const c of corpus.cases) {
      const anchors = [{ 'test-root': corpus.pki.root.certDer, 'other-root': corpus.otherPki.root.certDer, 'rsa-root': corpus.rsaRoot }[c.trust]];
      const opts = { trustAnchors: anchors, now: c.now ?? new Date() };
      useVerifierPort(nodeVerifierPort);
      const viaNode = await verifyPdf(c.pdf, opts);
      useVerifierPort(browserVerifierPort);
      const viaBrowser = await verifyPdf(c.pdf, opts);
      expect(JSON.parse(JSON.stringify(viaBrowser)), c.name).toEqual(JSON.parse(JSON.stringify(viaNode)));
      const sig = viaBrowser.signatures[c.expect.index ?? 0];
      expect({ status: sig?.status, reason: sig?.reason }, c.name).toEqual({ status: c.expect.status, reason: c.expect.reason });
    }
  }, 300_000);
});
