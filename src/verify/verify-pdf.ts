/**
 * verifyPdf: bytes and trust anchors in, report out. Pure: no database, no configuration, no
 * network unless `online` is given. Each signature (each SignerInfo of a signature's CMS) and each
 * document time-stamp is judged on its own, at the validation time (`now`, "--at"); the document is
 * valid only when every one of them is VALID.
 *
 * Statuses follow ETSI EN 319 102-1: INVALID only for what is proven wrong, INDETERMINATE for what cannot
 * be decided (no trust anchor, no revocation data, a weak or unknown algorithm, an expired certificate
 * without proof of existence from an archive time-stamp).
 */
import { AppError, unprocessable } from '../errors.js';
import { LimitExceeded } from '../limits.js';
import { budgetOf } from '../pdf/budget.js';
import { readPdf, type PdfFile } from '../pdf/reader.js';
import { recoverStructure } from '../pdf/recover.js';
import { ArchiveTimestamps, expiredIn, pathExpiry, type ArchiveStamp } from './archive.js';
import { attributeOf, parseCertificate, type ParsedCertificate } from './certificate.js';
import { validateChain } from './chain.js';
import { readDss, type DssData } from './dss-data.js';
import { analyseRevision, type RevisionAnalysis } from './modifications.js';
import { certificationOf, fieldLockOf, permitted, type Certification } from './permissions.js';
import { N, parsePdfDate, textOf } from './pdf-objects.js';
import { checkByteRange, findSignatures, type FoundSignature } from './pdf-signatures.js';
import { checkRevocation } from './revocation.js';
import { checkRidingSeal } from './riding.js';
import { boundImageOf, checkSealImage } from './seal-image.js';
import { checkSESeal, checkSesIntegrity, checkSesSignatureValue, readSes, SES_SUBFILTER, type SesReading } from './ses.js';
import { CmsParseError, parseSignedData, verifySignerInfo, withSigner, type ParsedSignedData, type SignedContent } from './signed-data.js';
import { digest, weakCertificate, type HashName } from './signature-algorithms.js';
import { verifyTimestampToken, type TimestampResult } from './timestamp.js';
import { unaccountedBytes, type UnaccountedBytes } from './trailing-bytes.js';
import type { ModificationReport, PadesLevel, SignatureReport, SignatureStatus, VerificationReport, VerifyOptions } from './types.js';

export type { VerifyOptions, VerificationReport, SignatureReport } from './types.js';

type Severity = 'INVALID' | 'INDETERMINATE';
interface Problem { severity: Severity; reason: string; detail: string }

/** Subfilters whose CMS must not carry the signed content (ISO 32000-1 §12.8.3.3, ETSI EN 319 142-1). */
const DETACHED = new Set(['adbe.pkcs7.detached', 'ETSI.CAdES.detached']);
/** A claimed or stamped time this far after the validation time means the signature did not exist yet. */
const CLOCK_SKEW_MS = 5 * 60_000;

function signerReport(cert: ParsedCertificate): SignatureReport['signer'] {
  return {
    unit: attributeOf(cert.pkijs.subject, '2.5.4.10') ?? '',
    seal: attributeOf(cert.pkijs.subject, '2.5.4.3') ?? '',
    certificateSerial: cert.serialHex,
    subject: cert.subjectText,
    issuer: cert.issuerText,
  };
}

