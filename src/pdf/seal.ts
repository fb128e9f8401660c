/**
 * sealPdf: apply a visible electronic seal (电子印章) to a PDF as a PAdES signature, by incremental update.
 *
 *   B-B    one revision: signature field + widget + appearance, CAdES detached CMS in /Contents
 *   B-T    the same, the CMS carrying a signature time-stamp (timestamper required)
 *   B-LT   then a DSS revision with certificates, OCSP responses and CRLs for EVERY signature in the document
 *   B-LTA  then a document time-stamp revision
 *
 * The document is never loaded whole: the reader parses the trailer, xref sections and the few objects touched
 * (catalog, AcroForm, the page); the output is one buffer (original + update) per revision.
 */
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFNumber, PDFRef, PDFString } from 'pdf-lib';
import { unprocessable } from '../errors.js';
import { sealForm, sealImageStreams, type SealAppearance } from './appearance.js';
import { buildPadesCms, estimateCmsSize, type CmsSigner, type RevocationSource, type Timestamper } from './cms.js';
import { addDocumentTimestamp } from './doc-timestamp.js';
import { addDssRevision } from './dss.js';
import { settleFieldAppearances } from './field-appearances.js';
import { IncrementalUpdate } from './incremental-writer.js';
import { buildSesSignature, estimateSesSize, SES_SUBFILTER, type SesSigner } from './ses.js';
import { readPdf, type PdfFile } from './reader.js';
import { ridingLayout, ridingWidgets } from './riding.js';
import {
  addSignatureField, addSignatureFieldWithWidgets, pageView, placeSeal, signatureFields, uniqueFieldName,
  type Rect, type Rotation, type WidgetArgs,
} from './signature-field.js';
import { setPlaceholders, withPlaceholderRetry, writeSignedRevision } from './signed-revision.js';
import { noteTimestampTokenSize, timestampTokenSize } from './timestamp-size.js';
import type { SealFont } from '../render/font.js';

export type { SealAppearance } from './appearance.js';
export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

/** Spare room for the DSS and document time-stamp revisions (certificates, OCSP responses, CRLs, a token). */
const LATER_REVISIONS_RESERVE = 256 * 1024;

export interface SealPdfOptions {
  page: number; // 1-based
  /** mm from the bottom-left corner of the page AS A READER SEES IT (CropBox turned by /Rotate) to the seal's centre;
   *  both omitted for a riding seal alone */
  xMm?: number;
  yMm?: number;
  /** 骑缝章: the seal also split across the right edge of every page, in the same signature (src/pdf/riding.ts). */
  riding?: boolean;
  appearance: SealAppearance;
  /** The seal's CMS signer; for an SM2 seal its digest is SM3. */
  signer: CmsSigner;
  /**
   * An SM2 seal's GB/T 38540 data: /Contents then holds an SES_Signature (SubFilter /GB.T38540.SES) instead of
   * a CMS, signed by `signer` (plain data, so it crosses to a document worker like the rest of the options).
   */
  ses?: Omit<SesSigner, 'sign'>;
  /** The SubFilter of a CMS signature: ETSI.CAdES.detached (default), or adbe.pkcs7.detached for an SM2 CMS. */
  cmsSubFilter?: 'ETSI.CAdES.detached' | 'adbe.pkcs7.detached';
  level: PadesLevel;
  signingTime: Date;
  reason?: string;
  location?: string;
  fieldName?: string;
  timestamper?: Timestamper;
  revocation?: RevocationSource;
  /** DocMDP certification with these permissions; only for the first signature of a document. */
  certify?: 1 | 2 | 3;
  /** Lock this seal's own field after signing. */
  lockField?: boolean;
  /** B-LT/B-LTA: more certificates for the DSS, and to find issuers with (e.g. the root, so the intermediate's
   *  revocation status is collected too when the signer's chain stops below the root). */
  extraCertificates?: Buffer[];
  /** The outline face for form values outside Latin-1 in /NeedAppearances forms (src/pdf/field-appearances.ts). */
  valueFace?: () => Promise<SealFont>;
}

