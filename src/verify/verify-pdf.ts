/**
 * verifyPdf: bytes and trust anchors in, report out. Pure: no database, no configuration, no
 * network unless `online` is given. Each signature and document time-stamp is judged on its own;
 * the document is valid only when every one of them is VALID.
 */
import { PDFObject, PDFRawStream, PDFRef } from 'pdf-lib';
import { AppError, unprocessable } from '../errors.js';
import { decodeStream, readPdf, type PdfFile } from '../pdf/reader.js';
import { attributeOf, parseCertificate, type ParsedCertificate } from './certificate.js';
import { validateChain } from './chain.js';
import { analyseRevision, type RevisionChanges } from './modifications.js';
import { N, nameOf, parsePdfDate, textOf } from './pdf-objects.js';
import { checkByteRange, findSignatures, type FoundSignature } from './pdf-signatures.js';
import { checkRevocation } from './revocation.js';
import { checkRidingSeal } from './riding.js';
import { boundImageOf, checkSealImage } from './seal-image.js';
import { CmsParseError, parseSignedData, verifySignerInfo, type ParsedSignedData } from './signed-data.js';
import { digest } from './signature-algorithms.js';
import { verifyTimestampToken } from './timestamp.js';
import type { PadesLevel, SignatureReport, SignatureStatus, VerificationReport, VerifyOptions } from './types.js';

export type { VerifyOptions, VerificationReport, SignatureReport } from './types.js';

type Severity = 'INVALID' | 'INDETERMINATE';
interface Problem { severity: Severity; reason: string; detail: string }

interface DssData { certs: ParsedCertificate[]; ocsps: Buffer[]; crls: Buffer[]; revision?: number }

function streamBytes(pdf: PdfFile, o: PDFObject | undefined): Buffer | undefined {
  const s = pdf.resolve(o);
  if (!(s instanceof PDFRawStream)) return undefined;
  try {
    return s.dict.has(N('Filter')) ? Buffer.from(decodeStream(s)) : Buffer.from(s.contents);
  } catch {
    return undefined;
  }
}

function readDss(pdf: PdfFile): DssData {
  const out: DssData = { certs: [], ocsps: [], crls: [] };
  try {
    const dss = pdf.lookupDict(pdf.catalog().get(N('DSS')));
    if (!dss) return out;
    const list = (key: string) => pdf.lookupArray(dss.get(N(key)))?.asArray() ?? [];
    for (const c of list('Certs')) {
      const b = streamBytes(pdf, c);
      if (b) try { out.certs.push(parseCertificate(b)); } catch { /* skip unparsable */ }
    }
    for (const o of list('OCSPs')) { const b = streamBytes(pdf, o); if (b) out.ocsps.push(b); }
    for (const c of list('CRLs')) { const b = streamBytes(pdf, c); if (b) out.crls.push(b); }
    // The revision that (last) wrote the DSS: for the level (B-LTA needs a document time-stamp after it).
    const ref = pdf.catalog().get(N('DSS'));
    for (let r = pdf.revisions.length - 1; r >= 0; r--) {
      const rootRef = pdf.revisions[r]!.trailer.get(N('Root'));
      if ((ref instanceof PDFRef && pdf.revisions[r]!.objects.has(ref.objectNumber)) || (rootRef instanceof PDFRef && pdf.revisions[r]!.objects.has(rootRef.objectNumber))) {
        out.revision = r;
        break;
      }
    }
  } catch { /* a broken DSS gives no evidence */ }
  return out;
}

function hashRanges(pdf: PdfFile, ranges: [number, number][], hash: Parameters<typeof digest>[0]): Buffer {
  return digest(hash, ranges.map(([s, l]) => pdf.bytes.subarray(s, s + l)));
}