export async function verifyPdf(bytes: Uint8Array, opts: VerifyOptions): Promise<VerificationReport> {
  let anchors: ParsedCertificate[];
  try {
    anchors = opts.trustAnchors.map((a) => parseCertificate(a));
  } catch {
    throw new AppError(400, 'invalid-trust-anchor', 'A trust anchor is not a DER certificate.');
  }
  let pdf: PdfFile;
  try {
    // A validator must read what viewers read: a broken last startxref or xref section is recovered by scanning.
    pdf = readPdf(bytes, { recover: recoverStructure });
  } catch (e) {
    if (e instanceof AppError && e.type === 'encrypted-pdf') {
      throw unprocessable('encrypted-pdf', 'The PDF is encrypted; only unencrypted documents can be verified.');
    }
    if (e instanceof AppError && e.type !== 'unsealable-pdf') throw e;
    throw unprocessable('unverifiable-pdf', 'The PDF structure could not be read.');
  }
  let found: FoundSignature[];
  try {
    found = findSignatures(pdf);
  } catch (e) {
    if (e instanceof LimitExceeded) throw e;
    throw unprocessable('unverifiable-pdf', 'The PDF form structure could not be read.');
  }
  const ctx = new Context(pdf, anchors, opts);
  await ctx.verifyDocumentTimestamps(found);
  const reports: SignatureReport[] = [];
  for (const s of found) {
    try {
      reports.push(...(await ctx.verifyField(s)));
    } catch (e) {
      // A limit passed in the document's structure refuses the whole document (422 document-too-complex).
      if (e instanceof LimitExceeded && e.limit.scope === 'document') throw e;
      // A signature whose structures break the verifier is not a valid signature; never a 500.
      reports.push(ctx.broken(s, e));
    }
  }
  // A document limit passed where an analysis swallowed the error (an unreadable object read as "unknown"):
  // the report would rest on a partial reading, so the document is refused as a whole.
  const tripped = budgetOf(pdf.context).tripped;
  if (tripped) throw tripped;
  // Revision order; signatures too broken to place in a revision (-1) come last.
  const order = (r: SignatureReport) => (r.revision < 0 ? Number.MAX_SAFE_INTEGER : r.revision);
  reports.sort((a, b) => order(a) - order(b) || (a.signerInfo ?? 0) - (b.signerInfo ?? 0));
  return {
    valid: reports.length > 0 && reports.every((r) => r.status === 'VALID'),
    signatures: reports,
    revisions: pdf.revisions.length,
    validationTime: ctx.at.toISOString(),
    ...(pdf.recovered ? { recovered: true } : {}),
  };
}

interface Common {
  revision: number;
  coversWholeDocument: boolean;
  modificationsAfter: ModificationReport[];
  byteRange: [number, number, number, number];
}

class Context {
  readonly dss: DssData;
  /** The validation time. */
  readonly at: Date;
  readonly allowRsa: boolean;
  private readonly changes = new Map<number, RevisionAnalysis>();
  /** The document's certification (DocMDP) and the revision its signature signed. */
  private certification: (Certification & { revision: number }) | undefined;
  private readonly trailing: UnaccountedBytes | undefined;
  private readonly stamps = new Map<FoundSignature, ArchiveStamp>();
  private archive!: ArchiveTimestamps;
  private readonly extraOcsps: Buffer[];
  private readonly extraCrls: Buffer[];

  constructor(readonly pdf: PdfFile, readonly anchors: ParsedCertificate[], readonly opts: VerifyOptions) {
    this.dss = readDss(pdf);
    // Outside evidence joins the DSS pool (it does not change the level: that is about what the document holds).
    for (const c of opts.evidence?.certificates ?? []) try { this.dss.certs.push(parseCertificate(c)); } catch { /* skip */ }
    this.extraOcsps = opts.evidence?.ocsps ?? [];
    this.extraCrls = opts.evidence?.crls ?? [];
    this.at = opts.now ?? new Date();
    this.allowRsa = opts.allowRsa !== false;
    this.trailing = unaccountedBytes(pdf);
  }

  /** Verifies the document time-stamps first: every signature's archive evidence depends on them. */
  async verifyDocumentTimestamps(found: FoundSignature[]): Promise<void> {
    const pdf = this.pdf;
    const certification = certificationOf(pdf);
    for (const s of found) {
      const br = checkByteRange(pdf, s);
      if (!br.ok) continue;
      if (certification && s.sigRef?.tag === certification.sigRef) this.certification = { ...certification, revision: br.revision };
      if (s.kind === 'document-timestamp') {
        const result = await verifyTimestampToken(br.cms, (h) => this.hashRanges(br.ranges, h), this.tsContext());
        this.stamps.set(s, { revision: br.revision, result });
      }
    }
    this.archive = new ArchiveTimestamps([...this.stamps.values()], this.at);
  }

  private tsContext() {
    return { anchors: this.anchors, pool: this.dss.certs, allowRsa: this.allowRsa };
  }

