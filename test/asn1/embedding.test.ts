/**
 * Signed parts travel unchanged: the certificates a CMS, a time-stamp token or an OCSP response carries
 * are byte for byte the ones the CA issued, and the token inside a CMS is byte for byte the one the TSA
 * returned. (PKI.js keeps received bytes of signed parts; this pins that our layer does too.)
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCertificate } from '../../src/asn1/certificate.js';
import { readSignedData } from '../../src/asn1/cms.js';
import { readOcspResponse } from '../../src/asn1/ocsp.js';
import { toPem } from '../../src/asn1/pem.js';
import { FixedClock } from '../../src/clock.js';
import { buildPadesCms, estimateCmsSize, signatureTimestampTokenOf, type CmsSigner, type Timestamper } from '../../src/pdf/cms.js';
import type { Db } from '../../src/store/db.js';
import { caFixture, imageHash, UNIT, type CaFixture } from '../ca/support.js';
import { storageAdapters } from '../helpers/storage.js';

const pglite = storageAdapters().find((a) => a.name === 'pglite')!;

describe('embedded certificates and tokens are the issued bytes', () => {
  let db: Db;
  let f: CaFixture;
  let signer: CmsSigner;
  let issued: Buffer;
  let chain: Buffer[];

  beforeAll(async () => {
    db = await pglite.open();
    f = await caFixture(db, new FixedClock(new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000)));
    const key = await f.vault.generate('ECDSA-P256');
    const cert = await f.ca.issueSealCertificate({ publicKeySpki: key.publicKeySpki, ...UNIT, sealName: '嵌入测试章', imageHash: imageHash('e') });
    issued = cert.certificate;
    chain = cert.chain;
    signer = { certificates: [issued, ...chain], keyAlgorithm: 'ECDSA-P256', digest: 'SHA-256', sign: (d) => f.vault.sign(key.keyId, d, 'SHA-256') };
  });
  afterAll(async () => {
    f.cleanup();
    await db.close();
  });

  it('a PAdES CMS carries the seal certificate and the chain unchanged, and the TSA token unchanged', async () => {
    let returned: Buffer | undefined;
    const timestamper: Timestamper = async (imprint, hash) => (returned = await f.ca.timestamp(imprint, hash));
    const cms = await buildPadesCms(createHash('sha256').update('document').digest(), signer, timestamper);
    const carried = readSignedData(cms).certificates;
    expect(carried).toHaveLength(3);
    for (const c of [issued, ...chain]) expect(carried.some((x) => x.equals(c))).toBe(true);
    const token = Buffer.from(signatureTimestampTokenOf(cms)!);
    expect(token.equals(returned!)).toBe(true);
    // the token's own certificates: the TSA's and the issuing CA's, as issued
    const inToken = readSignedData(token).certificates;
    expect(inToken.some((c) => c.equals(f.ca.tsaCertificate))).toBe(true);
    expect(inToken.some((c) => c.equals(f.ca.issuingCertificate))).toBe(true);
    // the size estimate is an upper bound, and a tight one
    const estimate = estimateCmsSize(signer, returned!.length);
    expect(estimate).toBeGreaterThanOrEqual(cms.length);
    expect(estimate - cms.length).toBeLessThanOrEqual(3); // only the ECDSA signature's length varies
    // openssl agrees the CMS is a valid signature by the chain
    const content = f.file('content.bin', 'document');
    const v = await f.openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', f.file('c.der', cms), '-content', content, '-CAfile', f.rootPath, '-purpose', 'any', '-out', '/dev/null']);
    expect(v.code, v.out).toBe(0);
  });

  it('an OCSP response carries the responder certificate as issued; a CRL names the issuer as encoded in its certificate', async () => {
    const data = await f.ca.revocationDataFor(issued);
    const ocsp = readOcspResponse(data.ocsp!);
    expect(ocsp.status).toBe(0);
    expect(ocsp.certificates).toHaveLength(1);
    expect(ocsp.certificates[0]!.equals(f.ca.ocspCertificate)).toBe(true);
    const crlText = await f.openssl(['crl', '-inform', 'DER', '-in', f.file('i.crl', data.crl!), '-CAfile', f.file('chain.pem', toPem(f.ca.issuingCertificate) + f.ca.rootPem()), '-noout']);
    expect(crlText.out).toMatch(/verify OK/);
    expect(readCertificate(issued).issuerDer.equals(readCertificate(f.ca.issuingCertificate).subjectDer)).toBe(true);
  });
});
