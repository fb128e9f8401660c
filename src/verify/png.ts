/**
 * A PNG's pixels in the canonical form of src/image-hash.ts, without native code (the verifier and
 * its bundle load no sharp): enough PNG for the seal pictures a GB/T 38540 SESeal carries — 8-bit
 * truecolour with or without alpha, or 8-bit greyscale with or without alpha, not interlaced.
 * Anything else is "unreadable", never a crash; the size is capped before anything is inflated.
 */
import type { CanonicalImage } from '../image-hash.js';
import { verifierPort } from './port/index.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A seal picture is a few hundred pixels a side; 4096 × 4096 is far beyond any. */
const MAX_SIDE = 4096;
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

export class PngError extends Error {}

export function decodePng(png: Uint8Array): CanonicalImage {
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (b.length < 33 || !b.subarray(0, 8).equals(SIGNATURE)) throw new PngError('not a PNG');
  let width = 0;
  let height = 0;
  let colourType = -1;
  const idat: Buffer[] = [];
  for (let p = 8; p + 12 <= b.length; ) {
    const len = b.readUInt32BE(p);
    const type = b.toString('latin1', p + 4, p + 8);
    if (p + 12 + len > b.length) throw new PngError('truncated chunk');
    const data = b.subarray(p + 8, p + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      colourType = data[9]!;
      if (depth !== 8 || CHANNELS[colourType] === undefined || data[12] !== 0) throw new PngError('only 8-bit, non-interlaced grey or truecolour PNGs');
      if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) throw new PngError('picture too large');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    p += 12 + len;
  }
  const ch = CHANNELS[colourType];
  if (!ch || idat.length === 0) throw new PngError('no image data');
  const stride = width * ch;
  let raw: Buffer;
  try {
    raw = Buffer.from(verifierPort().inflate(Buffer.concat(idat), (stride + 1) * height));
  } catch {
    throw new PngError('image data does not inflate');
  }
  if (raw.length !== (stride + 1) * height) throw new PngError('image data has the wrong length');
  const rgba = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = new Uint8Array(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= ch ? line[i - ch]! : 0;
      const up = prev[i]!;
      const c = i >= ch ? prev[i - ch]! : 0;
      let add: number;
      switch (filter) {
        case 0: add = 0; break;
        case 1: add = a; break;
        case 2: add = up; break;
        case 3: add = (a + up) >> 1; break;
        case 4: {
          const pa = Math.abs(up - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + up - 2 * c);
          add = pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
          break;
        }
        default: throw new PngError(`unknown filter ${filter}`);
      }
      line[i] = (line[i]! + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const s = x * ch;
      const [r, g, bl, al] = ch === 4 ? [line[s]!, line[s + 1]!, line[s + 2]!, line[s + 3]!]
        : ch === 3 ? [line[s]!, line[s + 1]!, line[s + 2]!, 255]
        : ch === 2 ? [line[s]!, line[s]!, line[s]!, line[s + 1]!]
        : [line[s]!, line[s]!, line[s]!, 255];
      const o = (y * width + x) * 4;
      // canonical: an invisible pixel is 0,0,0,0 (src/image-hash.ts)
      if (al !== 0) { rgba[o] = r; rgba[o + 1] = g; rgba[o + 2] = bl; rgba[o + 3] = al; }
    }
    prev = line;
  }
  return { width, height, rgba };
}
