/**
 * PAdES B-LT: an incremental update adding (or extending) the Document Security Store, /DSS with /Certs,
 * /OCSPs and /CRLs, so every signature and time-stamp in the document can be validated later without a network.
 * It covers every signature field's CMS (earlier seals too), their signature time-stamps, document
 * time-stamps, and the certificates that sign the OCSP responses.
 */
import { createHash } from 'node:crypto';
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFRawStream, PDFRef, PDFString } from 'pdf-lib';
import { extensionOf, readCertificate, type CertificateFields } from '../asn1/certificate.js';
import { verifySignatureValue } from '../verify/signature-algorithms.js';
import { certificatesOfSes } from './ses.js';
import { readSignedData } from '../asn1/cms.js';
import { OID } from '../asn1/oids.js';
import { readOcspResponse } from '../asn1/ocsp.js';
import type { RevocationSource } from './cms.js';
import { signatureTimestampTokenOf, trimCmsPadding } from './cms.js';
import { IncrementalUpdate, type WriteOptions } from './incremental-writer.js';
import { decodeStream, readPdf, type PdfFile } from './reader.js';
import { signatureFields } from './signature-field.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The CMS (or time-stamp token) in every signed signature field, in field order, without the /Contents padding. */
export function signatureContents(pdf: PdfFile): Buffer[] {
  const out: Buffer[] = [];
  for (const f of signatureFields(pdf)) {
    const c = f.value?.get(PDFName.of('Contents'));
    if (c instanceof PDFHexString || c instanceof PDFString) {
      const bytes = Buffer.from(c.asBytes());
      try {
        out.push(trimCmsPadding(bytes)); // decoded once: reading it below reuses the tree
      } catch {
        out.push(bytes); // not ASN.1 at all: kept whole; reading it below finds nothing
      }
    }
  }
  return out;
}

/** Certificates in a CMS SignedData (ContentInfo, DER or BER), byte for byte; none when it cannot be read. */
export function certificatesOfSignedData(cms: Uint8Array): Buffer[] {
  try {
    return readSignedData(cms).certificates;
  } catch {
    return [];
  }
}

/** Certificates carried in an OCSPResponse's BasicOCSPResponse (the responder's chain). */
export function certificatesOfOcspResponse(resp: Uint8Array): Buffer[] {
  try {
    return readOcspResponse(resp).certificates;
  } catch {
    return [];
  }
}

export interface Collected {
  certs: Map<string, Buffer>;
  ocsps: Map<string, Buffer>;
  crls: Map<string, Buffer>;
}

/** Validation material for every signature in `pdf`: the certificates, and revocation data from `revocation`. */
export async function collectValidationData(pdf: PdfFile, revocation: RevocationSource, extraCerts: Buffer[] = []): Promise<Collected> {
  const certs = new Map<string, Buffer>();
  const add = (c: Buffer) => certs.set(sha(c), c);
  for (const cms of signatureContents(pdf)) {
    // A GB/T 38540 SES_Signature carries the signer's and the seal maker's certificates and a token.
    const ses = certificatesOfSes(cms);
    if (ses) {
      ses.certificates.forEach(add);
      if (ses.timeStampToken) certificatesOfSignedData(ses.timeStampToken).forEach(add);
      continue;
    }
    certificatesOfSignedData(cms).forEach(add);
    let token: Uint8Array | undefined;
    try {
      token = signatureTimestampTokenOf(cms);
    } catch {
      token = undefined; // a document time-stamp's token has no unsigned attributes to look into
    }
    if (token) certificatesOfSignedData(token).forEach(add);
  }
  extraCerts.forEach(add);

  const ocsps = new Map<string, Buffer>();
  const crls = new Map<string, Buffer>();
  const parsed = [...certs.values()].flatMap((der) => readable(der));
  const done = new Set<string>();
  // OCSP responses bring their responder's certificates, which need revocation data too (unless ocsp-nocheck);
  // loop until no new certificate appears.
  for (let round = 0; round < 4; round++) {
    const before = certs.size;
    for (const { der, x } of [...parsed]) {
      const key = sha(der);
      if (done.has(key)) continue;
      done.add(key);
      if (x.selfIssued && (await issuedBy(x, x))) continue; // a root: trusted as such, nothing to fetch
      let issuer: (typeof parsed)[number] | undefined;
      for (const p of parsed) {
        if (p.der !== der && (await issuedBy(x, p.x))) {
          issuer = p;
          break;
        }
      }
      if (!issuer) continue;
      if (hasOcspNoCheck(der)) continue;
      const r = await revocation(der, issuer.der);
      if (r.ocsp) {
        ocsps.set(sha(r.ocsp), r.ocsp);
        for (const c of certificatesOfOcspResponse(r.ocsp)) {
          if (!certs.has(sha(c))) {
            add(c);
            parsed.push(...readable(c));
          }
        }
      }
      if (r.crl) crls.set(sha(r.crl), r.crl);
    }
    if (certs.size === before) break;
  }
  return { certs, ocsps, crls };
}

