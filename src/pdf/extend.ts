/**
 * Extending a sealed PDF for the long term (PAdES B-LTA, as EU DSS's "extend to LTA" does), whoever sealed
 * it: a DSS revision with the validation data its signatures and time-stamps still lack — their
 * certificates, and the revocation data `revocation` can give for them — then a fresh document (archive)
 * time-stamp over everything. Renewing before the last archive time-stamp's TSA certificate expires keeps
 * a document verifiable for as long as its archive chain is renewed.
 *
 * Only appends (earlier signatures stay intact), and only on a structure that reads cleanly: a document
 * whose cross-references had to be recovered is refused like any unsealable input.
 */
import { createHash } from 'node:crypto';
import { PDFHexString, PDFName, PDFRawStream, PDFString } from 'pdf-lib';
import { unprocessable } from '../errors.js';
import type { DigestName, RevocationSource, Timestamper } from './cms.js';
import { addDocumentTimestamp } from './doc-timestamp.js';
import { collectValidationData, writeDssRevision } from './dss.js';
import type { WriteOptions } from './incremental-writer.js';
import { decodeStream, readPdf, type PdfFile } from './reader.js';
import { signatureFields } from './signature-field.js';

export interface ExtendOptions {
  /** Revocation data for a certificate (DER) and its issuer; {} when there is none to give. */
  revocation: RevocationSource;
  timestamper: Timestamper;
  digest?: DigestName;
  /** More certificates for the DSS, and to find issuers with (e.g. our root). */
  extraCertificates?: Buffer[];
  /** CA certificates to find a missing issuer in; only those used go into the DSS. */
  issuerCertificates?: Buffer[];
  writeOptions?: WriteOptions;
}

export interface ExtendResult {
  pdf: Buffer;
  /** Items the DSS revision added (0 when the document already held everything: no DSS revision then). */
  added: { certs: number; ocsps: number; crls: number };
}

/** The document read for extension; 422 when it cannot be extended (unreadable, encrypted, no signature). */
export function readExtendable(input: Uint8Array): PdfFile {
  const pdf = readPdf(input);
  const signed = signatureFields(pdf).filter((f) => {
    const c = f.value?.get(PDFName.of('Contents'));
    return c instanceof PDFHexString || c instanceof PDFString;
  });
  if (!signed.length) throw unprocessable('no-signatures', 'The PDF holds no signature or time-stamp to extend.');
  return pdf;
}

export async function extendPdf(input: Uint8Array, opts: ExtendOptions): Promise<ExtendResult> {
  const pdf = readExtendable(input);

  // What the DSS already holds (by digest), so only what is lacking is added.
  const have = existingDssItems(pdf);
  const data = await collectValidationData(pdf, opts.revocation, opts.extraCertificates, opts.issuerCertificates);
  const lacking = (m: Map<string, Buffer>) => [...m.keys()].filter((k) => !have.has(k)).length;
  const added = { certs: lacking(data.certs), ocsps: lacking(data.ocsps), crls: lacking(data.crls) };

  let out = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (added.certs + added.ocsps + added.crls > 0) {
    out = writeDssRevision(pdf, data, opts.writeOptions);
  }
  out = await addDocumentTimestamp(out, opts.timestamper, opts.digest ?? 'SHA-256', undefined, opts.writeOptions);
  return { pdf: out, added };
}

function existingDssItems(pdf: PdfFile): Set<string> {
  const out = new Set<string>();
  try {
    const dss = pdf.lookupDict(pdf.catalog().get(PDFName.of('DSS')));
    for (const key of ['Certs', 'OCSPs', 'CRLs']) {
      for (const o of pdf.lookupArray(dss?.get(PDFName.of(key)))?.asArray() ?? []) {
        const s = pdf.resolve(o);
        if (!(s instanceof PDFRawStream)) continue;
        try {
          out.add(createHash('sha256').update(s.dict.has(PDFName.of('Filter')) ? decodeStream(s) : s.contents).digest('hex'));
        } catch { /* undecodable: not counted */ }
      }
    }
  } catch { /* no DSS */ }
  return out;
}