/** DocMDP permission of the certification signature, if any: 1, 2 or 3. */
function docMdpPermission(pdf: PdfFile): { p: number; sigRef: string } | undefined {
  try {
    const perms = pdf.lookupDict(pdf.catalog().get(N('Perms')));
    const sigRef = perms?.get(N('DocMDP'));
    const sig = pdf.lookupDict(sigRef);
    if (!sig || !(sigRef instanceof PDFRef)) return undefined;
    for (const r of pdf.lookupArray(sig.get(N('Reference')))?.asArray() ?? []) {
      const rd = pdf.lookupDict(r);
      if (nameOf(rd?.get(N('TransformMethod'))) !== 'DocMDP') continue;
      const p = pdf.lookupNumber(pdf.lookupDict(rd!.get(N('TransformParams')))?.get(N('P'))) ?? 2;
      return { p, sigRef: sigRef.tag };
    }
  } catch { /* none */ }
  return undefined;
}

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
    pdf = readPdf(bytes);
  } catch (e) {
    if (e instanceof AppError && e.type === 'encrypted-pdf') {
      throw unprocessable('encrypted-pdf', 'The PDF is encrypted; only unencrypted documents can be verified.');
    }
    if (e instanceof AppError) throw e;
    throw unprocessable('unverifiable-pdf', 'The PDF structure could not be read.');
  }
  let found: FoundSignature[];
  try {
    found = findSignatures(pdf);
  } catch {
    throw unprocessable('unverifiable-pdf', 'The PDF form structure could not be read.');
  }
  const ctx = new Context(pdf, anchors, opts, found);
  const reports: SignatureReport[] = [];
  for (const s of found) {
    try {
      reports.push(await ctx.verifyOne(s));
    } catch (e) {
      // A signature whose structures break the verifier is not a valid signature; never a 500.
      reports.push(ctx.broken(s, e));
    }
  }
  // Revision order; signatures too broken to place in a revision (-1) come last.
  const order = (r: SignatureReport) => (r.revision < 0 ? Number.MAX_SAFE_INTEGER : r.revision);
  reports.sort((a, b) => order(a) - order(b));
  return { valid: reports.length > 0 && reports.every((r) => r.status === 'VALID'), signatures: reports, revisions: pdf.revisions.length };
}

class Context {
  readonly dss: DssData;
  readonly now: Date;
  readonly allowRsa: boolean;
  private readonly changes = new Map<number, RevisionChanges>();
  private readonly docMdp: { p: number; sigRef: string } | undefined;
  private docTimestampRevisions: number[] = [];
  private readonly extraOcsps: Buffer[];
  private readonly extraCrls: Buffer[];

  constructor(readonly pdf: PdfFile, readonly anchors: ParsedCertificate[], readonly opts: VerifyOptions, found: FoundSignature[]) {
    this.dss = readDss(pdf);
    // Outside evidence joins the DSS pool (it does not change the level: that is about what the document holds).
    for (const c of opts.evidence?.certificates ?? []) try { this.dss.certs.push(parseCertificate(c)); } catch { /* skip */ }
    this.extraOcsps = opts.evidence?.ocsps ?? [];
    this.extraCrls = opts.evidence?.crls ?? [];
    this.now = opts.now ?? new Date();
    this.allowRsa = opts.allowRsa !== false;
    this.docMdp = docMdpPermission(pdf);
    for (const s of found) {
      if (s.kind !== 'document-timestamp') continue;
      const br = checkByteRange(pdf, s);
      if (br.ok) this.docTimestampRevisions.push(br.revision);
    }
  }

  private changesOf(r: number): RevisionChanges {
    let c = this.changes.get(r);
    if (!c) {
      try {
        c = analyseRevision(this.pdf, r, this.docMdp?.p);
      } catch (e) {
        c = { revision: r, entries: [{ revision: r, kind: 'unreadable-revision', allowed: false, objects: [] }], newSignatureKinds: [] };
      }
      this.changes.set(r, c);
    }
    return c;
  }