  private hashRanges(ranges: [number, number][], hash: HashName): Buffer {
    return digest(hash, this.rangeParts(ranges));
  }

  private rangeParts(ranges: [number, number][]): Uint8Array[] {
    return ranges.map(([s, l]) => this.pdf.bytes.subarray(s, s + l));
  }

  private changesOf(r: number): RevisionAnalysis {
    let c = this.changes.get(r);
    if (!c) {
      try {
        c = analyseRevision(this.pdf, r);
      } catch {
        c = { revision: r, level: 'other', entries: [{ revision: r, kind: 'unreadable-revision', level: 'other' }] };
      }
      this.changes.set(r, c);
    }
    return c;
  }

  private describeDisallowed(m: ModificationReport, lock: ((f: string) => boolean) | undefined): string {
    const objects = m.objects?.length ? ` (object ${m.objects.join(', ')})` : '';
    if (m.kind === 'unaccounted-bytes') {
      return `${this.trailing!.length} bytes after the last %%EOF at offset ${this.trailing!.start} are not accounted for by any cross-reference section${objects}`;
    }
    if (m.level === 'other') return `revision ${m.revision} changes ${m.kind}${objects} after this signature`;
    const locked = lock && m.fields?.filter(lock);
    if (locked?.length) return `revision ${m.revision} changes ${m.kind} of field ${locked.join(', ')}, which this signature locks (FieldMDP)`;
    return `revision ${m.revision} changes ${m.kind} (${m.level}), which the certification (DocMDP P=${this.certification?.p}) does not permit`;
  }

  broken(s: FoundSignature, e: unknown): SignatureReport {
    if (e instanceof LimitExceeded) {
      return this.report(s, { problems: [{ severity: 'INDETERMINATE', reason: 'document-too-complex', detail: e.message }], revision: -1 });
    }
    const detail = e instanceof AppError ? e.message : 'the signature structures could not be processed';
    return this.report(s, { problems: [{ severity: 'INVALID', reason: 'malformed-signature', detail }], revision: -1 });
  }

  private report(
    s: FoundSignature,
    r: Partial<Omit<SignatureReport, 'problems' | 'checks'>> & { problems: Problem[]; revision: number; checks?: Partial<SignatureReport['checks']> },
  ): SignatureReport {
    const invalid = r.problems.filter((p) => p.severity === 'INVALID');
    const first = invalid[0] ?? r.problems[0];
    const status: SignatureStatus = invalid.length ? 'INVALID' : r.problems.length ? 'INDETERMINATE' : 'VALID';
    const ordered = [...invalid, ...r.problems.filter((p) => p.severity !== 'INVALID')];
    return {
      field: s.fieldName,
      kind: s.kind,
      ...(r.signerInfo !== undefined ? { signerInfo: r.signerInfo } : {}),
      status,
      reason: first?.reason ?? 'ok',
      ...(first ? { detail: first.detail } : {}),
      problems: ordered.map((p) => ({ reason: p.reason, detail: p.detail })),
      ...(r.level ? { level: r.level } : {}),
      format: r.format ?? 'cades',
      ...(s.subFilter ? { subFilter: s.subFilter } : {}),
      ...(r.byteRange ? { byteRange: r.byteRange } : {}),
      ...(r.riding ? { riding: r.riding, ridingPages: r.ridingPages } : {}),
      ...(r.signer ? { signer: r.signer } : {}),
      ...(r.signedAt ? { signedAt: r.signedAt } : {}),
      ...(r.timeSource ? { timeSource: r.timeSource } : {}),
      coversWholeDocument: r.coversWholeDocument ?? false,
      revision: r.revision,
      modificationsAfter: r.modificationsAfter ?? [],
      checks: {
        integrity: null, signature: null, chain: null, revocation: null, timestamp: null, sealImage: null, modifications: null,
        ...r.checks,
      },
    };
  }

