/**
 * The seal's appearance: an image XObject holding the canonical pixels losslessly (RGB, 8 bpc, FlateDecode)
 * with an /SMask (DeviceGray, the alpha), drawn by a Form XObject through an ExtGState with /BM /Multiply,
 * so the red shows as ink and the text under the seal stays readable.
 *
 * None of this depends on the document, so the compressed image data is made once per appearance and cached
 * (by the pixel buffer's identity, then by its SHA-256 for appearances rebuilt from storage).
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PDFArray, PDFContext, PDFDict, PDFName, PDFNumber, PDFRawStream, PDFRef } from 'pdf-lib';
import { unprocessable } from '../errors.js';

/**
 * The seal's picture and its real size: canonical pixels (RGBA, row-major, top row first), or the image streams
 * already made from them by encodeSealImage (what the service hands a document worker: a few KB, where the pixels
 * are ~4 MB at 600 dpi that would be copied to the worker and hashed there on every sealing).
 */
export type SealAppearance = SealPixels | (SealSize & { encoded: EncodedImage; rgba?: undefined });
interface SealSize { width: number; height: number; widthMm: number; heightMm: number }
/** The seal's picture as canonical pixels. */
export type SealPixels = SealSize & { rgba: Buffer; encoded?: undefined };

/** The image streams' data of a seal's picture (the pixels' RGB and their alpha, each Flate-compressed). */
export interface EncodedImage {
  rgb: Buffer; // Flate
  alpha: Buffer; // Flate
}

const byBuffer = new WeakMap<Buffer, EncodedImage>();
const byHash = new Map<string, EncodedImage>();
const MAX_BY_HASH = 32;

/** The lossless image streams' data for an appearance, made once and cached. */
export function encodeSealImage(a: SealAppearance): EncodedImage {
  if (a.encoded) return a.encoded;
  if (!Number.isInteger(a.width) || !Number.isInteger(a.height) || a.width <= 0 || a.height <= 0 || a.rgba.length !== a.width * a.height * 4) {
    throw unprocessable('bad-seal-image', 'The seal image size does not match its pixel data.', { field: 'appearance' });
  }
  const hit = byBuffer.get(a.rgba);
  if (hit) return hit;
  const key = createHash('sha256').update(`${a.width}x${a.height}:`).update(a.rgba).digest('hex');
  let enc = byHash.get(key);
  if (!enc) {
    const n = a.width * a.height;
    const rgb = Buffer.allocUnsafe(n * 3);
    const alpha = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      const al = a.rgba[i * 4 + 3] as number;
      alpha[i] = al;
      if (al === 0) {
        // Fully transparent: white, which is neutral under Multiply even for a reader that ignores /SMask.
        // The canonical hash zeroes these pixels anyway, so the verifier's rebuild is unaffected.
        rgb[i * 3] = 255;
        rgb[i * 3 + 1] = 255;
        rgb[i * 3 + 2] = 255;
      } else {
        rgb[i * 3] = a.rgba[i * 4] as number;
        rgb[i * 3 + 1] = a.rgba[i * 4 + 1] as number;
        rgb[i * 3 + 2] = a.rgba[i * 4 + 2] as number;
      }
    }
    enc = { rgb: deflateSync(rgb, { level: 9 }), alpha: deflateSync(alpha, { level: 9 }) };
    if (byHash.size >= MAX_BY_HASH) byHash.delete(byHash.keys().next().value as string);
    byHash.set(key, enc);
  }
  byBuffer.set(a.rgba, enc);
  return enc;
}

export const MM_TO_PT = 72 / 25.4;
const round = (x: number) => Math.round(x * 1000) / 1000;

function numbers(context: PDFContext, xs: number[]): PDFArray {
  const arr = PDFArray.withContext(context);
  for (const x of xs) arr.push(PDFNumber.of(round(x)));
  return arr;
}

