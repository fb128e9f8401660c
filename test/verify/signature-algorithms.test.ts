import { generateKeyPairSync, sign, constants } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { describe, expect, test } from 'vitest';
import { oidFromHash, verifySignatureValue } from '../../src/verify/signature-algorithms.js';

type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

const data = Buffer.from('signed attributes');
const NODE: Record<HashName, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const ECDSA_OID: Record<HashName, string> = { 'SHA-256': '1.2.840.10045.4.3.2', 'SHA-384': '1.2.840.10045.4.3.3', 'SHA-512': '1.2.840.10045.4.3.4' };
const RSA_OID: Record<HashName, string> = { 'SHA-256': '1.2.840.113549.1.1.11', 'SHA-384': '1.2.840.113549.1.1.12', 'SHA-512': '1.2.840.113549.1.1.13' };
const HASHES: HashName[] = ['SHA-256', 'SHA-384', 'SHA-512'];
const spki = (k: ReturnType<typeof generateKeyPairSync>['publicKey']) => k.export({ type: 'spki', format: 'der' });

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

function pssAlgorithm(hash: HashName, saltLength: number): { algorithmId: string; algorithmParams: unknown } {
  const h = new pkijs.AlgorithmIdentifier({ algorithmId: oidFromHash(hash), algorithmParams: new asn1js.Null() });
  const params = new pkijs.RSASSAPSSParams({
    hashAlgorithm: h,
    maskGenAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.113549.1.1.8', algorithmParams: h.toSchema() }),
    saltLength,
  });
  return { algorithmId: '1.2.840.113549.1.1.10', algorithmParams: params.toSchema() };
}

