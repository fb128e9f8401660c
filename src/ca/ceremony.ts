import type { KeyVault } from '../crypto/key-vault.js';
import type { Queryable } from '../store/db.js';
import { readCertificate } from '../asn1/certificate.js';
import { serialHex } from '../asn1/values.js';
import { randomSerial, type Signer } from './cert.js';
import { issueCertificate, type PublicationUrls } from './issue.js';
import { fillName, nameToString, type NameSpec } from './names.js';
import { HIERARCHIES, SERVICE_SIGNERS, type Hierarchy, type HierarchyLayout } from './hierarchies.js';
import type { CaPolicy, CertificateProfile, ProfileName } from './profiles.js';

/**
 * The CA's setup: the key ceremony (root, issuing CA, OCSP responder, TSA), renewal of the service
 * signers, and the one way every certificate is issued and recorded.
 */

type CaKind = 'root' | 'issuing' | 'department';

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === '23505' || /duplicate key/.test(String((e as Error)?.message));

async function insertCertificate(
  q: Queryable,
  row: { serial: string; issuerCaId: string; profile: ProfileName; subject: NameSpec; der: Buffer },
): Promise<void> {
  const c = readCertificate(row.der);
  await q.query(
    `INSERT INTO ca_certificates (serial, issuer_ca_id, profile, subject, certificate, not_before, not_after)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [row.serial, row.issuerCaId, row.profile, nameToString(row.subject), row.der, c.notBefore, c.notAfter],
  );
}

/**
 * Issues under a fresh random serial and records it; a serial collision (the primary key) just
 * means another draw. Signing happens before the insert, so nothing half-made is stored.
 */
export async function issueAndRecord(
  q: Queryable,
  args: Omit<Parameters<typeof issueCertificate>[0], 'serial'> & { profileName: ProfileName; issuerCaId: string; onSignError?: (e: unknown) => unknown },
): Promise<{ der: Buffer; serial: string }> {
  for (let attempt = 0; ; attempt++) {
    const serial = randomSerial();
    let der: Buffer;
    try {
      der = await issueCertificate({ ...args, serial });
    } catch (e) {
      throw args.onSignError ? args.onSignError(e) : e;
    }
    const hex = serialHex(serial);
    try {
      await insertCertificate(q, { serial: hex, issuerCaId: args.issuerCaId, profile: args.profileName, subject: args.subject, der });
      return { der, serial: hex };
    } catch (e) {
      if (!isUniqueViolation(e) || attempt >= 3) throw e;
    }
  }
}

export function publicationUrls(publicUrl: string, issuerCaId: string): PublicationUrls {
  const base = publicUrl.replace(/\/+$/, '');
  return { ocsp: `${base}/ocsp`, caIssuers: `${base}/ca/certs/${issuerCaId}.cer`, crl: `${base}/ca/crl/${issuerCaId}.crl` };
}

/** The CA id a service signer's profile names as its issuer, within its hierarchy. */
const issuerCaIdOf = (h: HierarchyLayout, profile: CertificateProfile): string => (profile.issuer === 'root' ? h.rootCaId : h.issuingCaId);

/**
 * 密钥生成仪式 key ceremony for one hierarchy (ECDSA or SM2, src/ca/hierarchies.ts): its root CA,
 * seal-issuing CA and service signers (OCSP responder, TSA, and the audit signer or the seal maker),
 * all in the caller's transaction (so a failure leaves nothing behind).
 */
export async function runCeremony(tx: Queryable, vault: KeyVault, policy: CaPolicy, publicUrl: string, now: Date, hierarchy: Hierarchy = 'ECDSA'): Promise<void> {
  const layout = HIERARCHIES[hierarchy];
  const profiles = policy.profiles;
  const make = async (
    profileName: ProfileName,
    issuer: { caId: string; certificate: Buffer | null; keyId: string; profile: ProfileName } | null,
    selfCaId?: string,
  ) => {
    const profile = profiles[profileName];
    const key = await vault.generate(profile.keyAlgorithm, { purpose: `ca:${profileName}` });
    const subject = fillName(profile.subject, {});
    const issuerCaId = issuer?.caId ?? selfCaId!;
    const signerKeyId = issuer?.keyId ?? key.keyId;
    const signerProfile = issuer ? profiles[issuer.profile] : profile;
    const signer: Signer = { vault, keyId: signerKeyId, algorithm: signerProfile.keyAlgorithm, hash: signerProfile.signingHash };
    const { der, serial } = await issueAndRecord(tx, {
      policy,
      profile,
      profileName,
      issuerCaId,
      issuer: { certificate: issuer?.certificate ?? null, signer },
      subject,
      subjectPublicKeySpki: key.publicKeySpki,
      now,
      urls: publicationUrls(publicUrl, issuerCaId),
    });
    return { keyId: key.keyId, der, serial };
  };
  const addCa = (caId: string, kind: CaKind, parent: string | null, c: { keyId: string; der: Buffer; serial: string }) =>
    tx.query(
      `INSERT INTO ca_authorities (ca_id, kind, parent_ca_id, key_id, cert_serial, certificate) VALUES ($1, $2, $3, $4, $5, $6)`,
      [caId, kind, parent, c.keyId, c.serial, c.der],
    );
  const root = await make(layout.profiles.root, null, layout.rootCaId);
  await addCa(layout.rootCaId, 'root', null, root);
  const issuing = await make(layout.profiles.issuing, { caId: layout.rootCaId, certificate: root.der, keyId: root.keyId, profile: layout.profiles.root });
  await addCa(layout.issuingCaId, 'issuing', layout.rootCaId, issuing);
  for (const s of Object.values(layout.signers)) {
    const caId = issuerCaIdOf(layout, profiles[s.profile]);
    const parent = caId === layout.rootCaId ? { ...root, profile: layout.profiles.root } : { ...issuing, profile: layout.profiles.issuing };
    const c = await make(s.profile, { caId, certificate: parent.der, keyId: parent.keyId, profile: parent.profile });
    await tx.query(`INSERT INTO ca_service_signers (role, ca_id, key_id, cert_serial, certificate) VALUES ($1, $2, $3, $4, $5)`, [
      s.role,
      caId,
      c.keyId,
      c.serial,
      c.der,
    ]);
  }
}

/** Renew the OCSP responder or TSA certificate when less than this is left (checked at every start). */
const RENEW_BEFORE_MS = 30 * 86_400_000;

/**
 * The OCSP responder (1 year) and TSA certificates outlive no restart by much: at start, one that
 * expires within 30 days — or that another CA than its profile names issued (a data directory made
 * before the TSA certificate lived as long as the root) — is replaced by a new key and certificate.
 * Old TSA tokens stay verifiable: they carry their own certificate. Only hierarchies whose root
 * exists are looked at (ensureCa makes a missing one first).
 */
export async function renewServiceSigners(tx: Queryable, vault: KeyVault, policy: CaPolicy, publicUrl: string, now: Date): Promise<void> {
  const rows = await tx.query<{ role: string; ca_id: string | null; certificate: Uint8Array | null }>('SELECT role, ca_id, certificate FROM ca_service_signers');
  const cas = await tx.query<{ ca_id: string; key_id: string; certificate: Uint8Array }>(
    "SELECT ca_id, key_id, certificate FROM ca_authorities WHERE kind IN ('root', 'issuing')",
  );
  // A data directory made before a signer role existed (the audit signer) gets it at this start.
  for (const s of SERVICE_SIGNERS) {
    const layout = HIERARCHIES[s.hierarchy];
    const row = rows.rows.find((r) => r.role === s.role);
    const profile = policy.profiles[s.profile];
    const caId = issuerCaIdOf(layout, profile);
    if (row?.certificate) {
      const notAfter = readCertificate(row.certificate).notAfter;
      if (notAfter.getTime() - now.getTime() > RENEW_BEFORE_MS && row.ca_id === caId) continue;
    }
    const issuer = cas.rows.find((c) => c.ca_id === caId);
    if (!issuer) continue;
    const issuerProfile = policy.profiles[caId === layout.rootCaId ? layout.profiles.root : layout.profiles.issuing];
    const key = await vault.generate(profile.keyAlgorithm, { purpose: `ca:${s.profile}` });
    const { der, serial } = await issueAndRecord(tx, {
      policy,
      profile,
      profileName: s.profile,
      issuerCaId: caId,
      issuer: {
        certificate: Buffer.from(issuer.certificate),
        signer: { vault, keyId: issuer.key_id, algorithm: issuerProfile.keyAlgorithm, hash: issuerProfile.signingHash },
      },
      subject: fillName(profile.subject, {}),
      subjectPublicKeySpki: key.publicKeySpki,
      now,
      urls: publicationUrls(publicUrl, caId),
    });
    await tx.query(
      `INSERT INTO ca_service_signers (role, ca_id, key_id, cert_serial, certificate) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (role) DO UPDATE SET ca_id = $2, key_id = $3, cert_serial = $4, certificate = $5`,
      [s.role, caId, key.keyId, serial, der],
    );
  }
}
