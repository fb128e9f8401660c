/**
 * Signed parts travel unchanged: the certificates a CMS, a time-stamp token or an OCSP response carries
 * are byte for byte the ones the CA issued, and the token inside a CMS is byte for byte the one the TSA
 * returned. (PKI.js keeps received bytes of signed parts; this pins that our layer does too.)
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
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

/** The DER rules BER relaxes: definite, minimal lengths; primitive strings; DEFAULT-free booleans are not checked here. */
function derViolations(bytes: Uint8Array): string[] {
  const r = asn1js.fromBER(bytes, { parseEmbedded: false });
  if (r.offset !== bytes.length || r.result.error) return ['not one element'];
  const out: string[] = [];
  const walk = (b: asn1js.BaseBlock, path: string) => {
    if (b.lenBlock.isIndefiniteForm) out.push(`${path}: indefinite length`);
    if (b.lenBlock.longFormUsed && b.lenBlock.length < 128) out.push(`${path}: long form for a short length`);
    const universalString = b.idBlock.tagClass === 1 && [3, 4, 12, 19, 22, 23, 24].includes(b.idBlock.tagNumber);
    if (universalString && b.idBlock.isConstructed) out.push(`${path}: constructed string`);
    const kids = (b.valueBlock as { value?: unknown }).value;
    if (b.idBlock.isConstructed && Array.isArray(kids)) kids.forEach((k, i) => walk(k as asn1js.BaseBlock, `${path}/${i}`));
  };
  walk(r.result, '');
  return out;
}

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
    // the token's own certificates: the TSA's (and any CA between it and the root), as issued
    const inToken = readSignedData(token).certificates;
    expect(inToken.some((c) => c.equals(f.ca.tsaCertificate))).toBe(true);
    const known = [f.ca.tsaCertificate, f.ca.issuingCertificate, f.ca.rootCertificate];
    for (const c of inToken) expect(known.some((k) => k.equals(c))).toBe(true);
    // everything is DER (the token's TSTInfo in a primitive OCTET STRING, no BER from pkijs's defaults)
    for (const der of [cms, token, ...carried]) expect(derViolations(der)).toEqual([]);
    expect(derViolations(Buffer.from('3080020107' + '0000', 'hex'))).toEqual([': indefinite length']); // the check itself works
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
    for (const der of [data.ocsp!, data.crl!, issued, ...chain]) expect(derViolations(der)).toEqual([]);
    const ocsp = readOcspResponse(data.ocsp!);
    expect(ocsp.status).toBe(0);
    expect(ocsp.certificates).toHaveLength(1);
    expect(ocsp.certificates[0]!.equals(f.ca.ocspCertificate)).toBe(true);
    const crlText = await f.openssl(['crl', '-inform', 'DER', '-in', f.file('i.crl', data.crl!), '-CAfile', f.file('chain.pem', toPem(f.ca.issuingCertificate) + f.ca.rootPem()), '-noout']);
    expect(crlText.out).toMatch(/verify OK/);
    expect(readCertificate(issued).issuerDer.equals(readCertificate(f.ca.issuingCertificate).subjectDer)).toBe(true);
  });
});
