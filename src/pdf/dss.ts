/**
 * PAdES B-LT: an incremental update adding (or extending) the Document Security Store, /DSS with /Certs,
 * /OCSPs and /CRLs, so every signature and time-stamp in the document can be validated later without a network.
 * It covers every signature field's CMS (earlier seals too), their signature time-stamps, document
 * time-stamps, and the certificates that sign the OCSP responses.
 */
import { createHash, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFRawStream, PDFRef, PDFString } from 'pdf-lib';
import { children, readTlv, TAG, type Tlv } from './cms-der.js';
import type { RevocationSource } from './cms.js';
import { signatureTimestampTokenOf, trimCmsPadding } from './cms.js';
import { IncrementalUpdate, type WriteOptions } from './incremental-writer.js';
import { decodeStream, readPdf, type PdfFile } from './reader.js';
import { signatureFields } from './signature-field.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The DER CMS (or time-stamp token) in every signed signature field, in field order. */
export function signatureContents(pdf: PdfFile): Buffer[] {
  const out: Buffer[] = [];
  for (const f of signatureFields(pdf)) {
    const c = f.value?.get(PDFName.of('Contents'));
    if (c instanceof PDFHexString || c instanceof PDFString) {
      const bytes = Buffer.from(c.asBytes());
      try {
        out.push(Buffer.from(trimCmsPadding(bytes)));
      } catch {
        // Not DER (other tools write BER with indefinite lengths): kept whole, read by the BER path below.
        out.push(bytes);
      }
    }
  }
  return out;
}

/** Certificates in a CMS SignedData (ContentInfo, DER or BER), byte for byte. */
export function certificatesOfSignedData(cms: Uint8Array): Buffer[] {
  try {
    const ci = readTlv(cms, 0);
    const explicit = children(cms, ci)[1];
    const sd = explicit && children(cms, explicit)[0];
    if (!sd) return [];
    const certs = children(cms, sd).find((t) => t.tag === TAG.context(0));
    return certs ? children(cms, certs).map((t) => Buffer.from(cms.subarray(t.start, t.end))) : [];
  } catch {
    return certificatesOfBerSignedData(cms);
  }
}

/** The BER path (indefinite lengths), through asn1js, keeping each certificate's original bytes. */
function certificatesOfBerSignedData(cms: Uint8Array): Buffer[] {
  const parsed = asn1js.fromBER(cms);
  if (parsed.offset === -1) return [];
  const ci = parsed.result;
  const explicit = ci instanceof asn1js.Sequence ? ci.valueBlock.value[1] : undefined;
  const sd = explicit instanceof asn1js.Constructed ? explicit.valueBlock.value[0] : undefined;
  if (!(sd instanceof asn1js.Sequence)) return [];
  const certs = sd.valueBlock.value.find((b) => b.idBlock.tagClass === 3 && b.idBlock.tagNumber === 0);
  if (!(certs instanceof asn1js.Constructed)) return [];
  return certs.valueBlock.value
    .filter((b) => b instanceof asn1js.Sequence)
    .map((b) => Buffer.from(b.valueBeforeDecodeView));
}

/** Certificates carried in an OCSPResponse's BasicOCSPResponse (the responder's chain). */
export function certificatesOfOcspResponse(resp: Uint8Array): Buffer[] {
  try {
    const top = children(resp, readTlv(resp, 0));
    const rb = top.find((t) => t.tag === TAG.context(0));
    const responseBytes = rb && children(resp, rb)[0];
    const octets = responseBytes && children(resp, responseBytes)[1];
    if (!octets) return [];
    const basic = readTlv(resp, octets.start + octets.headerLength, octets.end);
    const certsWrap = children(resp, basic).find((t: Tlv) => t.tag === TAG.context(0));
    const seqOf = certsWrap && children(resp, certsWrap)[0];
    return seqOf ? children(resp, seqOf).map((t) => Buffer.from(resp.subarray(t.start, t.end))) : [];
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
  const parsed = [...certs.values()].map((der) => ({ der, x: new X509Certificate(der) }));
  const done = new Set<string>();
  // OCSP responses bring their responder's certificates, which need revocation data too (unless ocsp-nocheck);
  // loop until no new certificate appears.
  for (let round = 0; round < 4; round++) {
    const before = certs.size;
    for (const { der, x } of [...parsed]) {
      const key = sha(der);
      if (done.has(key)) continue;
      done.add(key);
      if (x.checkIssued(x) && safeVerify(x, x)) continue; // a root: trusted as such, nothing to fetch
      const issuer = parsed.find((p) => p.der !== der && x.checkIssued(p.x) && safeVerify(x, p.x));
      if (!issuer) continue;
      if (hasOcspNoCheck(x)) continue;
      const r = await revocation(der, issuer.der);
      if (r.ocsp) {
        ocsps.set(sha(r.ocsp), r.ocsp);
        for (const c of certificatesOfOcspResponse(r.ocsp)) {
          if (!certs.has(sha(c))) {
            add(c);
            parsed.push({ der: c, x: new X509Certificate(c) });
          }
        }
      }
      if (r.crl) crls.set(sha(r.crl), r.crl);
    }
    if (certs.size === before) break;
  }
  return { certs, ocsps, crls };
}

function safeVerify(subject: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** id-pkix-ocsp-nocheck (1.3.6.1.5.5.7.48.1.5) as DER, to spot responder certificates that need no status. */
const OCSP_NOCHECK = Buffer.from('06092b0601050507300105', 'hex');
function hasOcspNoCheck(x: X509Certificate): boolean {
  return x.raw.indexOf(OCSP_NOCHECK) >= 0;
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

