import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { readCertificate, type CertificateFields } from '../asn1/certificate.js';
import { Asn1Error } from '../asn1/der.js';
import { OID } from '../asn1/oids.js';
import { toPem } from '../asn1/pem.js';
import { digestByOid, DIGESTS, isSha2Digest, SHA2_DIGESTS, type DigestName, type SignatureAlgorithm } from '../algorithms/table.js';
import type { KeyVault } from '../crypto/key-vault.js';
import { AppError } from '../errors.js';
import type { Db, Queryable } from '../store/db.js';
import type { SharedState } from '../store/shared-state.js';
import { signatureAlgorithmOf, signWith, vaultKey, type Signer } from './cert.js';
import { issueAndRecord, publicationUrls, renewServiceSigners, runCeremony } from './ceremony.js';
import { assertCreditCode } from './credit-code.js';
import { buildCrl } from './crl.js';
import { keyIdentifier } from './extensions.js';
import type { Issuer } from './issue.js';
import { fillName, type NameSpec } from './names.js';
import { buildOcspResponse, certIdFor, ocspErrorResponse, OCSP_STATUS, parseOcspRequest, type CertStatus, type OcspCertRequest } from './ocsp.js';
import { HIERARCHIES, HIERARCHY_NAMES, hierarchyOfKey, type Hierarchy } from './hierarchies.js';
import { loadCaPolicy, type CaPolicy, type ProfileName } from './profiles.js';
import { isRevocationReason, type RevocationReason } from './revocation-reasons.js';
import type { SealImageBinding } from './seal-image-binding.js';
import { RevocationCache, type SharedOcspAnswer } from './revocation-cache.js';
import { buildTimeStampToken, encodeTstInfo, parseTimeStampReq, timeStampRejection, timeStampResponse, type FailureInfo } from './tsa.js';

/** What the CA needs from the composition root. */
export interface CaDeps {
  db: Db;
  vault: KeyVault;
  config: { publicUrl: string };
  clock: Clock;
  /**
   * Shared state whose channel tells every instance of a revocation: with it OCSP answers and CRLs
   * are served from memory (src/ca/revocation-cache.ts); without it every OCSP answer is signed afresh.
   */
  state?: SharedState;
  /** Told when a revocation could not be announced to the other instances. */
  onAnnounceFailed?: (err: unknown) => void;
  policy?: CaPolicy;
}

export type CaKind = 'root' | 'issuing' | 'department';

export interface CaInfo {
  caId: string;
  kind: CaKind;
  parentCaId: string | null;
  certificate: Buffer;
  unitName: string | null;
  unitCode: string | null;
}

export interface IssuedCertificate {
  serial: string;
  certificate: Buffer;
  issuerCaId: string;
  notBefore: Date;
  notAfter: Date;
  /** The CA certificates from the issuer up to and including the root, DER. */
  chain: Buffer[];
}

export interface SealCertificateRequest {
  /** The seal key's SubjectPublicKeyInfo DER (from the vault). */
  publicKeySpki: Buffer;
  unitName: string;
  /** 统一社会信用代码 unified social credit code; its check character is verified. */
  unitCode: string;
  sealName: string;
  /** Hash of the seal image's canonical pixels (see render/). */
  imageHash: Buffer;
  imageHashAlg?: DigestName;
  widthMm?: number;
  heightMm?: number;
  /** A department sub-CA id (from ensureDepartmentCa) for Art. 17(4) department seals; default: the seal-issuing CA. */
  issuerCaId?: string;
  /** The department (OU) of a department seal (default: the seal name). */
  department?: string;
  /** The hierarchy of the seal's key (default ECDSA); an SM2 seal is certified by the SM2 seal-issuing CA. */
  hierarchy?: Hierarchy;
}

export interface CertificateStatus {
  status: 'good' | 'revoked' | 'unknown';
  issuerCaId?: string;
  revokedAt?: Date;
  reason?: RevocationReason;
}

interface AuthorityRow {
  ca_id: string;
  kind: CaKind;
  parent_ca_id: string | null;
  key_id: string;
  certificate: Uint8Array;
  unit_name: string | null;
  unit_code: string | null;
}

/** A CA loaded in memory: CA rows never change after creation, so caching them is safe. */
interface LoadedCa {
  info: CaInfo;
  keyId: string;
  parts: CertificateFields;
  algorithm: Awaited<ReturnType<KeyVault['algorithm']>>;
  hash: DigestName;
  hierarchy: Hierarchy;
  permittedSubtrees?: NameSpec[];
  /** CertID hashes per hash OID: issuerNameHash and issuerKeyHash. */
  certIdHashes: Map<string, { name: string; key: string }>;
}

const CA_INIT_LOCK = 724_113_903;
/** The profile a CA of this kind was made with, in its hierarchy. */
const caProfile = (h: Hierarchy, kind: CaKind): ProfileName => HIERARCHIES[h].profiles[kind];
/** CertID hash algorithms the responder matches (node:crypto names, by OID). */
const HASH_NODE: Record<string, string> = Object.fromEntries(
  (['SHA-1', ...SHA2_DIGESTS] as const).map((h) => [DIGESTS[h].oid, DIGESTS[h].node]),
);

/**
 * Creates the CA on first start (idempotent; several instances starting at once agree through an
 * advisory lock in one transaction) and returns the handle the services use.
 */