  broken(s: FoundSignature, e: unknown): SignatureReport {
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
      status,
      reason: first?.reason ?? 'ok',
      ...(first ? { detail: first.detail } : {}),
      problems: ordered.map((p) => ({ reason: p.reason, detail: p.detail })),
      ...(r.level ? { level: r.level } : {}),
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

  async verifyOne(s: FoundSignature): Promise<SignatureReport> {
    const pdf = this.pdf;
    const problems: Problem[] = [];
    const checks: Partial<SignatureReport['checks']> = {};
    const br = checkByteRange(pdf, s);
    if (!br.ok) {
      checks.integrity = false;
      return this.report(s, { problems: [{ severity: 'INVALID', reason: br.reason, detail: br.detail }], revision: -1, checks });
    }
    const revision = br.revision;
    let parsed: ParsedSignedData;
    try {
      parsed = parseSignedData(br.cms);
    } catch (e) {
      checks.integrity = false;
      const detail = e instanceof CmsParseError ? `the CMS signature cannot be read: ${e.message}` : 'the CMS signature cannot be read';
      return this.report(s, { problems: [{ severity: 'INVALID', reason: 'cms-malformed', detail }], revision, checks, coversWholeDocument: br.coversWholeDocument });
    }

    // Changes after this revision (shared by every signature; computed once per revision).
    const modificationsAfter = [];
    for (let r = revision + 1; r < pdf.revisions.length; r++) {
      const c = this.changesOf(r);
      let entries = c.entries;
      if (this.docMdp?.p === 1 && c.newSignatureKinds.includes('signature') && s.sigRef?.tag === this.docMdp.sigRef) {
        entries = entries.map((e) => (e.kind === 'signature' ? { ...e, allowed: false, objects: [] } : e));
      }
      modificationsAfter.push(...entries);
    }
    const disallowed = modificationsAfter.filter((m) => !m.allowed);
    checks.modifications = disallowed.length === 0;
    for (const m of disallowed) {
      problems.push({
        severity: 'INVALID', reason: 'disallowed-modification',
        detail: `revision ${m.revision} changes ${m.kind}${m.objects?.length ? ` (object ${m.objects.join(', ')})` : ''} after this signature`,
      });
    }

    const [[b0, l0], [b1, l1]] = br.ranges as [[number, number], [number, number]];
    const common = { revision, coversWholeDocument: br.coversWholeDocument, modificationsAfter, byteRange: [b0, l0, b1, l1] as [number, number, number, number] };
    if (s.kind === 'document-timestamp') return this.verifyDocTimestamp(s, br.ranges, br.cms, problems, checks, common);

    // Digest and CMS signature.
    if (!parsed.digestAlgorithm) {
      problems.unshift({ severity: 'INVALID', reason: 'unsupported-algorithm', detail: 'unsupported digest algorithm' });
      return this.report(s, { problems, checks, ...common });
    }
    const documentDigest = hashRanges(pdf, br.ranges, parsed.digestAlgorithm);
    const sig = verifySignerInfo(parsed, documentDigest, {
      requireSigningCertificate: s.subFilter === 'ETSI.CAdES.detached', allowRsa: this.allowRsa,
    });
    checks.integrity = sig.ok || sig.reason !== 'message-digest-mismatch';
    checks.signature = sig.ok;
    const signerCert = parsed.signer;
    const signer = signerCert ? signerReport(signerCert) : undefined;
    if (!sig.ok) {
      const reason = sig.reason === 'message-digest-mismatch' ? 'digest-mismatch' : sig.reason;
      problems.unshift({ severity: 'INVALID', reason, detail: sig.detail });
      return this.report(s, { problems, checks, ...common, ...(signer ? { signer } : {}) });
    }
    const leaf = signerCert!;

    // Time: a valid signature time-stamp, else the claimed /M.
    let signedAt: Date | undefined;
    let timeSource: 'timestamp' | 'claimed' = 'claimed';
    let level: PadesLevel = 'B-B';
    if (parsed.signatureTimestampToken) {
      const ts = verifyTimestampToken(parsed.signatureTimestampToken, (h) => digest(h, parsed.signatureValue), {
        anchors: this.anchors, pool: this.dss.certs, allowRsa: this.allowRsa,
      });
      checks.timestamp = ts.ok;
      if (ts.ok) {
        signedAt = ts.genTime;
        timeSource = 'timestamp';
        level = 'B-T';
      } else {
        problems.push({ severity: ts.reason === 'timestamp-untrusted' ? 'INDETERMINATE' : 'INVALID', reason: ts.reason, detail: ts.detail });
      }
    }
    const claimed = parsePdfDate(textOf(s.sig.get(N('M')))) ?? parsed.claimedSigningTime;
    if (!signedAt) signedAt = claimed ?? this.now;
    if (timeSource === 'timestamp' && claimed && claimed.getTime() > signedAt.getTime() + 5 * 60_000) {
      problems.push({ severity: 'INVALID', reason: 'claimed-time-after-timestamp', detail: `/M ${claimed.toISOString()} is after the time-stamp ${signedAt.toISOString()}` });
    }

    // Chain at the signing time.
    const pool = [...parsed.certificates, ...this.dss.certs];
    const chain = validateChain(leaf, pool, this.anchors, {
      at: signedAt, leafKeyUsage: ['digitalSignature', 'nonRepudiation'], allowRsa: this.allowRsa,
    });
    checks.chain = chain.ok;
    if (!chain.ok) {
      problems.push({ severity: chain.reason === 'chain-untrusted' ? 'INDETERMINATE' : 'INVALID', reason: chain.reason, detail: chain.detail });
    } else if (timeSource === 'claimed') {
      // Without a proven time, the certificate must also be valid now (the claim alone proves nothing).
      const nowCheck = validateChain(leaf, pool, this.anchors, { at: this.now, leafKeyUsage: [], allowRsa: this.allowRsa });
      if (!nowCheck.ok && (nowCheck.reason === 'certificate-expired' || nowCheck.reason === 'certificate-not-yet-valid')) {
        checks.chain = false;
        problems.push({ severity: 'INDETERMINATE', reason: 'certificate-expired-no-proof-of-time', detail: `${nowCheck.detail}; the signing time is only claimed` });
      }
    }

    // Revocation of every certificate below the anchor.
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
        if (st.status === 'good') { states.push(true); continue; }
        if (st.status === 'unknown') {
          states.push(false);
          problems.push({ severity: 'INDETERMINATE', reason: 'revocation-unknown', detail: st.detail });
          continue;
        }
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
      if (level === 'B-T' && states.length && this.dss.revision !== undefined && this.dss.revision > revision && (this.dss.ocsps.length || this.dss.crls.length)) {
        level = 'B-LT';
        if (this.docTimestampRevisions.some((r) => r >= this.dss.revision!)) level = 'B-LTA';
      }
    }

    // Seal image.
    const bound = boundImageOf(leaf);
    if (bound === 'malformed') {
      checks.sealImage = false;
      problems.push({ severity: 'INVALID', reason: 'seal-image-binding-malformed', detail: 'the seal certificate has an unreadable image binding' });
    } else if (bound) {
      const img = checkSealImage(pdf, s.widgetRefs, revision, bound);
      checks.sealImage = img.ok;
      if (!img.ok) problems.push({ severity: 'INVALID', reason: img.reason, detail: img.detail });
    }

    // Riding seal: every page still carries its slice.
    const riding = checkRidingSeal(pdf, s, revision);
    if (riding) {
      checks.ridingSlices = riding.missing.length === 0;
      for (const m of riding.missing) problems.push({ severity: 'INVALID', reason: 'riding-slice-missing', detail: m.detail });
    }

    return this.report(s, {
      problems, checks, ...common, level, ...(signer ? { signer } : {}), signedAt: signedAt.toISOString(), timeSource,
      ...(riding ? { riding: true as const, ridingPages: riding.pages } : {}),
    });
  }

