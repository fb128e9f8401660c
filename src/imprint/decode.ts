import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { unprocessable } from '../errors.js';
import type { Box } from './types.js';

/**
 * Bounded decoding of an uploaded imprint (scan or phone photo). Every limit is checked before any
 * pixel is decoded where it can be (bytes, then the header's dimensions), and the decoder itself is
 * held to the same pixel limit and a wall-clock timeout, so a decompression bomb or a corrupt file
 * is a 422, never a crash, an out-of-memory or a hang.
 */

export const MAX_IMPRINT_BYTES = 30 * 1024 * 1024;
export const MAX_IMPRINT_PIXELS = 50_000_000;
export const DECODE_TIMEOUT_SECONDS = 10;
/** Long side of the overview image the seal is located on. */
export const OVERVIEW_LONG_SIDE = 1000;

const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'tiff', 'webp']);

/** An RGB image as 8-bit interleaved samples (3 channels). */
export interface RgbImage {
  width: number;
  height: number;
  data: Buffer;
}

export interface ProbedImprint {
  /** Width and height after EXIF orientation. */
  width: number;
  height: number;
  format: string;
  /** Pixels per inch recorded in the file, when plausible for a scan (100..4800); else undefined. */
  densityDpi: number | undefined;
}

const tooLarge = (message: string, details: Record<string, unknown>) =>
  unprocessable('image-too-large', message, { field: 'imprint', ...details });
const unreadable = (message: string) => unprocessable('unreadable-image', message, { field: 'imprint' });

function open(input: Buffer): Sharp {
  // failOn 'error' refuses truncated and corrupt data instead of decoding grey filler.
  return sharp(input, { failOn: 'error', limitInputPixels: MAX_IMPRINT_PIXELS, sequentialRead: true })
    .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
    .autoOrient() // phone photos: honour EXIF orientation
    .flatten({ background: '#ffffff' }) // a transparent scan lies on white paper
    .toColourspace('srgb');
}

function decodeError(err: unknown): never {
  const msg = err instanceof Error ? err.message : String(err);
  if (/timeout/i.test(msg)) {
    throw tooLarge(`Decoding the image took longer than ${DECODE_TIMEOUT_SECONDS} s.`, { limitSeconds: DECODE_TIMEOUT_SECONDS });
  }
  if (/pixel limit/i.test(msg)) {
    throw tooLarge(`The image has more than ${MAX_IMPRINT_PIXELS} pixels.`, { maxPixels: MAX_IMPRINT_PIXELS });
  }
  // libvips' messages can carry file internals; the caller needs only to know the file is bad.
  throw unreadable('The image is corrupt or truncated and cannot be decoded.');
}

/** Checks size, format and dimensions from the header only. */
export async function probeImprint(input: Buffer): Promise<ProbedImprint> {
  if (!Buffer.isBuffer(input) || input.length === 0) throw unreadable('The upload is empty.');
  if (input.length > MAX_IMPRINT_BYTES) {
    throw tooLarge(`The file is ${input.length} bytes; at most ${MAX_IMPRINT_BYTES} are accepted.`, { maxBytes: MAX_IMPRINT_BYTES });
  }
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    throw unreadable('The file is not a readable PNG, JPEG, TIFF or WebP image.');
  }
  if (!meta.format || !ACCEPTED_FORMATS.has(meta.format)) {
    throw unreadable(`Images of format ${meta.format ?? 'unknown'} are not accepted; send PNG, JPEG, TIFF or WebP.`);
  }
  const w = meta.width ?? 0;
  const h = meta.pageHeight ?? meta.height ?? 0;
  if (w <= 0 || h <= 0) throw unreadable('The image header gives no dimensions.');
  if (w * h > MAX_IMPRINT_PIXELS) {
    throw tooLarge(`The image is ${w}×${h} pixels; at most ${MAX_IMPRINT_PIXELS} pixels are accepted.`, {
      maxPixels: MAX_IMPRINT_PIXELS,
    });
  }
  const turned = (meta.orientation ?? 1) >= 5; // EXIF 5..8 swap width and height
  const ppi = meta.density !== undefined && meta.resolutionUnit === 'cm' ? meta.density * 2.54 : meta.density;
  // 72 dpi is what cameras and most encoders write when they know nothing; no seal is scanned below 100.
  const densityDpi = ppi !== undefined && ppi >= 100 && ppi <= 4800 ? ppi : undefined;
  return { width: turned ? h : w, height: turned ? w : h, format: meta.format, densityDpi };
}

async function toRgb(pipeline: Sharp): Promise<RgbImage> {
  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await pipeline.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    decodeError(err);
  }
  const { data, info } = out;
  if (info.channels === 3) return { width: info.width, height: info.height, data };
  // toColourspace('srgb') gives 3 bands; keep a defensive path for anything else.
  const rgb = Buffer.alloc(info.width * info.height * 3);
  const c = info.channels;
  for (let i = 0, j = 0; j < rgb.length; i += c, j += 3) {
    rgb[j] = data[i]!;
    rgb[j + 1] = data[c >= 3 ? i + 1 : i]!;
    rgb[j + 2] = data[c >= 3 ? i + 2 : i]!;
  }
  return { width: info.width, height: info.height, data: rgb };
}

/** The whole image, shrunk so its long side is at most OVERVIEW_LONG_SIDE (JPEG shrinks on load). */
export async function decodeOverview(input: Buffer, probed: ProbedImprint): Promise<RgbImage> {
  const long = Math.max(probed.width, probed.height);
  const pipeline = open(input);
  if (long > OVERVIEW_LONG_SIDE) pipeline.resize(OVERVIEW_LONG_SIDE, OVERVIEW_LONG_SIDE, { fit: 'inside', kernel: 'linear' });
  return toRgb(pipeline);
}

/**
 * One region of the full-resolution image (after EXIF orientation), resized to outWidth×outHeight;
 * only this region's pixels ever reach JavaScript.
 */
export async function decodeRegion(input: Buffer, region: Box, outWidth: number, outHeight: number): Promise<RgbImage> {
  const width = region.x1 - region.x0;
  const height = region.y1 - region.y0;
  const pipeline = open(input).extract({ left: region.x0, top: region.y0, width, height });
  if (outWidth !== width || outHeight !== height) pipeline.resize(outWidth, outHeight, { fit: 'fill', kernel: 'lanczos3' });
  return toRgb(pipeline);
}