export async function ensureCa(deps: CaDeps): Promise<CaHandle> {
  const policy = deps.policy ?? loadCaPolicy();
  await deps.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [CA_INIT_LOCK]);
    const vault = deps.vault.withQueryable(tx);
    // Each hierarchy whose root is missing gets its ceremony: a data directory made before the SM2
    // hierarchy existed gets it at this start, beside the ECDSA one it has.
    for (const h of HIERARCHY_NAMES) {
      const existing = await tx.query(`SELECT 1 FROM ca_authorities WHERE ca_id = $1`, [HIERARCHIES[h].rootCaId]);
      if (existing.rows.length === 0) await runCeremony(tx, vault, policy, deps.config.publicUrl, deps.clock.now(), h);
    }
    await renewServiceSigners(tx, vault, policy, deps.config.publicUrl, deps.clock.now());
  });
  return CaHandle.load(deps, policy);
}

/** A unit's department sub-CA id: one per (credit code, name), so a renamed unit gets a new one. */
const departmentCaId = (unit: { unitName: string; unitCode: string }, h: Hierarchy = 'ECDSA'): string =>
  HIERARCHIES[h].departmentPrefix + createHash('sha256').update(`${unit.unitCode}\n${unit.unitName}`).digest('hex').slice(0, 20);

/** Advisory lock number for one department CA (stable, from its id). */
const lockFor = (caId: string): number => createHash('sha256').update(caId).digest().readInt32BE(0);

/** An OCSP answer, with what an HTTP cache needs when it is the same for every asker until it expires. */
export interface OcspAnswer {
  der: Buffer;
  shared?: SharedOcspAnswer;
}

export class CaHandle {
  readonly #cas = new Map<string, LoadedCa>();
  #lastRefresh = 0;
  readonly #cache: RevocationCache;

  private constructor(
    private readonly deps: CaDeps,
    readonly policy: CaPolicy,
    /** Per hierarchy: the delegated OCSP responder of its seal-issuing CA, and its TSA. */
    private readonly ocspSigners: Record<Hierarchy, ServiceSigner & { keyHash: Buffer }>,
    private readonly tsaSigners: Record<Hierarchy, ServiceSigner>,
    private readonly auditSigner: { keyId: string; certificate: Buffer },
    private readonly sealMakerSigner: ServiceSigner,
  ) {
    // Several instances on one PostgreSQL without Redis have no channel between them: confirm hits.
    const confirmHits = deps.state?.kind === 'memory' && deps.db.kind === 'pg';
    this.#cache = new RevocationCache(deps.state, confirmHits, deps.onAnnounceFailed);
  }

  /** Stops listening for revocations (the shared state itself is closed by its owner). */
  async close(): Promise<void> {
    await this.#cache.close();
  }

