import { createHash } from 'node:crypto';
import sharp, { type OutputInfo } from 'sharp';
import { unprocessable } from '../errors.js';

/**
 * The canonical form of a seal image and its hash (印章图像摘要), shared by the CA, which binds the
 * hash into the seal certificate, and by the verifier, which recomputes it from the image it finds
 * in a PDF. Defined exactly, so any implementation can reproduce it:
 *
 *   imageHash = SHA-256( "SEALIMG1"                       8 ASCII bytes, a version tag
 *                     || uint32 big-endian width          in pixels
 *                     || uint32 big-endian height         in pixels
 *                     || pixels )
 *
 * where `pixels` is width × height × 4 bytes: 8-bit R, G, B, A per pixel, NOT premultiplied by alpha,
 * rows top to bottom, each row left to right; every pixel whose alpha is 0 is written as 0,0,0,0
 * (the colour of an invisible pixel carries no meaning and is not preserved by every encoder,
 * e.g. a PDF image with a soft mask). Colour values are sRGB (our PNGs carry no colour profile).
 */
export interface CanonicalImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const TAG = Buffer.from('SEALIMG1', 'ascii');

export function canonicalImageHash(input: CanonicalImage): Buffer {
  const { width, height, rgba } = input;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width > 0xffffffff || height > 0xffffffff) {
    throw unprocessable('invalid-image', 'Image width and height must be positive 32-bit integers.', { field: 'image' });
  }
  if (rgba.length !== width * height * 4) {
    throw unprocessable('invalid-image', `Expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}.`, {
      field: 'image',
    });
  }
  const hash = createHash('sha256');
  const header = Buffer.alloc(16);
  TAG.copy(header, 0);
  header.writeUInt32BE(width, 8);
  header.writeUInt32BE(height, 12);
  hash.update(header);
  // Hash in slices with transparent pixels zeroed in a reused scratch row, never a full copy.
  const rowBytes = width * 4;
  const scratch = Buffer.alloc(rowBytes);
  for (let y = 0; y < height; y++) {
    const row = rgba.subarray(y * rowBytes, (y + 1) * rowBytes);
    let clean = true;
    for (let i = 3; i < rowBytes; i += 4) {
      if (row[i] === 0 && (row[i - 3] !== 0 || row[i - 2] !== 0 || row[i - 1] !== 0)) {
        clean = false;
        break;
      }
    }
    if (clean) {
      hash.update(row);
      continue;
    }
    scratch.set(row);
    for (let i = 3; i < rowBytes; i += 4) {
      if (scratch[i] === 0) {
        scratch[i - 3] = 0;
        scratch[i - 2] = 0;
        scratch[i - 1] = 0;
      }
    }
    hash.update(scratch);
  }
  return hash.digest();
}

/**
 * Decodes a PNG (any bit depth or colour type) to 8-bit non-premultiplied sRGB RGBA, with
 * transparent pixels zeroed as the canonical form requires.
 */
export async function canonicalPixels(png: Buffer): Promise<{ width: number; height: number; rgba: Buffer }> {
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(png, { failOn: 'error' })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch {
    throw unprocessable('invalid-image', 'The seal image is not a readable PNG.', { field: 'image' });
  }
  const { data, info } = decoded;
  if (info.channels !== 4) {
    throw unprocessable('invalid-image', `Expected 4 channels after decoding, got ${info.channels}.`, { field: 'image' });
  }
  for (let i = 3; i < data.length; i += 4) {
    if (data[i] === 0) {
      data[i - 3] = 0;
      data[i - 2] = 0;
      data[i - 1] = 0;
    }
  }
  return { width: info.width, height: info.height, rgba: data };
}

export async function imageHashOfPng(png: Buffer): Promise<Buffer> {
  return canonicalImageHash(await canonicalPixels(png));
}
