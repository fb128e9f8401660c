/**
 * Revocation status of one certificate at a signing time, from the document's DSS first
 * (OCSP responses and CRLs), then online when allowed. Every response is itself verified:
 * OCSP by the issuer or a delegated responder with id-kp-OCSPSigning, CRLs by the issuer.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { decodeAs, DOCUMENT_OBJECT_LIMITS } from '../asn1/der.js';
import { readOcspResponse } from '../asn1/ocsp.js';
import { OID_EKU_OCSP_SIGNING, parseCertificate, sameName, type ParsedCertificate } from './certificate.js';
import { Lru } from '../lru.js';
import { certIdHashFromOid, digest, verifySignatureValue } from './signature-algorithms.js';

const OID_CRL_NUMBER = '2.5.29.20';
const OID_CRL_REASON = '2.5.29.21';
const OID_SHA1 = '1.3.14.3.2.26';
const CRL_REASONS = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded',
  'cessationOfOperation', 'certificateHold', 'unused', 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise'];

export type RevocationSourceKind = 'dss-ocsp' | 'dss-crl' | 'online-ocsp' | 'online-crl';
export type RevocationStatus =
  /** `evidence`: the OCSP response or CRL (DER) the answer rests on, as given (so a caller can tell where it came from). */
  | { status: 'good'; source: RevocationSourceKind; issuedAt: Date; evidence: Uint8Array }
  | { status: 'revoked'; source: RevocationSourceKind; revokedAt: Date; reason: string; evidence: Uint8Array }
  | { status: 'unknown'; detail: string }
  /** The certificate names no OCSP responder or CRL and the document holds none: nothing to check. */
  | { status: 'not-applicable' };

export interface RevocationContext {
  ocsps: Buffer[];
  crls: Buffer[];
  /** Certificates that may be delegated OCSP responders (DSS certs). */
  pool: ParsedCertificate[];
  /** The signing time the evidence must cover. */
  at: Date;
  allowRsa?: boolean;
  online?: { fetch: typeof fetch } | false;
  /** Evidence issued this long before `at` still counts (responder caches, clock skew). */
  toleranceMs?: number;
}

const DEFAULT_TOLERANCE_MS = 10 * 60 * 1000;

function b(v: ArrayBuffer | Uint8Array): Buffer {
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(v);
}

interface Finding { status: 'good' | 'revoked'; issuedAt: Date; revokedAt?: Date; reason?: string }

/** Evaluate one OCSPResponse (DER) for `cert`; undefined when it does not speak about it or does not verify. */
interface ParsedOcsp {
  basic: pkijs.BasicOCSPResponse;
  certs: ParsedCertificate[];
  /** Responder authorisation per issuer, computed once. */
  authorised: WeakMap<ParsedCertificate, boolean>;
}
/** OCSP responses and CRLs are CA material that many documents share (DSS): parse each once. */
const ocspCache = new Lru<string, ParsedOcsp | null>(512);
const crlCache = new Lru<string, { crl: pkijs.CertificateRevocationList; verifiedBy: WeakMap<ParsedCertificate, boolean> } | null>(128);

function parseOcsp(der: Uint8Array): ParsedOcsp | null {
  return ocspCache.getOr(b(der).toString('latin1'), () => {
    try {
      // Bounded, and the responder's certificates kept as received (src/asn1/ocsp.ts).
      const resp = readOcspResponse(der);
      if (resp.status !== 0 || !resp.basic) return null;
      const certs: ParsedCertificate[] = [];
      for (const c of resp.certificates) {
        try { certs.push(parseCertificate(c)); } catch { /* ignore */ }
      }
      return { basic: resp.basic, certs, authorised: new WeakMap() };
    } catch {
      return null;
    }
  });
}