  static async load(deps: CaDeps, policy: CaPolicy): Promise<CaHandle> {
    const signers = await deps.db.query<{ role: string; ca_id: string; key_id: string; certificate: Uint8Array }>(
      'SELECT role, ca_id, key_id, certificate FROM ca_service_signers',
    );
    const get = (role: string) => {
      const r = signers.rows.find((x) => x.role === role);
      if (!r) throw new Error(`the CA has no ${role} signer: run \`seal ca init\``);
      return { keyId: r.key_id, certificate: Buffer.from(r.certificate), caId: r.ca_id };
    };
    const service = async (role: string, profile: ProfileName): Promise<ServiceSigner> => {
      const r = get(role);
      return { ...r, algorithm: await deps.vault.algorithm(r.keyId), hash: policy.profiles[profile].signingHash };
    };
    const ocsp = {} as Record<Hierarchy, ServiceSigner & { keyHash: Buffer }>;
    const tsa = {} as Record<Hierarchy, ServiceSigner>;
    for (const h of HIERARCHY_NAMES) {
      const o = await service(HIERARCHIES[h].signers.ocsp!.role, HIERARCHIES[h].signers.ocsp!.profile);
      ocsp[h] = { ...o, keyHash: keyIdentifier(readCertificate(o.certificate).publicKeyBits) };
      tsa[h] = await service(HIERARCHIES[h].signers.tsa!.role, HIERARCHIES[h].signers.tsa!.profile);
    }
    // The ECDSA TSA signs with the policy's TSA hash (ca/profiles.json "tsa").
    tsa.ECDSA = { ...tsa.ECDSA, hash: policy.tsa.hash };
    const maker = HIERARCHIES.SM2.signers.sealMaker!;
    const handle = new CaHandle(deps, policy, ocsp, tsa, get('audit'), await service(maker.role, maker.profile));
    await handle.#refresh();
    for (const h of HIERARCHY_NAMES) {
      if (!handle.#cas.has(HIERARCHIES[h].rootCaId) || !handle.#cas.has(HIERARCHIES[h].issuingCaId)) throw new Error('the CA is incomplete: run `seal ca init`');
    }
    return handle;
  }

  // ---- CA certificates ----------------------------------------------------------------------

  get rootCertificate(): Buffer {
    return this.#cas.get('root')!.info.certificate;
  }
  get issuingCertificate(): Buffer {
    return this.#cas.get('issuing')!.info.certificate;
  }
  get tsaCertificate(): Buffer {
    return this.tsaSigners.ECDSA.certificate;
  }
  get ocspCertificate(): Buffer {
    return this.ocspSigners.ECDSA.certificate;
  }
  /** The trust anchor of a hierarchy (ECDSA: the same as rootCertificate). */
  rootCertificateOf(h: Hierarchy): Buffer {
    return this.#cas.get(HIERARCHIES[h].rootCaId)!.info.certificate;
  }
  tsaCertificateOf(h: Hierarchy): Buffer {
    return this.tsaSigners[h].certificate;
  }
  /** The seal-maker certificate (制章人, the municipal office) that signs SESeals, and its issuing chain up to the SM2 root. */
  async sealMakerChain(): Promise<Buffer[]> {
    return [this.sealMakerSigner.certificate, ...(await this.chain(this.sealMakerSigner.caId))];
  }
  /**
   * Signs a GB/T 38540 seal data object (the DER of SES_SealInfo) with the seal maker's SM2 key
   * (SM3withSM2, user ID 1234567812345678); returns the DER signature and the maker's certificate.
   */
  async signAsSealMaker(data: Uint8Array, q?: Queryable): Promise<{ signature: Buffer; certificate: Buffer; algorithm: SignatureAlgorithm }> {
    const s = this.sealMakerSigner;
    const vault = q ? this.deps.vault.withQueryable(q) : this.deps.vault;
    const signer: Signer = { vault, keyId: s.keyId, algorithm: s.algorithm, hash: s.hash };
    return { signature: await signWith(signer, data), certificate: s.certificate, algorithm: signatureAlgorithmOf(signer) };
  }
  /**
   * Signs an audit log checkpoint or export trailer with the audit key (ECDSA, SHA-256, DER
   * signature); returns the signer's certificate and its issuer, to be kept beside the signature.
   */
  async signAuditRecord(data: Uint8Array): Promise<{ signature: Buffer; certificates: Buffer[] }> {
    const signature = await this.deps.vault.sign(this.auditSigner.keyId, data, 'SHA-256');
    return { signature, certificates: [this.auditSigner.certificate, this.issuingCertificate] };
  }

  rootPem(h: Hierarchy = 'ECDSA'): string {
    return toPem(this.rootCertificateOf(h));
  }

  /** 404 `unknown-ca` for an id we do not have. */
  async getCa(caId: string): Promise<CaInfo> {
    return (await this.#ca(caId)).info;
  }

  /** The CA certificates from `caId` up to and including the root, DER. */
  async chain(caId = 'issuing', q: Queryable = this.deps.db): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for (let id: string | null = caId; id; ) {
      const ca = await this.#ca(id, q);
      out.push(ca.info.certificate);
      id = ca.info.parentCaId;
    }
    return out;
  }

  /** The profile of seal certificates a CA issues (seal or department seal, in its hierarchy). */
  async profileOfSealIssuer(caId: string, q: Queryable = this.deps.db): Promise<ProfileName> {
    const ca = await this.#ca(caId, q);
    const layout = HIERARCHIES[ca.hierarchy];
    return ca.info.kind === 'department' ? layout.profiles.departmentSeal : layout.profiles.seal;
  }

  /** The seal-issuing CA's id in a hierarchy. */
  issuingCaIdOf(h: Hierarchy): string {
    return HIERARCHIES[h].issuingCaId;
  }

  async chainPem(caId = 'issuing'): Promise<string> {
    return (await this.chain(caId)).map((c) => toPem(c)).join('');
  }

  /** An issuer (certificate + vault signer + constraints), for ceremonies and tests. */
  async issuerOf(caId: string, vault: KeyVault = this.deps.vault, q: Queryable = this.deps.db): Promise<Issuer> {
    const ca = await this.#ca(caId, q);
    return { certificate: ca.info.certificate, signer: this.#signerOf(ca, vault), ...(ca.permittedSubtrees ? { permittedSubtrees: ca.permittedSubtrees } : {}) };
  }

  // ---- issuing ------------------------------------------------------------------------------

  /**
   * 电子印章证书 a seal certificate, under the seal-issuing CA or a unit's department sub-CA.
   * With `tx`, everything (reads, the record) happens in the caller's transaction.
   */
  async issueSealCertificate(req: SealCertificateRequest, tx?: Queryable): Promise<IssuedCertificate> {
    assertCreditCode(req.unitCode);
    const q = tx ?? this.deps.db;
    const vault = tx ? this.deps.vault.withQueryable(tx) : this.deps.vault;
    const issuerCaId = req.issuerCaId ?? HIERARCHIES[req.hierarchy ?? 'ECDSA'].issuingCaId;
    const ca = await this.#ca(issuerCaId, q);
    if (ca.info.kind === 'root') throw new AppError(422, 'invalid-issuer', 'The root CA does not issue seal certificates.');
    const profileName = await this.profileOfSealIssuer(issuerCaId, q);
    const profile = this.policy.profiles[profileName];
    const hashAlg = req.imageHashAlg ?? 'SHA-256';
    if (!isSha2Digest(hashAlg) || req.imageHash.length !== DIGESTS[hashAlg].length) {
      throw new AppError(422, 'invalid-image-hash', 'The seal image hash has the wrong length for its algorithm.');
    }
    const sealImage: SealImageBinding = {
      hashAlg,
      hash: req.imageHash,
      ...(req.widthMm !== undefined ? { widthMm: req.widthMm } : {}),
      ...(req.heightMm !== undefined ? { heightMm: req.heightMm } : {}),
    };
    const subject = fillName(profile.subject, {
      unitName: req.unitName,
      unitCode: req.unitCode,
      sealName: req.sealName,
      // A department seal's OU names its department; a caller that names none gets the seal's name there.
      department: req.department ?? req.sealName,
    });
    const { der, serial } = await issueAndRecord(q, {
      policy: this.policy,
      profile,
      profileName,
      issuerCaId,
      issuer: await this.issuerOf(issuerCaId, vault, q),
      subject,
      subjectPublicKeySpki: req.publicKeySpki,
      now: this.deps.clock.now(),
      urls: publicationUrls(this.deps.config.publicUrl, issuerCaId),
      sealImage,
    });
    const c = readCertificate(der);
    return { serial, certificate: der, issuerCaId, notBefore: c.notBefore, notAfter: c.notAfter, chain: await this.chain(issuerCaId, q) };
  }

  /**
   * The unit's department sub-CA (Art. 17(4)), created on first use: pathLen 0, name constraints
   * permitting only C=CN, O=<unit name>, organizationIdentifier=<code>. Needs the root key in the
   * vault (see ca/README.md: with an offline root this is a ceremony step). A renamed unit gets a
   * new sub-CA, because the old one's constraints name the old name.
   */
  async ensureDepartmentCa(unit: { unitName: string; unitCode: string }, tx?: Queryable, hierarchy: Hierarchy = 'ECDSA'): Promise<CaInfo> {
    assertCreditCode(unit.unitCode);
    const caId = departmentCaId(unit, hierarchy);
    const q = tx ?? this.deps.db;
    const existing = await this.#ca(caId, q).catch((e: unknown) => {
      if (e instanceof AppError && e.type === 'unknown-ca') return null;
      throw e;
    });
    if (existing) {
      const retired = await q.query('SELECT 1 FROM ca_authorities WHERE ca_id = $1 AND retired_at IS NOT NULL', [caId]);
      if (retired.rows.length) throw new AppError(409, 'department-ca-retired', `The department sub-CA for ${unit.unitName} was revoked; it issues nothing more.`);
      return existing.info;
    }
    const create = async (t: Queryable) => {
      await t.query('SELECT pg_advisory_xact_lock($1)', [lockFor(caId)]);
      if ((await t.query('SELECT 1 FROM ca_authorities WHERE ca_id = $1', [caId])).rows.length) return;
      await this.#createDepartmentCa(t, caId, unit, hierarchy);
    };
    if (tx) await create(tx);
    else await this.deps.db.transaction(create);
    return (await this.#ca(caId, q)).info;
  }

  async #createDepartmentCa(tx: Queryable, caId: string, unit: { unitName: string; unitCode: string }, hierarchy: Hierarchy): Promise<void> {
    const layout = HIERARCHIES[hierarchy];
    const profileName = layout.profiles.department;
    const profile = this.policy.profiles[profileName];
    const values = { unitName: unit.unitName, unitCode: unit.unitCode };
    const vault = this.deps.vault.withQueryable(tx);
    const rootCaId = layout.rootCaId;
    const root = await this.issuerOf(rootCaId, vault, tx);
    const key = await vault.generate(profile.keyAlgorithm, { purpose: `ca:department:${unit.unitCode}` });
    const { der, serial } = await issueAndRecord(tx, {
      policy: this.policy,
      profile,
      profileName,
      // An offline root (its wrapped key kept off this database, ca/README.md) cannot sign here.
      onSignError: (e) =>
        e instanceof AppError && (e.type === 'key-destroyed' || e.type === 'key-not-found')
          ? new AppError(503, 'root-key-offline', 'Department sub-CAs are signed by the root key, which is offline here: create it at a root ceremony (`seal ca department`).')
          : e,
      issuerCaId: rootCaId,
      issuer: root,
      subject: fillName(profile.subject, values),
      subjectPublicKeySpki: key.publicKeySpki,
      now: this.deps.clock.now(),
      urls: publicationUrls(this.deps.config.publicUrl, rootCaId),
      nameConstraints: [fillName(profile.nameConstraints!.permitted, values)],
    });
    await tx.query(
      `INSERT INTO ca_authorities (ca_id, kind, parent_ca_id, key_id, cert_serial, certificate, unit_name, unit_code)
       VALUES ($1, 'department', $7, $2, $3, $4, $5, $6)`,
      [caId, key.keyId, serial, der, unit.unitName, unit.unitCode, rootCaId],
    );
  }