/** A certificate as read, or nothing when it cannot be read (a stranger's malformed certificate gets no revocation data). */
function readable(der: Buffer): { der: Buffer; x: CertificateFields }[] {
  try {
    return [{ der, x: readCertificate(der) }];
  } catch {
    return [];
  }
}

/**
 * `subject` names `issuer` as its issuer and carries its signature. Through the shared algorithm table
 * (ECDSA, RSA and SM2 with the standard user ID): node's X509Certificate.verify says false to every SM2 certificate.
 */
async function issuedBy(subject: CertificateFields, issuer: CertificateFields): Promise<boolean> {
  if (!subject.issuerDer.equals(issuer.subjectDer)) return false;
  const check = await verifySignatureValue({
    algorithm: subject.cert.signatureAlgorithm,
    spki: issuer.spki,
    data: subject.tbs,
    signature: Buffer.from(subject.cert.signatureValue.valueBlock.valueHexView),
  });
  return check.ok;
}

/** Responder certificates with id-pkix-ocsp-nocheck need no status of their own. */
function hasOcspNoCheck(der: Buffer): boolean {
  try {
    return extensionOf(readCertificate(der).cert, OID.ocspNoCheck) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Appends a DSS revision to `bytes` (a complete PDF). Existing /DSS entries are kept and new material is
 * added without duplicates. Returns the new document (one buffer: `bytes` + the update).
 */
export async function addDssRevision(
  bytes: Uint8Array,
  revocation: RevocationSource,
  extraCerts: Buffer[] = [],
  writeOptions: WriteOptions = {},
): Promise<Buffer> {
  const pdf = readPdf(bytes);
  return writeDssRevision(pdf, await collectValidationData(pdf, revocation, extraCerts), writeOptions);
}

/** Appends a DSS revision holding `data` (merged with the DSS already there, without duplicates). */
export function writeDssRevision(pdf: PdfFile, data: Collected, writeOptions: WriteOptions = {}): Buffer {
  const u = new IncrementalUpdate(pdf);
  const ctx = pdf.context;
  const catalog = pdf.catalog().clone(ctx);
  const dssEntry = catalog.get(PDFName.of('DSS'));
  const oldDss = pdf.lookupDict(dssEntry);
  const dss = oldDss ? oldDss.clone(ctx) : PDFDict.withContext(ctx);
  dss.set(PDFName.of('Type'), PDFName.of('DSS'));

  const merge = (key: 'Certs' | 'OCSPs' | 'CRLs', items: Map<string, Buffer>) => {
    const existing = pdf.lookupArray(dss.get(PDFName.of(key)));
    const arr = existing ? existing.clone(ctx) : PDFArray.withContext(ctx);
    const have = new Set<string>();
    for (const o of arr.asArray()) {
      const s = pdf.resolve(o);
      if (s instanceof PDFRawStream) {
        try {
          have.add(sha(decodeStream(s)));
        } catch {
          // An undecodable stream stays as it is; we just cannot deduplicate against it.
        }
      }
    }
    for (const [key2, der] of items) {
      if (have.has(key2)) continue;
      const ref = u.newRef();
      u.set(ref, PDFRawStream.of(PDFDict.withContext(ctx), der));
      arr.push(ref);
    }
    if (arr.size() > 0) dss.set(PDFName.of(key), arr);
  };
  merge('Certs', data.certs);
  merge('OCSPs', data.ocsps);
  merge('CRLs', data.crls);

  if (dssEntry instanceof PDFRef && oldDss) {
    u.set(dssEntry, dss);
  } else {
    const ref = u.newRef();
    u.set(ref, dss);
    catalog.set(PDFName.of('DSS'), ref);
    u.set(pdf.catalogRef, catalog);
  }
  return u.write(writeOptions).bytes;
}

