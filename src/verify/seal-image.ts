/**
 * The seal image check: rebuild the exact RGBA of the image in the signature widget's appearance
 * (an /Image XObject, DeviceRGB 8 bpc, Flate, with a DeviceGray /SMask for alpha) and compare its
 * canonical hash with the hash the seal certificate binds (印章图像绑定 seal image binding).
 */
import * as asn1js from 'asn1js';
import { PDFDict, PDFObject, PDFRawStream, PDFRef } from 'pdf-lib';
import { decodeStream, type PdfFile } from '../pdf/reader.js';
import { canonicalImageHash } from '../render/image-hash.js';
import { declareUnderstoodExtension, type ParsedCertificate } from './certificate.js';
import { N, nameOf } from './pdf-objects.js';
import { hashFromOid } from './signature-algorithms.js';

/**
 * The binding extension's OID (published in ca/README.md; the CA reads it from ca/profiles.json).
 * A constant here so the offline verifier needs no data files; a test checks both agree.
 */
export const SEAL_IMAGE_BINDING_OID = '2.25.307863011571226879859732574380042958433.2.1';
/** asn1js prints arcs beyond 2^53 in its own notation; extension ids are compared in that form. */
const BINDING_ID_AS_PARSED = new asn1js.ObjectIdentifier({ value: SEAL_IMAGE_BINDING_OID }).valueBlock.toString();
declareUnderstoodExtension(BINDING_ID_AS_PARSED);

export interface BoundImage { hash: Buffer }

/** The bound image hash from a seal certificate; null when it has no binding, 'malformed' when unreadable. */
export function boundImageOf(cert: ParsedCertificate): BoundImage | null | 'malformed' {
  const ext = cert.extensions.find((e) => e.extnID === BINDING_ID_AS_PARSED);
  if (!ext) return null;
  try {
    const asn = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
    const seq = asn.result as asn1js.Sequence;
    const alg = seq.valueBlock.value[0] as asn1js.Sequence;
    const oid = (alg.valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString();
    const hash = Buffer.from((seq.valueBlock.value[1] as asn1js.OctetString).valueBlock.valueHexView);
    if (hashFromOid(oid) !== 'SHA-256' || hash.length !== 32) return 'malformed';
    return { hash };
  } catch {
    return 'malformed';
  }
}

export type SealImageResult =
  | { ok: true }
  | { ok: false; reason: 'seal-image-mismatch' | 'seal-image-missing' | 'seal-image-unreadable'; detail: string };

interface FoundImage { ref: string; stream: PDFRawStream }

function imagesIn(pdf: PdfFile, ap: PDFObject | undefined, rev: number): FoundImage[] {
  const out: FoundImage[] = [];
  const seen = new Set<string>();
  const visit = (o: PDFObject | undefined, depth: number) => {
    if (depth > 8 || o === undefined) return;
    if (o instanceof PDFRef) { if (seen.has(o.tag)) return; seen.add(o.tag); }
    const v = pdf.resolve(o, rev);
    if (v instanceof PDFRawStream) {
      const st = nameOf(v.dict.get(N('Subtype')));
      if (st === 'Image') { out.push({ ref: o instanceof PDFRef ? o.tag : 'inline', stream: v }); return; }
      const xobjects = pdf.lookupDict(pdf.lookupDict(v.dict.get(N('Resources')), rev)?.get(N('XObject')), rev);
      for (const [, x] of xobjects?.entries() ?? []) visit(x, depth + 1);
    } else if (v instanceof PDFDict) {
      // An appearance dictionary (/N, or /N with states).
      for (const [, x] of v.entries()) visit(x, depth + 1);
    }
  };
  visit(ap, 0);
  return out;
}

function rgbaOf(pdf: PdfFile, img: PDFRawStream, rev: number): { width: number; height: number; rgba: Buffer } {
  const d = img.dict;
  const width = pdf.lookupNumber(d.get(N('Width')), rev) ?? 0;
  const height = pdf.lookupNumber(d.get(N('Height')), rev) ?? 0;
  if (!(width > 0 && height > 0 && width * height <= 64_000_000)) throw new Error('bad image size');
  if (nameOf(pdf.resolve(d.get(N('ColorSpace')), rev)) !== 'DeviceRGB' || pdf.lookupNumber(d.get(N('BitsPerComponent')), rev) !== 8)
    throw new Error('the seal image is not DeviceRGB 8 bpc');
  const rgb = decodeStream(img);
  if (rgb.length < width * height * 3) throw new Error('image data too short');
  let alpha: Uint8Array | undefined;
  const smask = pdf.resolve(d.get(N('SMask')), rev);
  if (smask instanceof PDFRawStream) {
    const sw = pdf.lookupNumber(smask.dict.get(N('Width')), rev);
    const sh = pdf.lookupNumber(smask.dict.get(N('Height')), rev);
    if (sw !== width || sh !== height || pdf.lookupNumber(smask.dict.get(N('BitsPerComponent')), rev) !== 8)
      throw new Error('the soft mask does not match the image');
    alpha = decodeStream(smask);
    if (alpha.length < width * height) throw new Error('soft mask data too short');
  }
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const a = alpha ? alpha[i]! : 255;
    if (a === 0) continue; // canonical form: invisible pixels are 0,0,0,0
    rgba[i * 4] = rgb[i * 3]!;
    rgba[i * 4 + 1] = rgb[i * 3 + 1]!;
    rgba[i * 4 + 2] = rgb[i * 3 + 2]!;
    rgba[i * 4 + 3] = a;
  }
  return { width, height, rgba };
}

/** Compare every image in the widgets' appearances (as of the signed revision) with the bound hash. */
export function checkSealImage(pdf: PdfFile, widgets: PDFRef[], rev: number, bound: BoundImage): SealImageResult {
  const images: FoundImage[] = [];
  for (const w of widgets) {
    const wd = pdf.lookupDict(w, rev);
    images.push(...imagesIn(pdf, wd?.get(N('AP')), rev));
  }
  if (!images.length) return { ok: false, reason: 'seal-image-missing', detail: 'the signature appearance shows no image, but the seal certificate binds one' };
  for (const img of images) {
    let hash: Buffer;
    try {
      hash = canonicalImageHash(rgbaOf(pdf, img.stream, rev));
    } catch (e) {
      return { ok: false, reason: 'seal-image-unreadable', detail: `image ${img.ref.replace(/ R$/, '')}: ${(e as Error).message}` };
    }
    if (!hash.equals(bound.hash))
      return { ok: false, reason: 'seal-image-mismatch', detail: `image ${img.ref.replace(/ R$/, '')} in the appearance is not the image bound in the seal certificate` };
  }
  return { ok: true };
}