  /**
   * Retires the unit's department sub-CA for this name (rename, deregistration): its certificate is
   * revoked under the root in the caller's transaction, and with `destroyKey` its key is marked for
   * destruction, which finishDepartmentCaRetirements() carries out once the sub-CA's last CRL (with
   * every revocation of its seals) is made. Returns the revoked serial, or null when there is none.
   */
  async retireDepartmentCa(
    tx: Queryable,
    unit: { unitName: string; unitCode: string },
    reason: RevocationReason,
    time: Date,
    opts: { destroyKey: boolean },
  ): Promise<string | null> {
    // Both hierarchies: a unit may have an ECDSA and an SM2 department sub-CA under one name.
    let first: string | null = null;
    for (const h of HIERARCHY_NAMES) {
      const r = await tx.query<{ cert_serial: string }>(
        `UPDATE ca_authorities SET retired_at = COALESCE(retired_at, $2), key_destroy_due = key_destroy_due OR $3
          WHERE ca_id = $1 AND kind = 'department' RETURNING cert_serial`,
        [departmentCaId(unit, h), time, opts.destroyKey],
      );
      if (!r.rows[0]) continue;
      await this.revokeWithin(tx, r.rows[0].cert_serial, reason, time);
      first ??= r.rows[0].cert_serial;
    }
    return first;
  }

  /**
   * For every retired department sub-CA whose key is due for destruction: its final CRL is made,
   * then its key destroyed (crypto-shredding). Safe on several instances at once: the conditional
   * update hands each key to exactly one of them. Returns the CA ids finished.
   */
  async finishDepartmentCaRetirements(): Promise<string[]> {
    const due = await this.deps.db.query<{ ca_id: string }>(`SELECT ca_id FROM ca_authorities WHERE key_destroy_due`);
    const done: string[] = [];
    for (const { ca_id } of due.rows) {
      const ca = await this.#ca(ca_id);
      await this.#buildCrl(ca, this.deps.clock.now());
      await this.deps.db.transaction(async (tx) => {
        const claimed = await tx.query<{ key_id: string }>(
          'UPDATE ca_authorities SET key_destroy_due = false WHERE ca_id = $1 AND key_destroy_due RETURNING key_id',
          [ca_id],
        );
        if (claimed.rows[0]) await this.deps.vault.withQueryable(tx).destroy(claimed.rows[0].key_id);
      });
      done.push(ca_id);
    }
    return done;
  }

  // ---- revocation ---------------------------------------------------------------------------

