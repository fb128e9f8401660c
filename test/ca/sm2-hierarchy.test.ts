/**
 * The SM2 hierarchy beside the ECDSA one (issue 15): made by the ceremony and added to a data
 * directory that only has the ECDSA one; each certificate judged by OpenSSL 3 link by link with the
 * standard SM2 user ID; the SM2 TSA answers SM3 requests; OCSP and CRLs of the SM2 seal-issuing CA
 * are signed with SM3withSM2 by its own responder and CA.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCertificate } from '../../src/asn1/certificate.js';
import { decodeAs, DOCUMENT_OBJECT_LIMITS } from '../../src/asn1/der.js';
import { readOcspResponse } from '../../src/asn1/ocsp.js';
import { toPem } from '../../src/asn1/pem.js';
import { readSignedData } from '../../src/asn1/cms.js';
import { ensureCa } from '../../src/ca/authority.js';
import { runCeremony } from '../../src/ca/ceremony.js';
import { loadCaPolicy } from '../../src/ca/profiles.js';
import { FixedClock } from '../../src/clock.js';
import { DbKeyVault } from '../../src/crypto/db-key-vault.js';
import { parseTimestampToken } from '../../src/pdf/cms-tsp.js';
import type { Db } from '../../src/store/db.js';
import { verifySignatureValue } from '../../src/verify/signature-algorithms.js';
import { storageAdapters } from '../helpers/storage.js';
import { caFixture, imageHash, UNIT, type CaFixture } from './support.js';

const SM3_WITH_SM2 = '1.2.156.10197.1.501';
const T0 = new Date('2026-03-01T08:00:00Z');

/** An SM2 public key (SPKI DER) made outside the vault, as a seal key would be. */
const sm2Spki = (): Buffer => generateKeyPairSync('ec', { namedCurve: 'SM2' }).publicKey.export({ format: 'der', type: 'spki' });