/** Evaluate one OCSPResponse (DER) for `cert`; undefined when it does not speak about it or does not verify. */
export async function ocspFinding(der: Uint8Array, cert: ParsedCertificate, issuer: ParsedCertificate, pool: ParsedCertificate[], allowRsa?: boolean): Promise<Finding | undefined> {
  const parsed = parseOcsp(der);
  if (!parsed) return undefined;
  const basic = parsed.basic;
  const tbs = basic.tbsResponseData;
  const producedAt = tbs.producedAt;
  if (allowRsa === false && /^1\.2\.840\.113549\.1\.1\./.test(basic.signatureAlgorithm.algorithmId)) return undefined;
  let authorised = parsed.authorised.get(issuer);
  if (authorised === undefined) {
    // Who signed: the issuer itself, or a responder certificate the issuer issued for OCSP signing.
    const candidates: ParsedCertificate[] = [issuer, ...parsed.certs, ...pool];
    const verifies = async (signer: ParsedCertificate) => (await verifySignatureValue({
      algorithm: basic.signatureAlgorithm, spki: signer.spki, data: tbs.tbsView, signature: b(basic.signature.valueBlock.valueHexView),
    })).ok;
    const authorises = async (c: ParsedCertificate): Promise<boolean> => {
      if (c.der.equals(issuer.der)) return verifies(c);
      if (!sameName(c.issuer, issuer.subject)) return false;
      if (!(c.extKeyUsage ?? []).includes(OID_EKU_OCSP_SIGNING)) return false;
      if (producedAt < c.notBefore || producedAt > c.notAfter) return false;
      const issued = (await verifySignatureValue({ algorithm: c.signatureAlgorithm, spki: issuer.spki, data: c.tbs, signature: c.signatureValue })).ok;
      return issued && verifies(c);
    };
    authorised = false;
    for (const c of candidates) if (await authorises(c)) { authorised = true; break; }
    // Pool certificates vary per document: cache only decisions that did not need them.
    if (authorised || !pool.length) parsed.authorised.set(issuer, authorised);
  }
  if (!authorised) return undefined;
  for (const single of tbs.responses) {
    const id = single.certID;
    const hash = certIdHashFromOid(id.hashAlgorithm.algorithmId);
    if (!hash) continue;
    if (!b(id.issuerNameHash.valueBlock.valueHexView).equals(digest(hash, issuer.subjectDer))) continue;
    if (!b(id.issuerKeyHash.valueBlock.valueHexView).equals(digest(hash, issuer.publicKeyBits))) continue;
    const serial = b(id.serialNumber.valueBlock.valueHexView).toString('hex').replace(/^(00)+(?=.)/, '').toUpperCase();
    if (serial !== cert.serialHex) continue;
    const st = single.certStatus as asn1js.BaseBlock;
    const tag = st.idBlock.tagNumber;
    if (tag === 0) return { status: 'good', issuedAt: single.thisUpdate };
    if (tag === 1) {
      const parts = (st as asn1js.Constructed).valueBlock.value;
      const time = parts[0] as asn1js.GeneralizedTime | undefined;
      let reason = 'unspecified';
      const r = parts[1] as asn1js.Constructed | undefined;
      const en = r?.valueBlock?.value?.[0] as asn1js.Enumerated | undefined;
      if (en) reason = CRL_REASONS[en.valueBlock.valueDec] ?? 'unspecified';
      const revokedAt = time ? (time as unknown as { toDate(): Date }).toDate() : producedAt;
      return { status: 'revoked', issuedAt: single.thisUpdate, revokedAt, reason };
    }
    return undefined; // "unknown"
  }
  return undefined;
}

/** Evaluate one CRL (DER) for `cert`; undefined when it is not the issuer's or does not verify. */
export async function crlFinding(der: Uint8Array, cert: ParsedCertificate, issuer: ParsedCertificate, allowRsa?: boolean): Promise<(Finding & { number?: bigint }) | undefined> {
  const entry = crlCache.getOr(b(der).toString('latin1'), () => {
    try {
      return { crl: decodeAs(pkijs.CertificateRevocationList, der, 'CRL', DOCUMENT_OBJECT_LIMITS), verifiedBy: new WeakMap<ParsedCertificate, boolean>() };
    } catch {
      return null;
    }
  });
  if (!entry) return undefined;
  const crl = entry.crl;
  const crlIssuer = b(crl.issuer.toSchema().toBER(false));
  if (!crlIssuer.equals(issuer.subjectDer)) return undefined;
  if (issuer.keyUsage && !issuer.keyUsage.has('cRLSign')) return undefined;
  if (allowRsa === false && /^1\.2\.840\.113549\.1\.1\./.test(crl.signatureAlgorithm.algorithmId)) return undefined;
  let ok = entry.verifiedBy.get(issuer);
  if (ok === undefined) {
    ok = (await verifySignatureValue({ algorithm: crl.signatureAlgorithm, spki: issuer.spki, data: crl.tbsView, signature: b(crl.signatureValue.valueBlock.valueHexView) })).ok;
    entry.verifiedBy.set(issuer, ok);
  }
  if (!ok) return undefined;
  let number: bigint | undefined;
  for (const ext of crl.crlExtensions?.extensions ?? []) {
    if (ext.extnID === OID_CRL_NUMBER && ext.parsedValue instanceof asn1js.Integer)
      number = BigInt('0x' + (b(ext.parsedValue.valueBlock.valueHexView).toString('hex') || '0'));
  }
  const issuedAt = crl.thisUpdate.value;
  for (const entry of crl.revokedCertificates ?? []) {
    const serial = b(entry.userCertificate.valueBlock.valueHexView).toString('hex').replace(/^(00)+(?=.)/, '').toUpperCase();
    if (serial !== cert.serialHex) continue;
    let reason = 'unspecified';
    for (const ext of entry.crlEntryExtensions?.extensions ?? []) {
      if (ext.extnID === OID_CRL_REASON) {
        const v = ext.parsedValue as asn1js.Enumerated | undefined;
        if (v) reason = CRL_REASONS[v.valueBlock.valueDec] ?? 'unspecified';
      }
    }
    if (reason === 'removeFromCRL') break;
    return { status: 'revoked', issuedAt, revokedAt: entry.revocationDate.value, reason, ...(number !== undefined ? { number } : {}) };
  }
  return { status: 'good', issuedAt, ...(number !== undefined ? { number } : {}) };
}