  /**
   * Revokes a certificate (idempotent: revoking again keeps the first time and reason), then
   * invalidates cached OCSP answers and rebuilds the issuer's CRL, so both tell at once.
   */
  async revoke(serial: string, reason: RevocationReason = 'unspecified', time?: Date): Promise<void> {
    const hex = normaliseSerial(serial);
    const changed = await this.deps.db.transaction((tx) => this.revokeWithin(tx, hex, reason, time));
    if (changed) await this.revocationsCommitted([hex]);
  }

  /**
   * The database half of revoke(), inside the caller's transaction. Returns the issuing CA's id when
   * this call revoked it (null when it was already revoked). Call revocationsCommitted() after commit.
   */
  async revokeWithin(tx: Queryable, serial: string, reason: RevocationReason = 'unspecified', time?: Date): Promise<string | null> {
    if (!isRevocationReason(reason)) throw new AppError(422, 'invalid-revocation-reason', `Unknown revocation reason ${String(reason)}.`);
    const hex = normaliseSerial(serial);
    const revokedAt = time ?? this.deps.clock.now();
    const cur = await tx.query<{ issuer_ca_id: string; revoked_at: Date | null }>(
      'SELECT issuer_ca_id, revoked_at FROM ca_certificates WHERE serial = $1 FOR UPDATE',
      [hex],
    );
    const row = cur.rows[0];
    if (!row) throw new AppError(404, 'certificate-not-found', `No certificate with serial ${hex}.`, { serial: hex });
    if (row.revoked_at) return null;
    await tx.query('UPDATE ca_certificates SET revoked_at = $2, revocation_reason = $3 WHERE serial = $1', [hex, revokedAt, reason]);
    await tx.query('UPDATE ca_authorities SET revision = revision + 1 WHERE ca_id = $1', [row.issuer_ca_id]);
    return row.issuer_ca_id;
  }

  /**
   * After the revoking transaction committed: every instance drops the OCSP answers and CRLs it
   * holds in memory (this one at once, the others on the shared channel), then the CRLs are rebuilt.
   */
  async revocationsCommitted(serials: string[]): Promise<void> {
    await this.#cache.announce(serials.map(normaliseSerial), this.policy.ocsp.cacheSeconds * 1000);
    const cas = new Set<string>();
    for (const serial of serials) {
      const st = await this.certificateStatus(serial);
      if (st.issuerCaId) cas.add(st.issuerCaId);
    }
    // Eager rebuild; if it fails (an offline root key), GET /ca/crl/... still answers with the last CRL.
    for (const caId of cas) await this.crl(caId).catch(() => undefined);
  }