/** `input`: the document's bytes, or the document as readPdf already read it (read once for examining and sealing). */
export async function sealPdf(input: Uint8Array | PdfFile, opts: SealPdfOptions): Promise<Buffer> {
  const needsTsa = opts.level !== 'B-B';
  const needsRevocation = opts.level === 'B-LT' || opts.level === 'B-LTA';
  if (needsTsa && !opts.timestamper) throw unprocessable('level-unavailable', `Level ${opts.level} needs a time-stamping authority.`, { field: 'level' });
  if (needsRevocation && !opts.revocation) throw unprocessable('level-unavailable', `Level ${opts.level} needs a revocation source.`, { field: 'level' });

  const { widthMm, heightMm } = opts.appearance;
  if (!(Number.isFinite(widthMm) && Number.isFinite(heightMm) && widthMm > 0 && heightMm > 0 && widthMm <= 1000 && heightMm <= 1000)) {
    throw unprocessable('bad-seal-image', 'The seal size in mm must be positive and finite.', { field: 'appearance' });
  }
  const pdf = input instanceof Uint8Array ? readPdf(input) : input;
  const main = opts.xMm === undefined && opts.yMm === undefined && opts.riding ? undefined : mainSeal(pdf, opts);
  if (opts.riding) ridingLayout(pdf.pageRefs().length, widthMm); // refused before any signing work (one page, tiny seal)
  checkCertification(pdf, opts.certify);
  const name = uniqueFieldName(pdf, opts.fieldName);

  const timestamper = needsTsa ? opts.timestamper : undefined;
  const tokenSize = timestamper ? await timestampTokenSize(timestamper, opts.signer.digest) : undefined;
  const counted: Timestamper | undefined = timestamper
    ? async (imprint, hash) => {
        const token = await timestamper(imprint, hash);
        noteTimestampTokenSize(timestamper, token.length, hash);
        return token;
      }
    : undefined;

  const ses: SesSigner | undefined = opts.ses
    ? { certificate: Buffer.from(opts.ses.certificate), seseal: Buffer.from(opts.ses.seseal), sign: (d) => opts.signer.sign(d) }
    : undefined;
  if (ses && opts.signer.digest !== 'SM3') throw new Error('an SES_Signature is made over SM3');
  const estimate = ses ? estimateSesSize(ses, tokenSize) : estimateCmsSize(opts.signer, tokenSize);
  const signed = await withPlaceholderRetry(estimate, async (room) => {
    const u = new IncrementalUpdate(pdf);
    const ctx = pdf.context;
    const sigRef = u.newRef();
    const refs = { form: main ? u.newRef() : undefined, image: u.newRef(), smask: u.newRef() };
    const widgets: WidgetArgs[] = [];
    if (main && refs.form) {
      u.set(refs.form, sealForm(ctx, opts.appearance, main.rotation, refs.image));
      widgets.push({ page: main.page, rect: main.rect, appearance: refs.form });
    }
    const streams = sealImageStreams(ctx, opts.appearance, refs.smask);
    u.set(refs.image, streams.image);
    u.set(refs.smask, streams.smask);

    const sig = PDFDict.withContext(ctx);
    sig.set(PDFName.of('Type'), PDFName.of('Sig'));
    setPlaceholders(sig, room);
    sig.set(PDFName.of('Filter'), PDFName.of('Adobe.PPKLite'));
    sig.set(PDFName.of('SubFilter'), PDFName.of(ses ? SES_SUBFILTER : (opts.cmsSubFilter ?? 'ETSI.CAdES.detached')));
    sig.set(PDFName.of('M'), PDFString.fromDate(opts.signingTime));
    if (opts.reason) sig.set(PDFName.of('Reason'), PDFHexString.fromText(opts.reason));
    if (opts.location) sig.set(PDFName.of('Location'), PDFHexString.fromText(opts.location));
    const references = PDFArray.withContext(ctx);
    if (opts.certify) references.push(transformReference(ctx, 'DocMDP', (p) => p.set(PDFName.of('P'), PDFNumber.of(opts.certify as number))));
    if (opts.lockField) {
      references.push(
        transformReference(ctx, 'FieldMDP', (p) => {
          p.set(PDFName.of('Action'), PDFName.of('Include'));
          const fields = PDFArray.withContext(ctx);
          fields.push(PDFHexString.fromText(name));
          p.set(PDFName.of('Fields'), fields);
        }),
      );
    }
    if (references.size() > 0) sig.set(PDFName.of('Reference'), references);
    u.set(sigRef, sig);

    // A form that asks viewers to redraw its fields would lose the seal in poppler-based viewers: appearances first.
    await settleFieldAppearances(u, opts.valueFace);
    if (opts.riding) addSignatureFieldWithWidgets(u, { name, sigRef, lock: opts.lockField, widgets: [...widgets, ...ridingWidgets(u, opts.appearance, refs.image)] });
    else addSignatureField(u, { ...widgets[0]!, name, sigRef, lock: opts.lockField });
    if (opts.certify) {
      const catalog = (u.get(pdf.catalogRef) as PDFDict).clone(ctx);
      const perms = PDFDict.withContext(ctx);
      perms.set(PDFName.of('DocMDP'), sigRef);
      catalog.set(PDFName.of('Perms'), perms);
      u.set(pdf.catalogRef, catalog);
    }
    // B-LT/B-LTA: leave room after the signed revision so the DSS and time-stamp revisions are appended in
    // place rather than copying the document twice more.
    const reserve = needsRevocation ? LATER_REVISIONS_RESERVE : 0;
    // In place when the input is a documentBuffer with room to spare (the HTTP body): no copy of the document.
    const produce = ses
      ? (digest: Buffer, byteRange: readonly number[]) => buildSesSignature(digest, ses, opts.signingTime, byteRange, counted)
      : (digest: Buffer) => buildPadesCms(digest, opts.signer, counted);
    return writeSignedRevision(u, sigRef, opts.signer.digest, produce, { reserve, inPlace: true });
  });

  let out = signed.bytes;
  if (needsRevocation) {
    out = await addDssRevision(out, opts.revocation as RevocationSource, opts.extraCertificates, { inPlace: true, reserve: LATER_REVISIONS_RESERVE });
  }
  if (opts.level === 'B-LTA') {
    out = await addDocumentTimestamp(out, opts.timestamper as Timestamper, opts.signer.digest, undefined, { inPlace: true, reserve: LATER_REVISIONS_RESERVE });
  }
  return out;
}

