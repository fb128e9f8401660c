import { verifierPort } from './verify/port/index.js';
import { unprocessable } from './errors.js';

/**
 * The canonical form of a seal image and its hash (印章图像摘要), shared by the CA, which binds the
 * hash into the seal certificate, and by the verifier, which recomputes it from the image it finds
 * in a PDF. Defined exactly, so any implementation can reproduce it. It lives here, outside render/
 * (which decodes PNGs with sharp, a native addon), so the verifier and the offline bundle can load it
 * without native code:
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
  const hash = verifierPort().hasher('SHA-256');
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
  const d = hash.digest();
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}
