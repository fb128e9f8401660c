import sharp from 'sharp';

export interface Raw {
  width: number;
  height: number;
  data: Buffer;
}

/** Decodes a PNG to 8-bit RGBA. */
export async function rawRgba(png: Buffer): Promise<Raw> {
  const { data, info } = await sharp(png).ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

export const alphaAt = (img: Raw, x: number, y: number): number => img.data[(y * img.width + x) * 4 + 3] ?? 0;

/** Calls fn for every pixel with any ink (alpha > 0), with the pixel's centre coordinates. */
export function forEachInk(img: Raw, fn: (x: number, y: number, alpha: number) => void): void {
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const a = img.data[(y * img.width + x) * 4 + 3]!;
      if (a > 0) fn(x + 0.5, y + 0.5, a);
    }
  }
}

/** Angle of (dx, dy) from 12 o'clock, clockwise, in degrees (-180..180]; y points down. */
export const clockDeg = (dx: number, dy: number): number => (Math.atan2(dx, -dy) * 180) / Math.PI;