  /** The reports for one signature field: one per SignerInfo of its CMS (one for a document time-stamp). */
  async verifyField(s: FoundSignature): Promise<SignatureReport[]> {
    const pdf = this.pdf;
    const checks: Partial<SignatureReport['checks']> = {};
    const br = checkByteRange(pdf, s);
    if (!br.ok) {
      checks.integrity = false;
      return [this.report(s, { problems: [{ severity: 'INVALID', reason: br.reason, detail: br.detail }], revision: -1, checks })];
    }
    const revision = br.revision;
    const coversWholeDocument = br.coversWholeDocument && !this.trailing;
    // A GB/T 38540 SES_Signature stands under its own SubFilter; everything else is a CMS.
    let ses: Extract<SesReading, { ok: true }> | undefined;
    let parsed: ParsedSignedData | undefined;
    if (s.kind === 'signature' && s.subFilter === SES_SUBFILTER) {
      const r = readSes(br.cms);
      if (!r.ok) {
        checks.integrity = false;
        return [this.report(s, { problems: [r.problem], revision, checks, coversWholeDocument, format: 'ses' })];
      }
      ses = r;
    } else {
      try {
        parsed = parseSignedData(br.cms);
      } catch (e) {
        if (e instanceof LimitExceeded) {
          return [this.report(s, { problems: [{ severity: 'INDETERMINATE', reason: 'document-too-complex', detail: e.message }], revision, checks, coversWholeDocument })];
        }
        checks.integrity = false;
        const detail = e instanceof CmsParseError ? `the CMS signature cannot be read: ${e.message}` : 'the CMS signature cannot be read';
        return [this.report(s, { problems: [{ severity: 'INVALID', reason: 'cms-malformed', detail }], revision, checks, coversWholeDocument })];
      }
    }

    // Changes after this revision (analysed once per revision), then compared with what was permitted.
    const modificationsAfter: ModificationReport[] = [];
    const lock = fieldLockOf(pdf, s.sig);
    for (let r = revision + 1; r < pdf.revisions.length; r++) {
      for (const e of this.changesOf(r).entries) modificationsAfter.push({ ...e, allowed: permitted(e, this.certification, lock) });
    }
    if (this.trailing) {
      modificationsAfter.push({
        revision: pdf.revisions.length, kind: 'unaccounted-bytes', level: 'other', allowed: false,
        ...(this.trailing.objects.length ? { objects: this.trailing.objects } : {}),
      });
    }
    const problems: Problem[] = [];
    const disallowed = modificationsAfter.filter((m) => !m.allowed);
    checks.modifications = disallowed.length === 0;
    for (const m of disallowed) problems.push({ severity: 'INVALID', reason: 'disallowed-modification', detail: this.describeDisallowed(m, lock) });

    const [[b0, l0], [b1, l1]] = br.ranges as [[number, number], [number, number]];
    const common: Common = { revision, coversWholeDocument, modificationsAfter, byteRange: [b0, l0, b1, l1] };
    if (s.kind === 'document-timestamp') return [this.verifyDocTimestamp(s, problems, checks, common)];
    if (ses) return [await this.verifySes(s, ses, br.ranges, problems, checks, common)];
    if (!parsed) throw new Error('unreachable: neither SES nor CMS');

    // A detached signature signs the byte ranges; content inside the CMS would be something else signed.
    if (s.subFilter && DETACHED.has(s.subFilter) && parsed.eContent !== undefined) {
      problems.unshift({ severity: 'INVALID', reason: 'encapsulated-content', detail: `a ${s.subFilter} signature must not carry encapsulated content (${parsed.eContent.length} bytes found)` });
      checks.integrity = false;
      return [this.report(s, { problems, checks, ...common })];
    }
    const several = parsed.signerInfos.length > 1;
    const out: SignatureReport[] = [];
    for (let i = 0; i < parsed.signerInfos.length; i++) {
      out.push(await this.verifySigner(s, withSigner(parsed, i), several ? i : undefined, br.ranges, [...problems], { ...checks }, common));
    }
    return out;
  }