describe('signature algorithm dispatch', () => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
    for (const hash of HASHES) {
      test(`ECDSA ${curve} with ${hash}`, async () => {
        const k = generateKeyPairSync('ec', { namedCurve: curve });
        const signature = sign(NODE[hash], data, k.privateKey);
        expect((await verifySignatureValue({ algorithm: { algorithmId: ECDSA_OID[hash] }, spki: spki(k.publicKey), data, signature })).ok).toBe(true);
        // CMS style: ecPublicKey as the signature algorithm, the hash from the digest algorithm
        expect((await verifySignatureValue({ algorithm: { algorithmId: '1.2.840.10045.2.1' }, digestAlgorithmOid: oidFromHash(hash), spki: spki(k.publicKey), data, signature })).ok).toBe(true);
        expect((await verifySignatureValue({ algorithm: { algorithmId: ECDSA_OID[hash] }, spki: spki(k.publicKey), data: Buffer.from('other'), signature })))
          .toMatchObject({ ok: false, reason: 'signature-invalid' });
      });
    }
  }
  for (const hash of HASHES) {
    test(`RSA PKCS#1 v1.5 with ${hash}`, async () => {
      const signature = sign(NODE[hash], data, rsa.privateKey);
      expect((await verifySignatureValue({ algorithm: { algorithmId: RSA_OID[hash] }, spki: spki(rsa.publicKey), data, signature })).ok).toBe(true);
      expect((await verifySignatureValue({ algorithm: { algorithmId: '1.2.840.113549.1.1.1' }, digestAlgorithmOid: oidFromHash(hash), spki: spki(rsa.publicKey), data, signature })).ok).toBe(true);
      expect((await verifySignatureValue({ algorithm: { algorithmId: RSA_OID[hash] }, spki: spki(rsa.publicKey), data, signature, allowRsa: false })))
        .toMatchObject({ ok: false, reason: 'rsa-not-allowed' });
    });
    test(`RSASSA-PSS with ${hash}`, async () => {
      const saltLength = hash === 'SHA-256' ? 32 : hash === 'SHA-384' ? 48 : 64;
      const signature = sign(NODE[hash], data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
      expect((await verifySignatureValue({ algorithm: pssAlgorithm(hash, saltLength), spki: spki(rsa.publicKey), data, signature })).ok).toBe(true);
      expect((await verifySignatureValue({ algorithm: pssAlgorithm(hash, saltLength + 1), spki: spki(rsa.publicKey), data, signature })).ok).toBe(false);
    });
  }
  test('curves outside the allowed set and unknown algorithms are unsupported', async () => {
    const k = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const signature = sign('sha256', data, k.privateKey);
    expect((await verifySignatureValue({ algorithm: { algorithmId: ECDSA_OID['SHA-256'] }, spki: spki(k.publicKey), data, signature })))
      .toMatchObject({ ok: false, reason: 'unsupported-algorithm' });
    expect((await verifySignatureValue({ algorithm: { algorithmId: '1.2.840.113549.1.1.4' /* md5WithRSA */ }, spki: spki(rsa.publicKey), data, signature })))
      .toMatchObject({ ok: false, reason: 'unsupported-algorithm', algorithm: '1.2.840.113549.1.1.4' });
  });
  test('SHA-1 and RSA under 2048 bits verify, and are named weak', async () => {
    const sha1 = sign('sha1', data, rsa.privateKey);
    expect((await verifySignatureValue({ algorithm: { algorithmId: '1.2.840.113549.1.1.5' /* sha1WithRSA */ }, spki: spki(rsa.publicKey), data, signature: sha1 })))
      .toEqual({ ok: true, algorithm: 'RSA-SHA-1', weak: 'SHA-1' });
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const signature = sign('sha256', data, small.privateKey);
    expect((await verifySignatureValue({ algorithm: { algorithmId: RSA_OID['SHA-256'] }, spki: spki(small.publicKey), data, signature })))
      .toEqual({ ok: true, algorithm: 'RSA-SHA-256', weak: 'RSA-1024' });
    expect((await verifySignatureValue({ algorithm: { algorithmId: RSA_OID['SHA-256'] }, spki: spki(small.publicKey), data: Buffer.from('x'), signature })))
      .toMatchObject({ ok: false, reason: 'signature-invalid' });
  });
  test('Ed25519 and Ed448 (RFC 8419), natively', async () => {
    for (const [type, oid] of [['ed25519', '1.3.101.112'], ['ed448', '1.3.101.113']] as const) {
      const k = generateKeyPairSync(type as 'ed25519');
      const signature = sign(null, data, k.privateKey);
      expect((await verifySignatureValue({ algorithm: { algorithmId: oid }, spki: spki(k.publicKey), data, signature }))).toMatchObject({ ok: true });
      // in parts, as a document's byte ranges arrive
      expect((await verifySignatureValue({ algorithm: { algorithmId: oid }, spki: spki(k.publicKey), data: [data.subarray(0, 5), data.subarray(5)], signature })).ok).toBe(true);
      expect((await verifySignatureValue({ algorithm: { algorithmId: oid }, spki: spki(k.publicKey), data: Buffer.from('other'), signature })).ok).toBe(false);
    }
  });
  test('plain ECDSA (BSI TR-03111: r and s concatenated) on P-256 and brainpoolP256r1', async () => {
    for (const curve of ['P-256', 'brainpoolP256r1']) {
      const k = generateKeyPairSync('ec', { namedCurve: curve });
      const signature = sign('sha256', data, { key: k.privateKey, dsaEncoding: 'ieee-p1363' });
      expect(signature.length).toBe(64);
      const algorithm = { algorithmId: '0.4.0.127.0.7.1.1.4.1.3' /* ecdsa-plain-SHA256 */ };
      expect((await verifySignatureValue({ algorithm, spki: spki(k.publicKey), data, signature }))).toEqual({ ok: true, algorithm: 'ECDSA-plain-SHA-256' });
      expect((await verifySignatureValue({ algorithm, spki: spki(k.publicKey), data: Buffer.from('other'), signature })).ok).toBe(false);
    }
  });
});
