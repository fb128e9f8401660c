import sharp, { type OutputInfo } from 'sharp';
import { unprocessable } from '../errors.js';

import { canonicalImageHash } from './image-hash.js';

// The hash itself lives in ./image-hash.ts, free of sharp, for the verifier; re-exported here for the renderer.
export { canonicalImageHash, type CanonicalImage } from './image-hash.js';

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