  private verifyDocTimestamp(
    s: FoundSignature, ranges: [number, number][], cms: Buffer, problems: Problem[],
    checks: Partial<SignatureReport['checks']>,
    common: { revision: number; coversWholeDocument: boolean; modificationsAfter: SignatureReport['modificationsAfter']; byteRange: [number, number, number, number] },
  ): SignatureReport {
    const ts = verifyTimestampToken(cms, (h) => hashRanges(this.pdf, ranges, h), { anchors: this.anchors, pool: this.dss.certs, allowRsa: this.allowRsa });
    checks.integrity = ts.ok || ts.reason !== 'timestamp-imprint-mismatch';
    checks.timestamp = ts.ok;
    if (!ts.ok) {
      const reason = ts.reason === 'timestamp-imprint-mismatch' ? 'digest-mismatch' : ts.reason;
      problems.unshift({ severity: ts.reason === 'timestamp-untrusted' ? 'INDETERMINATE' : 'INVALID', reason, detail: ts.detail });
    } else {
      checks.signature = true;
      checks.chain = true;
    }
    return this.report(s, {
      problems, checks, ...common, level: 'B-LTA',
      ...(ts.ok ? { signer: signerReport(ts.tsa), signedAt: ts.genTime.toISOString(), timeSource: 'timestamp' as const } : {}),
    });
  }
}


