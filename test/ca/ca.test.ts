import { createHash, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCa } from '../../src/ca/authority.js';
import { randomSerial } from '../../src/ca/cert.js';
import { octets, oid, seq, tlv, toPem } from '../../src/ca/der.js';
import { content, parseTop } from '../../src/ca/der-read.js';
import { issueCertificate, type Issuer } from '../../src/ca/issue.js';
import { fillName } from '../../src/ca/names.js';
import { readSealImageBinding, SEAL_IMAGE_BINDING_OID } from '../../src/ca/seal-image-binding.js';
import { FixedClock } from '../../src/clock.js';
import type { KeyVault } from '../../src/crypto/key-vault.js';
import { AppError } from '../../src/errors.js';
import type { Db } from '../../src/store/db.js';
import { storageAdapters } from '../helpers/storage.js';
import { caFixture, imageHash, sealKey, UNIT, type CaFixture } from './support.js';

// Ten minutes ago, whole seconds: openssl judges validity by the real time, so issue "now", not at a fixed date.
const T0 = new Date(Math.floor(Date.now() / 1000) * 1000 - 600_000);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** openssl's way of printing a time: "Nov 26 08:00:01 2026 GMT". */
const opensslTime = (d: Date) =>
  `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()} GMT`;

async function rejects(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe.each(storageAdapters())('municipal CA on $name', (adapter) => {
  let db: Db;
  let f: CaFixture;
  const clock = new FixedClock(T0);

  beforeAll(async () => {
    db = await adapter.open();
    f = await caFixture(db, clock, 'https://seal.example.gov.cn');
  });
  afterAll(async () => {
    f.cleanup();
    await db.close();
  });

  it('the ceremony made root (P-384, pathLen 1), issuing CA (pathLen 0), OCSP responder and TSA', async () => {
    const root = await f.openssl(['x509', '-in', f.rootPath, '-noout', '-text']);
    expect(root.out).toMatch(/NIST CURVE: P-384/);
    expect(root.out).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
    expect(root.out).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(root.out).toMatch(/ecdsa-with-SHA384/);
    const notAfter = new X509Certificate(f.ca.rootCertificate).validTo;
    expect(new Date(notAfter).getUTCFullYear()).toBe(T0.getUTCFullYear() + 20);
    const issuing = await f.openssl(['x509', '-in', f.issuingPath, '-noout', '-text']);
    expect(issuing.out).toMatch(/CA:TRUE, pathlen:0/);
    const ocsp = await f.openssl(['x509', '-in', f.file('ocsp.pem', toPem(f.ca.ocspCertificate)), '-noout', '-text']);
    expect(ocsp.out).toMatch(/Extended Key Usage: \s+OCSP Signing/);
    expect(ocsp.out).toMatch(/OCSP No Check/);
    const tsa = await f.openssl(['x509', '-in', f.file('tsa.pem', toPem(f.ca.tsaCertificate)), '-noout', '-text']);
    expect(tsa.out).toMatch(/Extended Key Usage: critical\s+Time Stamping/);
    for (const p of ['ocsp.pem', 'tsa.pem']) {
      const v = await f.openssl(['verify', '-CAfile', f.rootPath, '-untrusted', f.issuingPath, p]);
      expect(v.out).toMatch(/: OK/);
    }
    const tsaPurpose = await f.openssl(['verify', '-CAfile', f.rootPath, '-untrusted', f.issuingPath, '-purpose', 'timestampsign', 'tsa.pem']);
    expect(tsaPurpose.code).toBe(0);
  });

  it('ensureCa is idempotent and safe when instances start together; renews the OCSP certificate near its end', async () => {
    const count = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM ca_authorities')).rows[0]!.n);
    const before = await count();
    const again = await Promise.all([1, 2, 3].map(() => ensureCa({ db, vault: f.vault, config: { publicUrl: 'x' }, clock })));
    expect(await count()).toBe(before);
    for (const h of again) {
      expect(h.rootCertificate).toEqual(f.ca.rootCertificate);
      expect(h.ocspCertificate).toEqual(f.ca.ocspCertificate);
    }
    // 340 days on, the 1-year responder certificate is renewed at start; the TSA's (as long as the root) is kept
    const later = new FixedClock(new Date(T0.getTime() + 340 * 86_400_000));
    const renewed = await ensureCa({ db, vault: f.vault, config: { publicUrl: 'x' }, clock: later });
    expect(renewed.ocspCertificate).not.toEqual(f.ca.ocspCertificate);
    expect(renewed.tsaCertificate).toEqual(f.ca.tsaCertificate);
    expect(new Date(new X509Certificate(renewed.ocspCertificate).validFrom).getTime()).toBe(later.now().getTime());
    // put the original back, so the rest of this file judges the responder openssl sees today
    await db.query("UPDATE ca_service_signers SET certificate = $1, key_id = $2 WHERE role = 'ocsp'", [
      f.ca.ocspCertificate,
      (await db.query<{ key_id: string }>('SELECT key_id FROM vault_keys WHERE purpose = $1 ORDER BY created_at LIMIT 1', ['ca:ocsp-responder'])).rows[0]!.key_id,
    ]);
  });

  it('issues a seal certificate that openssl verifies and shows with every extension of the profile', async () => {
    const hash = imageHash('round-official');
    const issued = await f.ca.issueSealCertificate({ publicKeySpki: sealKey(), ...UNIT, sealName: '某市人民政府办公室公章', imageHash: hash, widthMm: 42, heightMm: 42 });
    const seal = f.file('seal.pem', toPem(issued.certificate));
    const v = await f.openssl(['verify', '-CAfile', f.rootPath, '-untrusted', f.issuingPath, seal]);
    expect(v.code, v.out).toBe(0);
    const text = (await f.openssl(['x509', '-in', seal, '-noout', '-text', '-nameopt', 'utf8,sep_comma_plus_space'])).out;
    expect(text).toContain('O=某市人民政府办公室,');
    expect(text).toContain('CN=某市人民政府办公室公章');
    expect(text).toContain('organizationIdentifier=91350100M000100Y43');
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect(text).toMatch(/Extended Key Usage: \s+1\.3\.6\.1\.5\.5\.7\.3\.36/);
    expect(text).toContain('OCSP - URI:https://seal.example.gov.cn/ocsp');
    expect(text).toContain('CA Issuers - URI:https://seal.example.gov.cn/ca/certs/issuing.cer');
    expect(text).toContain('URI:https://seal.example.gov.cn/ca/crl/issuing.crl');
    expect(text).toContain('Policy: 2.25.307863011571226879859732574380042958433.1.1');
    expect(text).toContain(SEAL_IMAGE_BINDING_OID);
    expect(text).toMatch(/Subject Key Identifier/);
    expect(text).toMatch(/Authority Key Identifier/);
    // serial: positive, >= 64 bits, recorded
    expect(issued.serial.length).toBeGreaterThanOrEqual(16);
    expect(parseInt(issued.serial.slice(0, 2), 16)).toBeLessThan(0x80);
    expect((await f.ca.certificateStatus(issued.serial)).status).toBe('good');
    // the image binding reads back
    expect(readSealImageBinding(issued.certificate)).toEqual({ hashAlg: 'SHA-256', hash, widthMm: 42, heightMm: 42 });
    expect(readSealImageBinding(f.ca.rootCertificate)).toBeNull();
    expect(readSealImageBinding(Buffer.from('not a certificate'))).toBeNull();
    expect(issued.chain).toEqual([f.ca.issuingCertificate, f.ca.rootCertificate]);
  });

  it('refuses a wrong credit code check character and a bad key before signing anything', async () => {
    const n = async () => (await db.query('SELECT serial FROM ca_certificates')).rows.length;
    const before = await n();
    const e = await rejects(f.ca.issueSealCertificate({ publicKeySpki: sealKey(), ...UNIT, unitCode: '91350100M000100Y44', sealName: 'x', imageHash: imageHash('x') }));
    expect([e.status, e.type]).toEqual([422, 'invalid-credit-code']);
    const k = await rejects(f.ca.issueSealCertificate({ publicKeySpki: Buffer.from('3000', 'hex'), ...UNIT, sealName: 'x', imageHash: imageHash('x') }));
    expect(k.type).toBe('invalid-public-key');
    const h = await rejects(f.ca.issueSealCertificate({ publicKeySpki: sealKey(), ...UNIT, sealName: 'x', imageHash: Buffer.alloc(5) }));
    expect(h.type).toBe('invalid-image-hash');
    expect(await n()).toBe(before);
  });

  it('department sub-CA: name constraints for the unit; outside them refused before signing, and openssl rejects a hand-made one', async () => {
    const dept = await f.ca.ensureDepartmentCa(UNIT);
    expect((await f.ca.ensureDepartmentCa(UNIT)).caId).toBe(dept.caId); // idempotent
    const deptPath = f.file('dept.pem', toPem(dept.certificate));
    const text = (await f.openssl(['x509', '-in', deptPath, '-noout', '-text', '-nameopt', 'utf8'])).out;
    expect(text).toMatch(/Name Constraints: critical\s+Permitted:\s+DirName:/);
    expect(text).toMatch(/CA:TRUE, pathlen:0/);

    const ok = await f.ca.issueSealCertificate({ publicKeySpki: sealKey(), ...UNIT, sealName: '财务科专用章', imageHash: imageHash('d'), issuerCaId: dept.caId });
    const okPath = f.file('dept-seal.pem', toPem(ok.certificate));
    const v = await f.openssl(['verify', '-CAfile', f.rootPath, '-untrusted', deptPath, okPath]);
    expect(v.code, v.out).toBe(0);
    expect((await f.openssl(['x509', '-in', okPath, '-noout', '-text'])).out).toContain('2.25.307863011571226879859732574380042958433.1.2');

    // Another unit through this sub-CA: refused, and the vault is never asked to sign.
    let signs = 0;
    const issuer = await f.ca.issuerOf(dept.caId);
    const counting: KeyVault = new Proxy(issuer.signer.vault, {
      get: (t, p, r) => (p === 'sign' ? (...a: Parameters<KeyVault['sign']>) => (signs++, t.sign(...a)) : Reflect.get(t, p, r)),
    });
    const guarded: Issuer = { ...issuer, signer: { ...issuer.signer, vault: counting } };
    const profile = f.ca.policy.profiles['department-seal'];
    const base = {
      policy: f.ca.policy,
      profile,
      subjectPublicKeySpki: sealKey(),
      now: T0,
      urls: { ocsp: 'http://x/ocsp', caIssuers: 'http://x/c', crl: 'http://x/crl' },
      sealImage: { hashAlg: 'SHA-256' as const, hash: imageHash('evil') },
    };
    const otherSubject = fillName(profile.subject, { unitName: '另一个单位', unitCode: '91110000100000000' + 'R', department: '办公室', sealName: '冒名章' });
    const e = await rejects(issueCertificate({ ...base, issuer: guarded, subject: otherSubject, serial: randomSerial() }));
    expect([e.status, e.type]).toEqual([422, 'name-constraints-violation']);
    expect(signs).toBe(0);
    const viaHandle = await rejects(f.ca.issueSealCertificate({ publicKeySpki: sealKey(), unitName: '另一个单位', unitCode: UNIT.unitCode, sealName: 'x', imageHash: imageHash('y'), issuerCaId: dept.caId }));
    expect(viaHandle.type).toBe('name-constraints-violation');

    // Hand-made: the same key signs without our check; openssl must refuse the chain.
    const { permittedSubtrees: _dropped, ...unchecked } = issuer;
    const forged = await issueCertificate({ ...base, issuer: unchecked, subject: otherSubject, serial: randomSerial() });
    const forgedPath = f.file('forged.pem', toPem(forged));
    const bad = await f.openssl(['verify', '-CAfile', f.rootPath, '-untrusted', deptPath, forgedPath]);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/permitted subtree violation/);
  });

  it('revocation: the CRL verifies, lists the serial with its reason, and its number grows', async () => {
    const chainPath = f.file('chain.pem', await f.ca.chainPem());
    const crl1 = f.file('c1.crl', await f.ca.crl('issuing'));
    const t1 = await f.openssl(['crl', '-inform', 'DER', '-in', crl1, '-CAfile', chainPath, '-noout', '-text']);
    expect(t1.out).toMatch(/verify OK/);
    const n1 = Number(/CRL Number: \s*\n?\s*(\d+)/.exec(t1.out)![1]);

    const victim = await f.ca.issueSealCertificate({ publicKeySpki: sealKey(), ...UNIT, sealName: '作废章', imageHash: imageHash('v') });
    clock.advance(1000);
    await f.ca.revoke(victim.serial, 'keyCompromise');
    await f.ca.revoke(victim.serial, 'superseded'); // idempotent: keeps the first
    const crl2 = f.file('c2.crl', await f.ca.crl('issuing'));
    const t2 = await f.openssl(['crl', '-inform', 'DER', '-in', crl2, '-CAfile', chainPath, '-noout', '-text']);
    expect(t2.out).toMatch(/verify OK/);
    expect(t2.out).toContain(victim.serial.toUpperCase());
    expect(t2.out).toMatch(/Key Compromise/);
    expect(t2.out).toContain(`Next Update: ${opensslTime(new Date(T0.getTime() + 1000 + 24 * 3_600_000))}`);
    const n2 = Number(/CRL Number: \s*\n?\s*(\d+)/.exec(t2.out)![1]);
    expect(n2).toBeGreaterThan(n1);
    // unchanged state: the same CRL is served; half way to nextUpdate: a new one
    expect(await f.ca.crl('issuing')).toEqual(await f.ca.crl('issuing'));
    clock.advance(13 * 3_600_000);
    const t3 = await f.openssl(['crl', '-inform', 'DER', '-in', f.file('c3.crl', await f.ca.crl('issuing')), '-noout', '-text']);
    expect(Number(/CRL Number: \s*\n?\s*(\d+)/.exec(t3.out)![1])).toBeGreaterThan(n2);
    const status = await f.ca.certificateStatus(victim.serial);
    expect(status).toMatchObject({ status: 'revoked', reason: 'keyCompromise' });

    expect((await rejects(f.ca.revoke('abcdef0123', 'keyCompromise'))).type).toBe('certificate-not-found');
    expect((await rejects(f.ca.revoke(victim.serial, 'nonsense' as never))).type).toBe('invalid-revocation-reason');
    expect((await rejects(f.ca.crl('nope'))).type).toBe('unknown-ca');
    // the root's CRL (sub-CAs) is signed by the root
    const rootCrl = f.file('root.crl', await f.ca.crl('root'));
    expect((await f.openssl(['crl', '-inform', 'DER', '-in', rootCrl, '-CAfile', f.rootPath, '-noout'])).out).toMatch(/verify OK/);
  });

  it('the TSA answers openssl ts queries that openssl ts -verify accepts', async () => {
    const data = f.file('doc.txt', 'a document to stamp\n');
    const tsaChain = f.file('tsa-chain.pem', toPem(f.ca.tsaCertificate) + toPem(f.ca.issuingCertificate));
    for (const hash of ['-sha256', '-sha384', '-sha512']) {
      const q = await f.openssl(['ts', '-query', '-data', data, hash, '-cert']);
      expect(q.code).toBe(0);
      const reply = f.file('reply.tsr', await f.ca.tsaRespond(q.stdout));
      const text = (await f.openssl(['ts', '-reply', '-in', reply, '-text'])).out;
      expect(text).toMatch(/Status: Granted/);
      expect(text).toMatch(/Policy OID: 2\.25\.307863011571226879859732574380042958433\.1\.3/);
      expect(text).toMatch(/Accuracy: 0x01 seconds/);
      expect(text).toMatch(/Nonce: 0x[0-9A-F]+/);
      const v = await f.openssl(['ts', '-verify', '-data', data, '-in', reply, '-CAfile', f.rootPath, '-untrusted', tsaChain]);
      expect(v.out).toMatch(/Verification: OK/);
    }
    // without certReq: no certificate in the token; verify then needs the TSA cert from -untrusted
    const q = await f.openssl(['ts', '-query', '-data', data, '-sha256']);
    const reply = f.file('nocert.tsr', await f.ca.tsaRespond(q.stdout));
    const v = await f.openssl(['ts', '-verify', '-data', data, '-in', reply, '-CAfile', f.rootPath, '-untrusted', tsaChain]);
    expect(v.out).toMatch(/Verification: OK/);
  });

  it('TSA serials are unique and genTime never goes backwards, even when the clock does', async () => {
    const imprint = createHash('sha256').update('x').digest();
    const infos: { serial: string; time: string }[] = [];
    for (const step of [0, -60_000, 5, -3_600_000]) {
      clock.advance(step);
      const token = f.file('t.tst', await f.ca.timestamp(imprint, 'SHA-256'));
      const text = (await f.openssl(['ts', '-reply', '-in', token, '-token_in', '-text'])).out;
      infos.push({ serial: /Serial number: (\S+)/.exec(text)![1]!, time: /Time stamp: (.+)/.exec(text)![1]! });
    }
    expect(new Set(infos.map((i) => i.serial)).size).toBe(4);
    const times = infos.map((i) => Date.parse(i.time.replace(/(\d\d:\d\d:\d\d)(\.\d+)?/, '$1$2').replace(' GMT', 'Z')));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    const e = await rejects(f.ca.timestamp(Buffer.alloc(10), 'SHA-256'));
    expect(e.type).toBe('invalid-message-imprint');
    const withNonce = f.file('n.tst', await f.ca.timestamp(imprint, 'SHA-256', Buffer.from([0x80, 0x01])));
    expect((await f.openssl(['ts', '-reply', '-in', withNonce, '-token_in', '-text'])).out).toMatch(/Nonce: 0x8001/);
    expect((await rejects(f.ca.timestamp(imprint, 'SHA-256', Buffer.alloc(0)))).type).toBe('invalid-nonce');
    expect((await rejects(f.ca.timestamp(imprint, 'SHA-1' as never))).type).toBe('unsupported-hash');
  });

  it('TSA rejections: malformed, truncated, random, unknown hash, wrong policy, extensions', async () => {
    const status = async (req: Buffer) => (await f.openssl(['ts', '-reply', '-in', f.file('r.tsr', await f.ca.tsaRespond(req)), '-text'])).out;
    const data = f.file('d.txt', 'x');
    const good = (await f.openssl(['ts', '-query', '-data', data, '-sha256'])).stdout;
    expect(await status(good.subarray(0, good.length - 3))).toMatch(/Status: Rejected\.[\s\S]*Failure info: transaction not permitted or supported/);
    expect(await status(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]))).toMatch(/transaction not permitted or supported/);
    expect(await status(Buffer.alloc(0))).toMatch(/transaction not permitted or supported/);
    for (let i = 0; i < 50; i++) {
      const junk = createHash('sha512').update(String(i)).digest();
      const resp = await f.ca.tsaRespond(Buffer.concat([Buffer.from([0x30, junk.length]), junk]));
      expect(resp[0]).toBe(0x30);
    }
    const sha1 = (await f.openssl(['ts', '-query', '-data', data, '-sha1'])).stdout;
    expect(await status(sha1)).toMatch(/unrecognized or unsupported algorithm/i);
    const policy = (await f.openssl(['ts', '-query', '-data', data, '-sha256', '-tspolicy', '1.2.3.4'])).stdout;
    expect(await status(policy)).toMatch(/requested TSA policy is not supported/);
    const withExt = seq(content(parseTop(good)), tlv(0xa0, seq(oid('1.2.3.4'), octets(Buffer.from([5])))));
    expect(await status(withExt)).toMatch(/requested extension is not supported/);
  });

  it('works inside a caller transaction: a rolled-back department CA and seal leave nothing, not even in caches', async () => {
    clock.set(new Date(T0.getTime() + 2000)); // back to "now" for openssl's validity checks
    const unit = { unitName: '某区财政局', unitCode: '91110000100000000R' };
    await expect(
      db.transaction(async (tx) => {
        const dept = await f.ca.ensureDepartmentCa(unit, tx);
        const key = await f.vault.withQueryable(tx).generate('ECDSA-P256');
        const cert = await f.ca.issueSealCertificate({ publicKeySpki: key.publicKeySpki, ...unit, sealName: '科室章', imageHash: imageHash('t'), issuerCaId: dept.caId }, tx);
        expect(cert.chain).toHaveLength(2);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await db.query('SELECT 1 FROM ca_authorities WHERE unit_code = $1', [unit.unitCode])).rows).toHaveLength(0);
    // made again for real, it works (no stale cached CA from the rolled-back transaction)
    const dept = await f.ca.ensureDepartmentCa(unit);
    const cert = await f.ca.issueSealCertificate({ publicKeySpki: sealKey(), ...unit, sealName: '科室章', imageHash: imageHash('t'), issuerCaId: dept.caId });
    const v = await f.openssl(['verify', '-CAfile', f.rootPath, '-untrusted', f.file('d2.pem', toPem(dept.certificate)), f.file('s2.pem', toPem(cert.certificate))]);
    expect(v.code, v.out).toBe(0);
  });

  it('revokeWithin + revocationsCommitted, and revocationDataFor gives an OCSP response and CRL openssl accepts', async () => {
    clock.set(new Date(T0.getTime() + 3000));
    const issued = await f.ca.issueSealCertificate({ publicKeySpki: sealKey(), ...UNIT, sealName: '待撤销章', imageHash: imageHash('r') });
    const seal = f.file('r.pem', toPem(issued.certificate));
    const before = await f.ca.revocationDataFor(issued.certificate);
    const check = async (ocsp: Buffer) =>
      (await f.openssl(['ocsp', '-respin', f.file('r.ocsp', ocsp), '-issuer', f.issuingPath, '-cert', seal, '-CAfile', f.rootPath])).out;
    const b = await check(before.ocsp!);
    expect(b).toMatch(/Response verify OK/);
    expect(b).toMatch(/r\.pem: good/);
    await db.transaction((tx) => f.ca.revokeWithin(tx, issued.serial, 'cessationOfOperation'));
    await f.ca.revocationsCommitted([issued.serial]);
    const after = await f.ca.revocationDataFor(issued.certificate);
    const a = await check(after.ocsp!);
    expect(a).toMatch(/Response verify OK/);
    expect(a).toMatch(/r\.pem: revoked[\s\S]*Reason: cessationOfOperation/);
    const crlText = await f.openssl(['crl', '-inform', 'DER', '-in', f.file('r.crl', after.crl!), '-noout', '-text']);
    expect(crlText.out).toContain(issued.serial.toUpperCase());
    expect(await f.ca.revocationDataFor(f.ca.rootCertificate)).toEqual({});
    expect(await f.ca.revocationDataFor(Buffer.from('junk'))).toEqual({});
  });

  // Last: takes the root key away, as production does after the ceremony.
  it('with the root key offline: no new department sub-CA (503 root-key-offline), the last root CRL is still served', async () => {
    const rootCrl = await f.ca.crl('root');
    const { rows } = await db.query<{ key_id: string }>("SELECT key_id FROM ca_authorities WHERE ca_id = 'root'");
    await f.vault.destroy(rows[0]!.key_id);
    const e = await rejects(f.ca.ensureDepartmentCa({ unitName: '某县教育局', unitCode: UNIT.unitCode }));
    expect([e.status, e.type]).toEqual([503, 'root-key-offline']);
    expect((await db.query("SELECT 1 FROM ca_authorities WHERE unit_name = '某县教育局'")).rows).toHaveLength(0);
    clock.advance(50 * 86_400_000); // past the rebuild point: the rebuild fails, the stored CRL is served
    expect(await f.ca.crl('root')).toEqual(rootCrl);
    // the online CAs carry on
    const issued = await f.ca.issueSealCertificate({ publicKeySpki: sealKey(), ...UNIT, sealName: '照常', imageHash: imageHash('o') });
    expect(issued.serial).toMatch(/^[0-9a-f]+$/);
  });
});