/** The page and rectangle of the seal at (xMm, yMm) on page `page`; 422 when the page or the position is wrong. */
function mainSeal(pdf: PdfFile, opts: SealPdfOptions): { page: { ref: PDFRef; dict: PDFDict }; rect: Rect; rotation: Rotation } {
  const page = pdf.findPage(opts.page);
  if (!page) {
    throw unprocessable('page-not-found', `The document has no page ${opts.page} (it has ${pdf.pageRefs().length}).`, { field: 'page' });
  }
  if (opts.xMm === undefined || opts.yMm === undefined) {
    throw unprocessable('seal-position-missing', 'Where the seal goes: both x and y (mm).', { field: opts.xMm === undefined ? 'x' : 'y' });
  }
  const view = pageView(pdf, page.dict);
  return { page, rect: placeSeal(view, opts.xMm, opts.yMm, opts.appearance.widthMm, opts.appearance.heightMm), rotation: view.rotation };
}

function transformReference(ctx: PdfFile['context'], method: 'DocMDP' | 'FieldMDP', fill: (params: PDFDict) => void): PDFDict {
  const ref = PDFDict.withContext(ctx);
  ref.set(PDFName.of('Type'), PDFName.of('SigRef'));
  ref.set(PDFName.of('TransformMethod'), PDFName.of(method));
  const params = PDFDict.withContext(ctx);
  params.set(PDFName.of('Type'), PDFName.of('TransformParams'));
  fill(params);
  params.set(PDFName.of('V'), PDFName.of('1.2'));
  ref.set(PDFName.of('TransformParams'), params);
  return ref;
}

/**
 * Certification only on a document without signatures; and no seal at all on a document certified with
 * "no changes allowed" (P 1), which a new signature would break.
 */
function checkCertification(pdf: PdfFile, certify: SealPdfOptions['certify']): void {
  const perms = pdf.lookupDict(pdf.catalog().get(PDFName.of('Perms')));
  const docMdp = pdf.lookupDict(perms?.get(PDFName.of('DocMDP')));
  if (docMdp) {
    const refs = pdf.lookupArray(docMdp.get(PDFName.of('Reference')));
    for (const r of refs?.asArray() ?? []) {
      const d = pdf.lookupDict(r);
      const params = pdf.lookupDict(d?.get(PDFName.of('TransformParams')));
      if (d && pdf.lookupName(d.get(PDFName.of('TransformMethod'))) === 'DocMDP' && (pdf.lookupNumber(params?.get(PDFName.of('P'))) ?? 2) === 1) {
        throw unprocessable('document-locked', 'The document is certified with no changes allowed; it cannot be sealed again.');
      }
    }
  }
  if (certify !== undefined) {
    if (![1, 2, 3].includes(certify)) throw unprocessable('bad-certification', 'certify must be 1, 2 or 3.', { field: 'certify' });
    if (docMdp || signatureFields(pdf).some((f) => f.value)) {
      throw unprocessable('certification-not-first', 'Only the first signature of a document can certify it.', { field: 'certify' });
    }
  }
}