  /**
   * Revocation data for embedding (PAdES B-LT): a fresh OCSP response and the issuer's CRL, as far
   * as we can make them. {} for a certificate we did not issue or a root.
   */
  async revocationDataFor(cert: Buffer): Promise<{ ocsp?: Buffer; crl?: Buffer }> {
    let parts: CertificateFields;
    try {
      parts = readCertificate(cert);
    } catch {
      return {};
    }
    if (parts.selfIssued) return {};
    if (this.#findBySubject(parts.issuerDer) === undefined) await this.#refresh();
    const issuer = this.#findBySubject(parts.issuerDer);
    if (!issuer) return {};
    const out: { ocsp?: Buffer; crl?: Buffer } = {};
    const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();
    const hashes = { issuerNameHash: sha1(issuer.parts.subjectDer), issuerKeyHash: sha1(issuer.parts.publicKeyBits) };
    const request: OcspCertRequest = {
      certId: certIdFor(hashes, parts.serial),
      hashAlgOid: OID.sha1,
      hashAlgHasParams: false,
      ...hashes,
      serialHex: parts.serialHex,
    };
    try {
      out.ocsp = (await this.#answerOcsp([request], undefined)).der;
    } catch {
      // e.g. the root key is offline: the CRL has to do
    }
    try {
      out.crl = await this.crl(issuer.info.caId);
    } catch {
      // no CRL available now
    }
    return out;
  }

  #findBySubject(name: Buffer): LoadedCa | undefined {
    return [...this.#cas.values()].find((ca) => ca.parts.subjectDer.equals(name));
  }

  async certificateStatus(serial: string): Promise<CertificateStatus> {
    const r = await this.deps.db.query<{ issuer_ca_id: string; revoked_at: Date | null; revocation_reason: string | null }>(
      'SELECT issuer_ca_id, revoked_at, revocation_reason FROM ca_certificates WHERE serial = $1',
      [normaliseSerial(serial)],
    );
    const row = r.rows[0];
    if (!row) return { status: 'unknown' };
    if (!row.revoked_at) return { status: 'good', issuerCaId: row.issuer_ca_id };
    const reason = isRevocationReason(row.revocation_reason) ? row.revocation_reason : 'unspecified';
    return { status: 'revoked', issuerCaId: row.issuer_ca_id, revokedAt: new Date(row.revoked_at), reason };
  }

  // ---- CRL ----------------------------------------------------------------------------------

  /**
   * The CA's current CRL (DER). Rebuilt when a revocation happened since the last one or it is half
   * way to nextUpdate; numbers come from the database so every instance agrees and they only grow.
   */
  async crl(caId: string): Promise<Buffer> {
    const ca = await this.#ca(caId);
    const now = this.deps.clock.now();
    const held = this.#cache.crl(caId, now.getTime());
    if (held) return held;
    const generation = this.#cache.generation;
    const cur = await this.deps.db.query<{ crl: Uint8Array | null; built_revision: string; this_update: Date | null; revision: string }>(
      `SELECT c.crl, c.built_revision, c.this_update, a.revision
       FROM ca_authorities a LEFT JOIN ca_crls c ON c.ca_id = a.ca_id WHERE a.ca_id = $1`,
      [caId],
    );
    const row = cur.rows[0]!;
    const thisUpdate = row.this_update ? new Date(row.this_update).getTime() : NaN;
    const fresh =
      row.crl &&
      String(row.built_revision) === String(row.revision) &&
      now.getTime() - thisUpdate < this.#rebuildAfterMs(ca) &&
      now.getTime() >= thisUpdate;
    const keep = (der: Buffer, madeAt: number) => {
      this.#cache.putCrl(caId, { der, thisUpdate: madeAt, freshUntil: madeAt + this.#rebuildAfterMs(ca) }, generation);
      return der;
    };
    if (fresh) return keep(Buffer.from(row.crl!), thisUpdate);
    try {
      return keep(await this.#buildCrl(ca, now), now.getTime());
    } catch (e) {
      // The CA key is offline or destroyed: the last CRL made (e.g. at a ceremony) is all we have.
      if (row.crl) return Buffer.from(row.crl);
      if (e instanceof AppError) throw new AppError(503, 'crl-unavailable', `No CRL can be made for CA ${caId} right now.`, { caId });
      throw e;
    }
  }

  #rebuildAfterMs(ca: LoadedCa): number {
    return ca.info.kind === 'root' ? (this.policy.crl.rootValidityDays * 86_400_000) / 2 : this.policy.crl.rebuildAfterHours * 3_600_000;
  }

  async #buildCrl(ca: LoadedCa, now: Date): Promise<Buffer> {
    const db = this.deps.db;
    const caId = ca.info.caId;
    const rev = await db.query<{ revision: string }>('SELECT revision FROM ca_authorities WHERE ca_id = $1', [caId]);
    const number = await db.query<{ crl_number: string }>(
      `INSERT INTO ca_crls (ca_id, crl_number) VALUES ($1, 1)
       ON CONFLICT (ca_id) DO UPDATE SET crl_number = ca_crls.crl_number + 1 RETURNING crl_number`,
      [caId],
    );
    const crlNumber = BigInt(number.rows[0]!.crl_number);
    const revoked = await db.query<{ serial: string; revoked_at: Date; revocation_reason: string | null }>(
      'SELECT serial, revoked_at, revocation_reason FROM ca_certificates WHERE issuer_ca_id = $1 AND revoked_at IS NOT NULL ORDER BY revoked_at, serial',
      [caId],
    );
    const thisUpdate = now;
    const validityMs = ca.info.kind === 'root' ? this.policy.crl.rootValidityDays * 86_400_000 : this.policy.crl.validityHours * 3_600_000;
    const nextUpdate = new Date(now.getTime() + validityMs);
    const der = await buildCrl(
      {
        issuerName: ca.parts.subjectDer,
        issuerKeyId: keyIdentifier(ca.parts.publicKeyBits),
        crlNumber,
        thisUpdate,
        nextUpdate,
        revoked: revoked.rows.map((r) => ({
          serialHex: r.serial,
          revokedAt: new Date(r.revoked_at),
          reason: isRevocationReason(r.revocation_reason) ? r.revocation_reason : 'unspecified',
        })),
      },
      this.#signerOf(ca),
    );
    await db.query(
      `UPDATE ca_crls SET crl = $2, stored_number = $3, built_revision = $4, this_update = $5, next_update = $6
       WHERE ca_id = $1 AND (stored_number IS NULL OR stored_number < $3)`,
      [caId, der, crlNumber.toString(), rev.rows[0]!.revision, thisUpdate, nextUpdate],
    );
    return der;
  }

  // ---- OCSP ---------------------------------------------------------------------------------

  /**
   * RFC 6960 responder: always returns an OCSPResponse (malformedRequest for bad input, never an
   * exception). Answers without a nonce are cached per (issuer, serial, CertID hash) until the
   * next revocation of that serial or the cache TTL; answers with a nonce are signed afresh.
   */
  async ocsp(requestDer: Buffer): Promise<Buffer> {
    return (await this.ocspAnswer(requestDer)).der;
  }

  /**
   * ocsp(), with the answer's lifetime when it is shared: the same request bytes (one certificate,
   * no nonce) get the same signed answer from memory until it expires or any revocation is heard,
   * with no parsing, database read or signature.
   */
  async ocspAnswer(requestDer: Buffer): Promise<OcspAnswer> {
    const key = requestDer.toString('latin1');
    const nowMs = this.deps.clock.now().getTime();
    const hit = this.#cache.ocsp(key, nowMs);
    // Not trusted (a revocation elsewhere may not have reached us): served only while the database agrees.
    if (hit && (this.#cache.trusted || (await this.certificateStatus(hit.serialHex)).status === hit.status)) return { der: hit.der, shared: hit };
    const generation = this.#cache.generation;
    let req;
    try {
      req = parseOcspRequest(requestDer);
    } catch (e) {
      if (e instanceof Asn1Error) return { der: ocspErrorResponse(OCSP_STATUS.malformedRequest) };
      throw e;
    }
    try {
      const answer = await this.#answerOcsp(req.requests, req.nonce);
      if (answer.shared) this.#cache.putOcsp(key, answer.shared, generation);
      return answer;
    } catch (e) {
      if (e instanceof AppError && (e.type === 'key-destroyed' || e.type === 'key-not-found')) return { der: ocspErrorResponse(OCSP_STATUS.unauthorized) };
      return { der: ocspErrorResponse(OCSP_STATUS.internalError) };
    }
  }

  async #answerOcsp(requests: OcspCertRequest[], nonce: Buffer | undefined): Promise<OcspAnswer> {
    const issuers = await Promise.all(requests.map((r) => this.#issuerForCertId(r)));
    // One signer per response: the delegated responder for the seal-issuing CA, else the CA itself.
    const lead = issuers.find((i) => i) ?? this.#cas.get('issuing')!;
    const delegated = lead.info.caId === HIERARCHIES[lead.hierarchy].issuingCaId;
    const responder = this.ocspSigners[lead.hierarchy];
    const signer: Signer = delegated
      ? { vault: this.deps.vault, keyId: responder.keyId, algorithm: responder.algorithm, hash: responder.hash }
      : this.#signerOf(lead);
    const statuses: CertStatus[] = await Promise.all(
      requests.map(async (r, i) => {
        const ca = issuers[i];
        if (!ca || ca.info.caId !== lead.info.caId || r.serialHex.length > 64) return { kind: 'unknown' } as const;
        const st = await this.certificateStatus(r.serialHex);
        if (st.status === 'unknown' || st.issuerCaId !== ca.info.caId) return { kind: 'unknown' } as const;
        if (st.status === 'revoked') return { kind: 'revoked', revokedAt: st.revokedAt!, reason: st.reason! } as const;
        return { kind: 'good' } as const;
      }),
    );
    const now = this.deps.clock.now();
    const producedAt = new Date(Math.floor(now.getTime() / 1000) * 1000); // as encoded: whole seconds
    const nextUpdate = new Date(producedAt.getTime() + this.policy.ocsp.validityMinutes * 60_000);
    const der = await buildOcspResponse(
      {
        responderKeyHash: delegated ? responder.keyHash : keyIdentifier(lead.parts.publicKeyBits),
        producedAt,
        thisUpdate: producedAt,
        nextUpdate,
        responses: requests.map((r, i) => ({ certId: r.certId, status: statuses[i]! })),
        ...(nonce ? { nonce } : {}),
        certs: [delegated ? responder.certificate : lead.info.certificate],
      },
      signer,
    );
    const only = statuses[0]!;
    if (requests.length !== 1 || nonce || only.kind === 'unknown') return { der };
    const expiresAt = new Date(Math.min(producedAt.getTime() + this.policy.ocsp.cacheSeconds * 1000, nextUpdate.getTime()));
    const etag = `"${createHash('sha1').update(der).digest('hex')}"`;
    return { der, shared: { der, status: only.kind, serialHex: requests[0]!.serialHex, producedAt, nextUpdate, expiresAt, etag } };
  }

  async #issuerForCertId(r: OcspCertRequest): Promise<LoadedCa | undefined> {
    const node = HASH_NODE[r.hashAlgOid];
    if (!node) return undefined;
    const name = r.issuerNameHash.toString('hex');
    const key = r.issuerKeyHash.toString('hex');
    const find = () => [...this.#cas.values()].find((ca) => {
      let h = ca.certIdHashes.get(r.hashAlgOid);
      if (!h) {
        h = {
          name: createHash(node).update(ca.parts.subjectDer).digest('hex'),
          key: createHash(node).update(ca.parts.publicKeyBits).digest('hex'),
        };
        ca.certIdHashes.set(r.hashAlgOid, h);
      }
      return h.name === name && h.key === key;
    });
    let found = find();
    // A department CA made by another instance: look again, at most once a second.
    if (!found && Date.now() - this.#lastRefresh > 1000) {
      await this.#refresh();
      found = find();
    }
    return found;
  }

  // ---- TSA ----------------------------------------------------------------------------------

  /**
   * RFC 3161 over HTTP: always a TimeStampResp, a rejection (badRequest, badAlg, badDataFormat,
   * unacceptedPolicy, unacceptedExtension) for anything we cannot stamp.
   */
  async tsaRespond(requestDer: Buffer): Promise<Buffer> {
    let req;
    try {
      req = parseTimeStampReq(requestDer);
    } catch (e) {
      if (e instanceof Asn1Error) return timeStampRejection('badRequest', 'The request is not a DER TimeStampReq.');
      throw e;
    }
    const reject = (f: FailureInfo, text: string) => timeStampRejection(f, text);
    if (req.version !== 1) return reject('badRequest', 'Only version 1 requests are supported.');
    const hashAlg = digestByOid(req.hashAlgOid);
    if (!hashAlg) return reject('badAlg', 'The message imprint hash must be SHA-256, SHA-384, SHA-512 or SM3.');
    if (req.hashedMessage.length !== DIGESTS[hashAlg].length) return reject('badDataFormat', 'The message imprint has the wrong length for its hash.');
    if (req.reqPolicy && req.reqPolicy !== this.policy.policies.timeStamping) return reject('unacceptedPolicy', 'This TSA stamps under its own policy only.');
    if (req.hasExtensions) return reject('unacceptedExtension', 'No request extensions are supported.');
    try {
      return timeStampResponse(await this.#stamp(hashAlg, req.hashedMessage, req.nonce, req.certReq));
    } catch {
      return reject('systemFailure', 'The time-stamp could not be made.');
    }
  }

  /**
   * The in-process TSA (the PDF sealer calls this for B-T): a TimeStampToken (ContentInfo DER) over
   * `messageImprint`. `nonce` is a positive integer's big-endian bytes.
   */
  async timestamp(messageImprint: Buffer, hashAlg: DigestName, nonce?: Buffer, certReq = true): Promise<Buffer> {
    if (!isSha2Digest(hashAlg) && hashAlg !== 'SM3') throw new AppError(422, 'unsupported-hash', `Hash ${String(hashAlg)} is not supported by the TSA.`);
    if (messageImprint.length !== DIGESTS[hashAlg].length) throw new AppError(422, 'invalid-message-imprint', `The imprint must be ${DIGESTS[hashAlg].length} bytes for ${hashAlg}.`);
    if (nonce && (nonce.length === 0 || nonce.length > 32)) throw new AppError(422, 'invalid-nonce', 'A nonce is 1 to 32 bytes.');
    // a positive INTEGER: a leading zero octet when the high bit is set
    const nonceContent = nonce ? Buffer.from(nonce[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), nonce]) : nonce) : undefined;
    return this.#stamp(hashAlg, messageImprint, nonceContent, certReq);
  }

  async #stamp(hashAlg: DigestName, imprint: Buffer, nonce: Buffer | undefined, certReq: boolean): Promise<Buffer> {
    // One statement hands out the serial and a genTime that never goes backwards, shared by all instances.
    const r = await this.deps.db.query<{ last_gen_time: Date; serial: string }>(
      `INSERT INTO ca_tsa_clock (id, last_gen_time, serial) VALUES (1, $1, 1)
       ON CONFLICT (id) DO UPDATE SET last_gen_time = GREATEST(ca_tsa_clock.last_gen_time, EXCLUDED.last_gen_time),
                                      serial = ca_tsa_clock.serial + 1
       RETURNING last_gen_time, serial`,
      [this.deps.clock.now()],
    );
    const genTime = new Date(r.rows[0]!.last_gen_time);
    const tst = encodeTstInfo({
      policyOid: this.policy.policies.timeStamping!,
      hashAlg,
      hashedMessage: imprint,
      serial: BigInt(r.rows[0]!.serial),
      genTime,
      accuracySeconds: this.policy.tsa.accuracySeconds,
      ...(nonce ? { nonce } : {}),
    });
    // An SM3 imprint (an SM2 seal's signature) is stamped by the SM2 TSA, with SM3withSM2; any other by the ECDSA one.
    const tsa = this.tsaSigners[hashAlg === 'SM3' ? 'SM2' : 'ECDSA'];
    const signer: Signer = { vault: this.deps.vault, keyId: tsa.keyId, algorithm: tsa.algorithm, hash: tsa.hash };
    // The TSA certificate and the CAs between it and the root (none when the root issued it).
    const chain = (await this.chain(tsa.caId)).slice(0, -1);
    return buildTimeStampToken(tst, vaultKey(signer), tsa.certificate, certReq ? [tsa.certificate, ...chain] : [], genTime);
  }