  private async verifySigner(
    s: FoundSignature, parsed: ParsedSignedData, signerInfo: number | undefined, ranges: [number, number][],
    problems: Problem[], checks: Partial<SignatureReport['checks']>, common: Common,
  ): Promise<SignatureReport> {
    const pdf = this.pdf;
    // An SM2 CMS (SM3withSM2, GM/T 0010) is reported as such; every other CMS is CAdES.
    const format = parsed.digestAlgorithm === 'SM3' ? ('cms-sm2' as const) : ('cades' as const);
    const base = { ...common, format, ...(signerInfo !== undefined ? { signerInfo } : {}) };
    const signerCert = parsed.signer;
    const signer = signerCert ? signerReport(signerCert) : undefined;
    const withSignerReport = signer ? { signer } : {};

    // Digest and CMS signature.
    if (!parsed.digestAlgorithm) {
      problems.unshift({ severity: 'INDETERMINATE', reason: 'crypto-constraints', detail: `unsupported digest algorithm ${parsed.digestAlgorithmOid}` });
      return this.report(s, { problems, checks, ...base, ...withSignerReport });
    }
    let content: SignedContent;
    if (s.subFilter === 'adbe.pkcs7.sha1') {
      // ISO 32000-1 §12.8.3.3.1: the CMS encapsulates the SHA-1 digest of the byte ranges, and signs that.
      const rangesDigest = this.hashRanges(ranges, 'SHA-1');
      if (!parsed.eContent || !parsed.eContent.equals(rangesDigest)) {
        checks.integrity = false;
        problems.unshift({ severity: 'INVALID', reason: 'digest-mismatch', detail: 'the encapsulated SHA-1 digest differs from the digest of the signed bytes' });
        return this.report(s, { problems, checks, ...base, ...withSignerReport });
      }
      content = { digest: digest(parsed.digestAlgorithm, parsed.eContent), parts: [parsed.eContent] };
      problems.push({ severity: 'INDETERMINATE', reason: 'crypto-constraints', detail: 'adbe.pkcs7.sha1 signs a SHA-1 digest of the document, which is too weak to rely on' });
    } else {
      content = { digest: this.hashRanges(ranges, parsed.digestAlgorithm), parts: this.rangeParts(ranges) };
    }
    const strict = s.subFilter === 'ETSI.CAdES.detached';
    const sig = await verifySignerInfo(parsed, content, { requireSigningCertificate: strict, requireSignedAttributes: strict, allowRsa: this.allowRsa });
    checks.integrity = sig.ok || sig.reason !== 'message-digest-mismatch';
    checks.signature = sig.ok;
    if (!sig.ok) {
      if (sig.reason === 'unsupported-algorithm') {
        checks.signature = null;
        problems.unshift({ severity: 'INDETERMINATE', reason: 'crypto-constraints', detail: `unsupported algorithm ${sig.detail.split(':')[0]}: the signature cannot be checked` });
      } else {
        const reason = sig.reason === 'message-digest-mismatch' ? 'digest-mismatch' : sig.reason;
        problems.unshift({ severity: 'INVALID', reason, detail: sig.detail });
      }
      return this.report(s, { problems, checks, ...base, ...withSignerReport });
    }
    if (sig.weak) problems.push({ severity: 'INDETERMINATE', reason: 'crypto-constraints', detail: `the signature uses ${sig.weak}, which is too weak to rely on (${sig.algorithm})` });
    return this.judge(
      s,
      { leaf: signerCert!, certificates: parsed.certificates, signatureValue: parsed.signatureValue, timestampToken: parsed.signatureTimestampToken, claimedSigningTime: parsed.claimedSigningTime },
      problems, checks, base, withSignerReport,
    );
  }

