/**
 * The validation data a document carries in its Document Security Store (PAdES B-LT): certificates, OCSP
 * responses and CRLs, each with the revision that first added it — an archive time-stamp vouches for the
 * data that existed before it, so the verifier must know which revision brought which item.
 */
import { PDFObject, PDFRawStream, PDFRef } from 'pdf-lib';
import { LIMITS } from '../limits.js';
import { charge } from '../pdf/budget.js';
import { decodeStream, type PdfFile } from '../pdf/reader.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { N } from './pdf-objects.js';

export interface DssData {
  certs: ParsedCertificate[];
  ocsps: Buffer[];
  crls: Buffer[];
  /** The revision that first added each item (by identity of the buffers above). */
  addedIn: Map<Uint8Array, number>;
  /** The newest revision that wrote the DSS (for the level: B-LTA needs a document time-stamp after it). */
  revision?: number;
}

function streamBytes(pdf: PdfFile, o: PDFObject | undefined, revision: number): Buffer | undefined {
  const s = pdf.resolve(o, revision);
  if (!(s instanceof PDFRawStream)) return undefined;
  try {
    return s.dict.has(N('Filter')) ? Buffer.from(decodeStream(s)) : Buffer.from(s.contents);
  } catch {
    return undefined;
  }
}

/** Reads the DSS of every revision (oldest first); items keep the revision where they first appear. */
export function readDss(pdf: PdfFile): DssData {
  const out: DssData = { certs: [], ocsps: [], crls: [], addedIn: new Map() };
  const seen = new Map<string, Buffer>(); // object tag -> bytes, to read each stream once
  const seenBytes = new Set<string>();
  for (let r = 0; r < pdf.revisions.length; r++) {
    try {
      const catalog = pdf.catalog(r);
      const dssRef = catalog.get(N('DSS'));
      const dss = pdf.lookupDict(dssRef, r);
      if (!dss) continue;
      // The revision that wrote the DSS: it holds the DSS object, or a catalog with a direct DSS.
      const root = pdf.revisions[r]!.trailer.get(N('Root'));
      const holder = dssRef instanceof PDFRef ? dssRef : root;
      if (holder instanceof PDFRef && pdf.revisions[r]!.objects.has(holder.objectNumber)) out.revision = r;
      const list = (key: string) => pdf.lookupArray(dss.get(N(key)), r)?.asArray() ?? [];
      const take = (o: PDFObject, sink: (b: Buffer) => void) => {
        // The same stream object (same xref entry) is read once, whichever revision lists it again.
        const key = o instanceof PDFRef ? `${o.tag}@${JSON.stringify(pdf.xrefAt(r).get(o.objectNumber))}` : undefined;
        let b = key ? seen.get(key) : undefined;
        if (!b) {
          b = streamBytes(pdf, o, r);
          if (!b) return;
          if (key) seen.set(key, b);
        }
        const id = b.toString('latin1');
        if (seenBytes.has(id)) return;
        seenBytes.add(id);
        out.addedIn.set(b, r);
        sink(b);
      };
      const certs = list('Certs');
      // Counted before anything is parsed: the DSS is document structure, so past the limit the document is refused.
      charge(pdf.context, LIMITS.certificatesPerDss, certs.length, 'the certificates of the DSS');
      for (const c of certs) take(c, (b) => { try { const cert = parseCertificate(b); out.certs.push(cert); out.addedIn.set(cert.der, r); } catch { /* skip unparsable */ } });
      charge(pdf.context, LIMITS.certificatesPerDss, out.certs.length, 'the certificates of the DSS');
      for (const o of list('OCSPs')) take(o, (b) => out.ocsps.push(b));
      for (const c of list('CRLs')) take(c, (b) => out.crls.push(b));
    } catch {
      // A broken DSS in one revision gives no evidence; later revisions may still.
    }
  }
  return out;
}