  // ---- internals ----------------------------------------------------------------------------

  #signerOf(ca: LoadedCa, vault: KeyVault = this.deps.vault): Signer {
    return { vault, keyId: ca.keyId, algorithm: ca.algorithm, hash: ca.hash };
  }

  /**
   * A CA by id. Read through a caller's transaction it is not cached: that transaction may have
   * just created it and may still roll back.
   */
  async #ca(caId: string, q: Queryable = this.deps.db): Promise<LoadedCa> {
    const hit = this.#cas.get(caId);
    if (hit) return hit;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(caId)) throw new AppError(404, 'unknown-ca', `No CA ${caId}.`, { caId });
    const r = await q.query<AuthorityRow>(
      'SELECT ca_id, kind, parent_ca_id, key_id, certificate, unit_name, unit_code FROM ca_authorities WHERE ca_id = $1',
      [caId],
    );
    if (!r.rows[0]) throw new AppError(404, 'unknown-ca', `No CA ${caId}.`, { caId });
    return this.#load(r.rows[0], q === this.deps.db, q);
  }

  async #refresh(): Promise<void> {
    this.#lastRefresh = Date.now();
    const r = await this.deps.db.query<AuthorityRow>('SELECT ca_id, kind, parent_ca_id, key_id, certificate, unit_name, unit_code FROM ca_authorities');
    for (const row of r.rows) if (!this.#cas.has(row.ca_id)) await this.#load(row, true, this.deps.db);
  }

  async #load(row: AuthorityRow, remember: boolean, q: Queryable): Promise<LoadedCa> {
    const certificate = Buffer.from(row.certificate);
    const algorithm = await (q === this.deps.db ? this.deps.vault : this.deps.vault.withQueryable(q)).algorithm(row.key_id);
    const hierarchy = hierarchyOfKey(algorithm);
    const profile = this.policy.profiles[caProfile(hierarchy, row.kind)];
    const loaded: LoadedCa = {
      info: { caId: row.ca_id, kind: row.kind, parentCaId: row.parent_ca_id, certificate, unitName: row.unit_name, unitCode: row.unit_code },
      keyId: row.key_id,
      parts: readCertificate(certificate),
      algorithm,
      hash: profile.signingHash,
      hierarchy,
      certIdHashes: new Map(),
      ...(row.kind === 'department' && profile.nameConstraints
        ? { permittedSubtrees: [fillName(profile.nameConstraints.permitted, { unitName: row.unit_name ?? '', unitCode: row.unit_code ?? '' })] }
        : {}),
    };
    if (remember) this.#cas.set(row.ca_id, loaded);
    return loaded;
  }
}

/** A delegated signer of the CA (OCSP responder, TSA, seal maker): its vault key, certificate, issuing CA and hash. */
interface ServiceSigner {
  keyId: string;
  certificate: Buffer;
  caId: string;
  algorithm: Awaited<ReturnType<KeyVault['algorithm']>>;
  hash: DigestName;
}

export { publicationUrls };

/** Accepts hex with or without colons/0x and leading zeros; returns our canonical form. */
export function normaliseSerial(serial: string): string {
  const hex = serial.trim().toLowerCase().replace(/^0x/, '').replace(/:/g, '');
  if (!/^[0-9a-f]{1,64}$/.test(hex)) throw new AppError(422, 'invalid-serial', 'A certificate serial is hexadecimal.');
  // canonical form = serialHex(): even length, no leading zero octets
  const even = hex.length % 2 ? '0' + hex : hex;
  return even.replace(/^(00)+(?=..)/, '');
}