  /**
   * A GB/T 38540 SES_Signature: dataHash and propertyInfo against the ByteRange, the signer's SM2
   * signature, then what every signature gets (judge), with the SESeal's own checks at the signing time:
   * the maker's signature and chain, the seal's validity, the signer listed, and its picture on the page.
   */
  private async verifySes(
    s: FoundSignature, r: Extract<SesReading, { ok: true }>, ranges: [number, number][],
    problems: Problem[], checks: Partial<SignatureReport['checks']>, common: Common,
  ): Promise<SignatureReport> {
    const base = { ...common, format: 'ses' as const };
    const withSignerReport = { signer: signerReport(r.signer) };
    const integrity = checkSesIntegrity(r.ses, this.rangeParts(ranges), common.byteRange);
    checks.integrity = integrity.length === 0;
    if (integrity.length) {
      problems.unshift(...integrity);
      return this.report(s, { problems, checks, ...base, ...withSignerReport });
    }
    const sig = await checkSesSignatureValue(r);
    checks.signature = sig.unsupported ? null : sig.ok;
    if (!sig.ok) {
      problems.unshift(sig.unsupported
        ? { severity: 'INDETERMINATE', reason: 'crypto-constraints', detail: `${sig.detail}: the signature cannot be checked` }
        : { severity: 'INVALID', reason: 'signature-invalid', detail: sig.detail });
      return this.report(s, { problems, checks, ...base, ...withSignerReport });
    }
    const evidence = { leaf: r.signer, certificates: [r.signer, r.maker], signatureValue: r.ses.signature, timestampToken: r.ses.timeStamp, claimedSigningTime: r.ses.timeInfo };
    return this.judge(s, evidence, problems, checks, base, withSignerReport, async (signedAt) => {
      const found = await checkSESeal(r, signedAt);
      const maker = await validateChain(r.maker, [r.maker, ...this.dss.certs], this.anchors, { at: signedAt, leafKeyUsage: ['digitalSignature'], allowRsa: this.allowRsa });
      if (!maker.ok) {
        found.push({ severity: maker.reason === 'chain-untrusted' ? 'INDETERMINATE' : 'INVALID', reason: `seal-maker-${maker.reason}`, detail: `the seal maker's certificate: ${maker.detail}` });
      }
      checks.seseal = found.every((p) => p.severity !== 'INVALID') && maker.ok ? true : found.some((p) => p.severity === 'INVALID') ? false : null;
      problems.push(...found);
      // The picture the seal maker signed is the one on the page.
      if (!r.pictureHash) {
        problems.push({ severity: 'INVALID', reason: 'seseal-picture-unreadable', detail: 'the SESeal picture is not a PNG this verifier decodes' });
        checks.sealImage = false;
      } else {
        const img = checkSealImage(this.pdf, s.widgetRefs, common.revision, { hash: r.pictureHash });
        if (!img.ok) {
          checks.sealImage = false;
          problems.push({ severity: 'INVALID', reason: img.reason === 'seal-image-mismatch' ? 'seseal-picture-mismatch' : img.reason, detail: `the SESeal picture: ${img.detail}` });
        }
      }
    });
  }