describe.each(storageAdapters())('SM2 hierarchy on $name', (adapter) => {
  let db: Db;
  let f: CaFixture;
  const clock = new FixedClock(T0);

  beforeAll(async () => {
    db = await adapter.open();
    f = await caFixture(db, clock);
  });
  afterAll(async () => {
    f.cleanup();
    await db.close();
  });

  /** OpenSSL 3 verifies one link: `cert` signed by `issuer`, SM2 with the GM/T 0009 user ID. */
  const opensslLink = async (name: string, cert: Buffer, issuer: Buffer) => {
    const r = await f.openssl(['verify', '-partial_chain', '-vfyopt', 'distid:1234567812345678', '-CAfile', f.file(`${name}-issuer.pem`, toPem(issuer)), f.file(`${name}.pem`, toPem(cert))]);
    expect(r.out, name).toContain(': OK');
  };

  it('the ceremony makes an SM2 root, seal-issuing CA, OCSP responder, TSA and seal maker, each SM3withSM2, judged by OpenSSL', async () => {
    const root = f.ca.rootCertificateOf('SM2');
    const chain = await f.ca.chain(f.ca.issuingCaIdOf('SM2'));
    expect(chain[1]).toEqual(root);
    const issuing = chain[0]!;
    const signers = await db.query<{ role: string; ca_id: string; certificate: Uint8Array }>(`SELECT role, ca_id, certificate FROM ca_service_signers WHERE role IN ('sm2-ocsp', 'sm2-tsa', 'seal-maker')`);
    expect(signers.rows.map((r) => r.role).sort()).toEqual(['seal-maker', 'sm2-ocsp', 'sm2-tsa']);
    for (const der of [root, issuing, ...signers.rows.map((r) => Buffer.from(r.certificate))]) {
      const c = readCertificate(der);
      expect(c.cert.signatureAlgorithm.algorithmId).toBe(SM3_WITH_SM2);
    }
    await opensslLink('sm2-root', root, root);
    await opensslLink('sm2-issuing', issuing, root);
    for (const s of signers.rows) await opensslLink(s.role, Buffer.from(s.certificate), s.ca_id === 'sm2-root' ? root : issuing);
    // The ECDSA hierarchy is untouched and separate.
    expect(f.ca.rootCertificate.equals(root)).toBe(false);
    expect(readCertificate(f.ca.rootCertificate).cert.signatureAlgorithm.algorithmId).not.toBe(SM3_WITH_SM2);
  });

  it('an SM2 seal certificate under the SM2 seal-issuing CA; its OCSP answer and CRL are SM3withSM2 and verify', async () => {
    const seal = await f.ca.issueSealCertificate({ publicKeySpki: sm2Spki(), ...UNIT, sealName: 'SM2 seal', imageHash: imageHash('sm2'), hierarchy: 'SM2' });
    expect(seal.issuerCaId).toBe('sm2-issuing');
    await opensslLink('sm2-seal', seal.certificate, seal.chain[0]!);
    const before = await f.ca.revocationDataFor(seal.certificate);
    const ocsp = readOcspResponse(before.ocsp!);
    expect(ocsp.basic?.signatureAlgorithm.algorithmId).toBe(SM3_WITH_SM2);
    const responder = ocsp.certificates[0]!;
    expect(readCertificate(responder).subjectDer.toString('latin1')).toContain('SM2 OCSP Responder');
    expect(
      (await verifySignatureValue({
        algorithm: ocsp.basic!.signatureAlgorithm,
        spki: readCertificate(responder).spki,
        data: Buffer.from(ocsp.basic!.tbsResponseData.tbsView),
        signature: Buffer.from(ocsp.basic!.signature.valueBlock.valueHexView),
      })).ok,
    ).toBe(true);
    await f.ca.revoke(seal.serial, 'keyCompromise');
    const crl = decodeAs(pkijs.CertificateRevocationList, await f.ca.crl('sm2-issuing'), 'CRL', DOCUMENT_OBJECT_LIMITS);
    expect(crl.signature.algorithmId).toBe(SM3_WITH_SM2);
    expect(crl.revokedCertificates?.length).toBe(1);
    const issuing = readCertificate(seal.chain[0]!);
    expect(
      (await verifySignatureValue({
        algorithm: crl.signatureAlgorithm,
        spki: issuing.spki,
        data: Buffer.from(crl.tbsView),
        signature: Buffer.from(crl.signatureValue.valueBlock.valueHexView),
      })).ok,
    ).toBe(true);
  });

  it('the TSA stamps an SM3 imprint with the SM2 TSA and a SHA-256 one with the ECDSA TSA', async () => {
    const imprint = createHash('sm3').update('signature value').digest();
    const token = await f.ca.timestamp(imprint, 'SM3');
    expect(parseTimestampToken(token).digest).toBe('SM3');
    const sd = readSignedData(token);
    expect(sd.signerInfos[0]!.signatureAlgorithm.algorithmId).toBe(SM3_WITH_SM2);
    expect(sd.certificates.some((c) => c.equals(f.ca.tsaCertificateOf('SM2')))).toBe(true);
    expect(sd.certificates.some((c) => c.equals(f.ca.tsaCertificate))).toBe(false);
    const sha = await f.ca.timestamp(createHash('sha256').update('x').digest(), 'SHA-256');
    expect(readSignedData(sha).signerInfos[0]!.signatureAlgorithm.algorithmId).not.toBe(SM3_WITH_SM2);
  });

  it('a data directory made before the SM2 hierarchy existed gets it at its next start', async () => {
    const old = await adapter.open();
    try {
      const vault = new DbKeyVault(old, Buffer.alloc(32, 7));
      const policy = loadCaPolicy();
      await old.transaction((tx) => runCeremony(tx, vault.withQueryable(tx), policy, 'http://127.0.0.1:1', T0, 'ECDSA'));
      const before = await old.query(`SELECT ca_id FROM ca_authorities ORDER BY ca_id`);
      expect(before.rows.map((r) => (r as { ca_id: string }).ca_id)).toEqual(['issuing', 'root']);
      const ca = await ensureCa({ db: old, vault, config: { publicUrl: 'http://127.0.0.1:1' }, clock });
      const after = await old.query<{ ca_id: string }>(`SELECT ca_id FROM ca_authorities ORDER BY ca_id`);
      expect(after.rows.map((r) => r.ca_id)).toEqual(['issuing', 'root', 'sm2-issuing', 'sm2-root']);
      expect(readCertificate(ca.rootCertificateOf('SM2')).cert.signatureAlgorithm.algorithmId).toBe(SM3_WITH_SM2);
      // The ECDSA root is the one made before.
      const root = await old.query<{ certificate: Uint8Array }>(`SELECT certificate FROM ca_authorities WHERE ca_id = 'root'`);
      expect(Buffer.from(root.rows[0]!.certificate).equals(ca.rootCertificate)).toBe(true);
    } finally {
      await old.close();
    }
  });
});
