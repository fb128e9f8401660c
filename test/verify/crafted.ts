/**
 * Updates written with pdf-lib objects and the project's incremental writer, for the shapes no installed tool
 * writes on request (an indirect DSS with orphans, a catalog under a new number, a shadow appearance): each
 * is a structurally clean update, so the verifier judges what it changes and not how it is encoded.
 */
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFNumber, PDFRef, PDFString } from 'pdf-lib';
import { buildPadesCms } from '../../src/pdf/cms.js';
import { IncrementalUpdate } from '../../src/pdf/incremental-writer.js';
import { readPdf, type PdfFile } from '../../src/pdf/reader.js';
import { setPlaceholders, writeSignedRevision } from '../../src/pdf/signed-revision.js';
import { signerFor, type TestCert } from '../helpers/openssl-pki.js';

export const N = (s: string) => PDFName.of(s);

/** One incremental update written by `edit`. */
export function update(pdf: Uint8Array, edit: (u: IncrementalUpdate, f: PdfFile) => void): Buffer {
  const f = readPdf(pdf);
  const u = new IncrementalUpdate(f);
  edit(u, f);
  return u.write().bytes;
}

/**
 * One update holding a new signature dictionary that `edit` places (in a field it adds or fills), signed by
 * `cert` over that very revision (CAdES, B-B): a real signature whose revision also carries the edit.
 */
export async function signedUpdate(
  pdf: Uint8Array, cert: TestCert, edit: (u: IncrementalUpdate, f: PdfFile, sigRef: PDFRef, sig: PDFDict) => void,
): Promise<Buffer> {
  const f = readPdf(pdf);
  const u = new IncrementalUpdate(f);
  const sigRef = u.newRef();
  const sig = PDFDict.withContext(f.context);
  sig.set(N('Type'), N('Sig'));
  setPlaceholders(sig, 8192);
  sig.set(N('Filter'), N('Adobe.PPKLite'));
  sig.set(N('SubFilter'), N('ETSI.CAdES.detached'));
  sig.set(N('M'), PDFString.fromDate(new Date()));
  edit(u, f, sigRef, sig);
  u.set(sigRef, sig);
  const signer = signerFor(cert);
  return (await writeSignedRevision(u, sigRef, signer.digest, (d) => buildPadesCms(d, signer))).bytes;
}

/** /Reference with a FieldMDP transform locking `fields` (or every field with 'All'), as Acrobat writes it. */
export function fieldMdpReference(f: PdfFile, action: 'All' | 'Include' | 'Exclude', fields: string[] = []): PDFArray {
  const ctx = f.context;
  const params = ctx.obj({ Type: 'TransformParams', Action: action, V: PDFName.of('1.2') }) as PDFDict;
  if (action !== 'All') params.set(N('Fields'), ctx.obj(fields.map((x) => PDFHexString.fromText(x))));
  const ref = ctx.obj({ Type: 'SigRef', TransformMethod: 'FieldMDP' }) as PDFDict;
  ref.set(N('TransformParams'), params);
  return ctx.obj([ref]) as PDFArray;
}

/** Adds a merged signature field + widget on page 1 with `sigRef` as value (or none), registered in /Fields and /Annots. */
export function addField(u: IncrementalUpdate, f: PdfFile, opts: { name: string; sigRef?: PDFRef; rect?: number[]; ap?: PDFRef }): PDFRef {
  const ctx = f.context;
  const page = f.findPage(1)!;
  const ref = u.newRef();
  const field = ctx.obj({ Type: 'Annot', Subtype: 'Widget', FT: 'Sig', F: 4, P: page.ref, Rect: opts.rect ?? [0, 0, 0, 0] }) as PDFDict;
  field.set(N('T'), PDFHexString.fromText(opts.name));
  if (opts.sigRef) field.set(N('V'), opts.sigRef);
  if (opts.ap) field.set(N('AP'), ctx.obj({ N: opts.ap }));
  u.set(ref, field);
  const pageDict = ((u.get(page.ref) as PDFDict | undefined) ?? page.dict).clone(ctx);
  const annots = (f.lookupArray(pageDict.get(N('Annots'))) ?? PDFArray.withContext(ctx)).clone(ctx);
  annots.push(ref);
  pageDict.set(N('Annots'), annots);
  u.set(page.ref, pageDict);
  const catalog = ((u.get(f.catalogRef) as PDFDict | undefined) ?? f.catalog()).clone(ctx);
  const afEntry = catalog.get(N('AcroForm'));
  const af = (f.lookupDict(afEntry) ?? PDFDict.withContext(ctx)).clone(ctx);
  const fields = (f.lookupArray(af.get(N('Fields'))) ?? PDFArray.withContext(ctx)).clone(ctx);
  fields.push(ref);
  af.set(N('Fields'), fields);
  af.set(N('SigFlags'), PDFNumber.of(3));
  if (afEntry instanceof PDFRef) u.set(afEntry, af);
  else {
    catalog.set(N('AcroForm'), af);
    u.set(f.catalogRef, catalog);
  }
  return ref;
}