  /**
   * What every signature whose own signature verified gets: its time (a signature time-stamp over the
   * signature value, else the claimed time), its chain and revocation at that time, long-term proof,
   * the seal image bound in its certificate and a riding seal's slices. `more` adds format-specific
   * checks that need the signing time.
   */
  private async judge(
    s: FoundSignature,
    parsed: { leaf: ParsedCertificate; certificates: ParsedCertificate[]; signatureValue: Buffer; timestampToken?: Buffer; claimedSigningTime?: Date },
    problems: Problem[], checks: Partial<SignatureReport['checks']>,
    base: Common & { format: SignatureReport['format']; signerInfo?: number }, withSignerReport: { signer?: SignatureReport['signer'] },
    more?: (signedAt: Date) => Promise<void>,
  ): Promise<SignatureReport> {
    const pdf = this.pdf;
    const common = base;
    const leaf = parsed.leaf;

    // Time: a valid signature time-stamp, else the claimed /M.
    let signedAt: Date | undefined;
    let timeSource: 'timestamp' | 'claimed' = 'claimed';
    let level: PadesLevel = 'B-B';
    let tsPath: ParsedCertificate[] | undefined;
    if (parsed.timestampToken) {
      const ts = await verifyTimestampToken(parsed.timestampToken, (h) => digest(h, parsed.signatureValue), this.tsContext());
      checks.timestamp = ts.ok;
      if (ts.ok) {
        signedAt = ts.genTime;
        timeSource = 'timestamp';
        level = 'B-T';
        tsPath = ts.path;
        if (ts.weak) problems.push({ severity: 'INDETERMINATE', reason: 'crypto-constraints', detail: `the signature time-stamp uses ${ts.weak}` });
      } else {
        problems.push({ severity: ts.reason === 'timestamp-untrusted' ? 'INDETERMINATE' : 'INVALID', reason: ts.reason, detail: ts.detail });
      }
    }
    const claimed = parsePdfDate(textOf(s.sig.get(N('M')))) ?? parsed.claimedSigningTime;
    if (!signedAt) signedAt = claimed ?? this.at;
    if (timeSource === 'timestamp' && claimed && claimed.getTime() > signedAt.getTime() + CLOCK_SKEW_MS) {
      problems.push({ severity: 'INVALID', reason: 'claimed-time-after-timestamp', detail: `/M ${claimed.toISOString()} is after the time-stamp ${signedAt.toISOString()}` });
    }
    if (timeSource === 'timestamp' && signedAt.getTime() > this.at.getTime() + CLOCK_SKEW_MS) {
      problems.push({ severity: 'INDETERMINATE', reason: 'signed-after-validation-time', detail: `the signature was time-stamped ${signedAt.toISOString()}, after the validation time ${this.at.toISOString()}` });
    }

    // Chain at the signing time.
    const pool = [...parsed.certificates, ...this.dss.certs];
    const chain = await validateChain(leaf, pool, this.anchors, {
      at: signedAt, leafKeyUsage: ['digitalSignature', 'nonRepudiation'], allowRsa: this.allowRsa,
    });
    checks.chain = chain.ok;
    if (!chain.ok) {
      problems.push({ severity: chain.reason === 'chain-untrusted' ? 'INDETERMINATE' : 'INVALID', reason: chain.reason, detail: chain.detail });
    } else {
      const weakLink = chain.path.slice(0, -1).map(weakCertificate).find(Boolean);
      if (weakLink) problems.push({ severity: 'INDETERMINATE', reason: 'crypto-constraints', detail: `the certificate path uses ${weakLink}` });
      if (timeSource === 'claimed' && !this.archive.poe(common.revision)) {
        // Without a proven time, the certificate must also be valid at the validation time (the claim alone proves nothing).
        const expired = expiredIn(chain.path, this.at);
        if (expired) {
          checks.chain = false;
          problems.push({ severity: 'INDETERMINATE', reason: 'certificate-expired-no-proof-of-time', detail: `${expired.subjectText} is not valid at ${this.at.toISOString()}; the signing time is only claimed` });
        }
      }
    }

    // Revocation of every certificate below the anchor, at the signing time.
    let evidenceRevision = common.revision;
    if (chain.ok) {
      const path = chain.path;
      const states: boolean[] = [];
      for (let i = 0; i + 1 < path.length; i++) {
        const cert = path[i]!;
        const issuer = path[i + 1]!;
        const st = await checkRevocation(cert, issuer, {
          ocsps: [...this.dss.ocsps, ...this.extraOcsps], crls: [...this.dss.crls, ...this.extraCrls], pool: this.dss.certs,
          at: signedAt, allowRsa: this.allowRsa,
          online: this.opts.online ?? false,
        });
        if (st.status === 'not-applicable') continue;
        if (st.status === 'unknown') {
          states.push(false);
          problems.push({ severity: 'INDETERMINATE', reason: 'revocation-unknown', detail: st.detail });
          continue;
        }
        const added = this.dss.addedIn.get(st.evidence);
        if (added !== undefined) evidenceRevision = Math.max(evidenceRevision, added);
        if (st.status === 'good') { states.push(true); continue; }
        if (st.revokedAt.getTime() <= signedAt.getTime()) {
          states.push(false);
          problems.push({ severity: 'INVALID', reason: 'revoked-before-signing', detail: `${cert.subjectText} was revoked ${st.revokedAt.toISOString()} (${st.reason}), before the signing time ${signedAt.toISOString()}` });
        } else if (timeSource === 'timestamp') {
          states.push(true); // revoked after a proven signing time: the signature stays valid
        } else {
          states.push(false);
          problems.push({ severity: 'INDETERMINATE', reason: 'revoked-signing-time-unproven', detail: `${cert.subjectText} was revoked ${st.revokedAt.toISOString()}; the signing time is only claimed` });
        }
      }
      checks.revocation = states.length ? states.every(Boolean) : null;
      if (level === 'B-T' && states.length && this.dss.revision !== undefined && this.dss.revision > common.revision && (this.dss.ocsps.length || this.dss.crls.length)) {
        level = 'B-LT';
        if ([...this.stamps.values()].some((st) => st.revision > this.dss.revision!)) level = 'B-LTA';
      }

      // Long-term: certificates that expired before the validation time need a proof that the signature and
      // its validation data existed while they were valid — an archive time-stamp relied on at that time.
      const expired = expiredIn(path, this.at) ?? (tsPath && expiredIn(tsPath, this.at));
      if (expired && timeSource === 'timestamp') {
        const poe = this.archive.poe(evidenceRevision);
        const deadline = Math.min(pathExpiry(path).getTime(), tsPath ? pathExpiry(tsPath).getTime() : Infinity);
        if (!poe || poe.getTime() > deadline) {
          problems.push({
            severity: 'INDETERMINATE', reason: 'out-of-bounds-no-poe',
            detail: `${expired.subjectText} expired ${expired.notAfter.toISOString()}, before the validation time ${this.at.toISOString()}, ` +
              (poe ? `and the archive time-stamp of ${poe.toISOString()} came after that` : 'and no archive time-stamp valid at that time covers the signature and its validation data'),
          });
        }
      }
    }

    if (more) await more(signedAt);

    // Seal image.
    const bound = boundImageOf(leaf);
    if (bound === 'malformed') {
      checks.sealImage = false;
      problems.push({ severity: 'INVALID', reason: 'seal-image-binding-malformed', detail: 'the seal certificate has an unreadable image binding' });
    } else if (bound) {
      const img = checkSealImage(pdf, s.widgetRefs, common.revision, bound);
      checks.sealImage = img.ok;
      if (!img.ok) problems.push({ severity: 'INVALID', reason: img.reason, detail: img.detail });
    }

    // Riding seal: every page still carries its slice.
    const riding = checkRidingSeal(pdf, s, common.revision);
    if (riding) {
      checks.ridingSlices = riding.missing.length === 0;
      for (const m of riding.missing) problems.push({ severity: 'INVALID', reason: 'riding-slice-missing', detail: m.detail });
    }

    return this.report(s, {
      problems, checks, ...base, level, ...withSignerReport, signedAt: signedAt.toISOString(), timeSource,
      ...(riding ? { riding: true as const, ridingPages: riding.pages } : {}),
    });
  }