/** The three streams of a seal appearance, to be stored under the refs given. */
export function sealAppearanceStreams(
  context: PDFContext,
  a: SealAppearance,
  rotation: 0 | 90 | 180 | 270,
  refs: { form: PDFRef; image: PDFRef; smask: PDFRef },
): { form: PDFRawStream; image: PDFRawStream; smask: PDFRawStream } {
  return { form: sealForm(context, a, rotation, refs.image), ...sealImageStreams(context, a, refs.smask) };
}

/** The seal's image and its soft mask (the alpha), losslessly; one pair serves every form that shows the seal. */
export function sealImageStreams(context: PDFContext, a: SealAppearance, smaskRef: PDFRef): { image: PDFRawStream; smask: PDFRawStream } {
  const enc = encodeSealImage(a);
  const image = imageDict(context, a, 'DeviceRGB');
  image.set(PDFName.of('SMask'), smaskRef);
  const smask = imageDict(context, a, 'DeviceGray');
  return { image: PDFRawStream.of(image, enc.rgb), smask: PDFRawStream.of(smask, enc.alpha) };
}

/**
 * The Form XObject that draws the seal, or one vertical slice of it: `slice` (mm from the seal's left edge,
 * as the reader sees it) keeps only that strip, the form's /BBox clipping the rest. A riding seal (骑缝章)
 * shows one slice on each page.
 */
export function sealForm(
  context: PDFContext,
  a: SealAppearance,
  rotation: 0 | 90 | 180 | 270,
  imageRef: PDFRef,
  slice?: { fromMm: number; widthMm: number },
): PDFRawStream {
  const w = round(a.widthMm * MM_TO_PT);
  const h = round(a.heightMm * MM_TO_PT);
  const from = slice ? round(slice.fromMm * MM_TO_PT) : 0;
  const bw = slice ? round(slice.widthMm * MM_TO_PT) : w;
  const form = PDFDict.withContext(context);
  form.set(PDFName.of('Type'), PDFName.of('XObject'));
  form.set(PDFName.of('Subtype'), PDFName.of('Form'));
  form.set(PDFName.of('BBox'), numbers(context, [0, 0, bw, h]));
  // Drawn upright in its own space; the matrix turns it against the page's /Rotate so the reader sees it upright.
  const m = { 0: [1, 0, 0, 1], 90: [0, 1, -1, 0], 180: [-1, 0, 0, -1], 270: [0, -1, 1, 0] }[rotation];
  form.set(PDFName.of('Matrix'), numbers(context, [...m, 0, 0]));
  const resources = PDFDict.withContext(context);
  const xobjects = PDFDict.withContext(context);
  xobjects.set(PDFName.of('Seal'), imageRef);
  resources.set(PDFName.of('XObject'), xobjects);
  const gs = PDFDict.withContext(context);
  gs.set(PDFName.of('Type'), PDFName.of('ExtGState'));
  gs.set(PDFName.of('BM'), PDFName.of('Multiply'));
  const gsDict = PDFDict.withContext(context);
  gsDict.set(PDFName.of('Ink'), gs);
  resources.set(PDFName.of('ExtGState'), gsDict);
  form.set(PDFName.of('Resources'), resources);
  const content = Buffer.from(`q /Ink gs ${w} 0 0 ${h} ${from ? -from : 0} 0 cm /Seal Do Q`, 'latin1');
  return PDFRawStream.of(form, content);
}

function imageDict(context: PDFContext, a: SealAppearance, colorSpace: 'DeviceRGB' | 'DeviceGray'): PDFDict {
  const d = PDFDict.withContext(context);
  d.set(PDFName.of('Type'), PDFName.of('XObject'));
  d.set(PDFName.of('Subtype'), PDFName.of('Image'));
  d.set(PDFName.of('Width'), PDFNumber.of(a.width));
  d.set(PDFName.of('Height'), PDFNumber.of(a.height));
  d.set(PDFName.of('ColorSpace'), PDFName.of(colorSpace));
  d.set(PDFName.of('BitsPerComponent'), PDFNumber.of(8));
  d.set(PDFName.of('Filter'), PDFName.of('FlateDecode'));
  return d;
}