type Sourced = { f: Finding; source: RevocationSourceKind; der: Uint8Array };

function decide(findings: Sourced[], at: Date, toleranceMs: number): RevocationStatus | undefined {
  const revoked = findings.filter((x) => x.f.status === 'revoked').sort((a, c) => a.f.revokedAt!.getTime() - c.f.revokedAt!.getTime())[0];
  if (revoked) return { status: 'revoked', source: revoked.source, revokedAt: revoked.f.revokedAt!, reason: revoked.f.reason ?? 'unspecified', evidence: revoked.der };
  // "good" counts only when issued after the signing time (minus tolerance): earlier evidence proves nothing about it.
  const good = findings.find((x) => x.f.status === 'good' && x.f.issuedAt.getTime() >= at.getTime() - toleranceMs);
  if (good) return { status: 'good', source: good.source, issuedAt: good.f.issuedAt, evidence: good.der };
  return undefined;
}

export function ocspRequestFor(cert: ParsedCertificate, issuer: ParsedCertificate): Buffer {
  const certId = new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID_SHA1, algorithmParams: new asn1js.Null() }),
    issuerNameHash: new asn1js.OctetString({ valueHex: digest('SHA-1', issuer.subjectDer) }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: digest('SHA-1', issuer.publicKeyBits) }),
    serialNumber: cert.pkijs.serialNumber,
  });
  const req = new pkijs.OCSPRequest();
  req.tbsRequest.requestList = [new pkijs.Request({ reqCert: certId })];
  return b(req.toSchema(true).toBER(false));
}

export async function checkRevocation(cert: ParsedCertificate, issuer: ParsedCertificate, ctx: RevocationContext): Promise<RevocationStatus> {
  const tolerance = ctx.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  const findings: Sourced[] = [];
  for (const o of ctx.ocsps) {
    const f = await ocspFinding(o, cert, issuer, ctx.pool, ctx.allowRsa);
    if (f) findings.push({ f, source: 'dss-ocsp', der: o });
  }
  for (const c of ctx.crls) {
    const f = await crlFinding(c, cert, issuer, ctx.allowRsa);
    if (f) findings.push({ f, source: 'dss-crl', der: c });
  }
  const fromDss = decide(findings, ctx.at, tolerance);
  if (fromDss) return fromDss;
  if (ctx.online) {
    const fetcher = ctx.online.fetch;
    for (const url of cert.ocspUrls) {
      try {
        const res = await fetcher(url, {
          method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: new Uint8Array(ocspRequestFor(cert, issuer)),
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) continue;
        const der = new Uint8Array(await res.arrayBuffer());
        const f = await ocspFinding(der, cert, issuer, ctx.pool, ctx.allowRsa);
        if (f) findings.push({ f, source: 'online-ocsp', der });
      } catch { /* try the next source */ }
    }
    let r = decide(findings, ctx.at, tolerance);
    if (r) return r;
    for (const url of cert.crlUrls) {
      try {
        const res = await fetcher(url, { signal: AbortSignal.timeout(10_000) });
        if (!res.ok) continue;
        const der = new Uint8Array(await res.arrayBuffer());
        const f = await crlFinding(der, cert, issuer, ctx.allowRsa);
        if (f) findings.push({ f, source: 'online-crl', der });
      } catch { /* unknown */ }
    }
    r = decide(findings, ctx.at, tolerance);
    if (r) return r;
  }
  if (!findings.length && !cert.ocspUrls.length && !cert.crlUrls.length) return { status: 'not-applicable' };
  return {
    status: 'unknown',
    detail: findings.length
      ? `revocation data for ${cert.subjectText} predates the signing time`
      : `no revocation data for ${cert.subjectText}${ctx.online ? '' : ' in the document (offline)'}`,
  };
}