  private verifyDocTimestamp(s: FoundSignature, problems: Problem[], checks: Partial<SignatureReport['checks']>, common: Common): SignatureReport {
    const stamp = this.stamps.get(s)!;
    const ts: TimestampResult = stamp.result;
    checks.integrity = ts.ok || ts.reason !== 'timestamp-imprint-mismatch';
    checks.timestamp = ts.ok;
    if (!ts.ok) {
      const reason = ts.reason === 'timestamp-imprint-mismatch' ? 'digest-mismatch' : ts.reason;
      problems.unshift({ severity: ts.reason === 'timestamp-untrusted' ? 'INDETERMINATE' : 'INVALID', reason, detail: ts.detail });
    } else {
      checks.signature = true;
      checks.chain = true;
      if (ts.weak) problems.push({ severity: 'INDETERMINATE', reason: 'crypto-constraints', detail: `the time-stamp uses ${ts.weak}` });
      if (!this.archive.trusted(stamp)) {
        const expired = expiredIn(ts.path, this.at)!;
        checks.chain = false;
        problems.push({
          severity: 'INDETERMINATE', reason: 'out-of-bounds-no-poe',
          detail: `the time-stamp authority's certificate ${expired.subjectText} is not valid at the validation time ${this.at.toISOString()}, and no later archive time-stamp renews it`,
        });
      }
    }
    return this.report(s, {
      problems, checks, ...common, level: 'B-LTA',
      ...(ts.ok ? { signer: signerReport(ts.tsa), signedAt: ts.genTime.toISOString(), timeSource: 'timestamp' as const } : {}),
    });
  }
}
