/**
 * Scripted test corpus for the imprint extraction (issue 8): scans and photos of our own template
 * seals, "printed" the way a stamp marks paper (the ink multiplies the paper colour), on white, grey
 * or yellowish paper, optionally worn, turned a few degrees, under uneven light, with black text
 * printed across the seal, blurred, with sensor noise and JPEG compression. Everything is seeded,
 * so the same case gives the same bytes.
 *
 *   npx tsx test/imprint/make-corpus.ts [DIR]     writes the corpus (default test/fixtures/generated/imprint/)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { fromRoot } from '../../src/paths.js';
import { renderSeal } from '../../src/render/index.js';

export interface ScanCase {
  name: string;
  template: string;
  text: string;
  bottomText?: string;
  /** Scanner resolution, pixels per inch. */
  scanDpi: number;
  /** Write the resolution into the file (scanners do; the phone photo case does not). */
  recordDensity: boolean;
  paper: [number, number, number];
  /** The stamp pad's red, deliberately not the template's. */
  ink?: [number, number, number];
  rotationDeg?: number;
  /** Gaussian blur sigma in scan pixels (out of focus, scanner optics). */
  blur?: number;
  /** Light falls off by this share from one corner to the opposite one (0 = even). */
  unevenLight?: number;
  blackText?: boolean;
  /** Uneven inking and worn edges: a seeded low-frequency field multiplies the ink. */
  worn?: boolean;
  /** Sensor noise, standard deviation in 8-bit levels. */
  noise?: number;
  format: 'jpeg' | 'png' | 'tiff';
  jpegQuality?: number;
  /** Page size in mm around the seal (defaults: seal + 50 mm each way). */
  pageMm?: { width: number; height: number };
  /** Where the seal's centre sits, as a share of the page (default the middle). */
  at?: { x: number; y: number };
  /** Store the pixels turned and set this EXIF orientation, as phones do. */
  exifOrientation?: 6 | 8;
  seed?: number;
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const mmPx = (mm: number, dpi: number) => Math.round((mm / 25.4) * dpi);

/** A smooth random field in [0, 1] (bilinear upsampling of a coarse grid of random values). */
function smoothField(width: number, height: number, cellPx: number, random: () => number): Float32Array {
  const gw = Math.ceil(width / cellPx) + 2, gh = Math.ceil(height / cellPx) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => random());
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = y / cellPx, y0 = Math.floor(fy), ay = fy - y0;
    const r0 = y0 * gw, r1 = r0 + gw;
    for (let x = 0; x < width; x++) {
      const fx = x / cellPx, x0 = Math.floor(fx), ax = fx - x0;
      const top = grid[r0 + x0]! + (grid[r0 + x0 + 1]! - grid[r0 + x0]!) * ax;
      const bottom = grid[r1 + x0]! + (grid[r1 + x0 + 1]! - grid[r1 + x0]!) * ax;
      out[y * width + x] = top + (bottom - top) * ay;
    }
  }
  return out;
}

/** Lines of black glyph-like strokes (no fonts: rectangles and bars), as SVG at the page's pixel size. */
function blackTextSvg(width: number, height: number, dpi: number, rows: number[], random: () => number): string {
  const glyph = mmPx(4, dpi), stroke = Math.max(1, mmPx(0.45, dpi)), gap = mmPx(1, dpi);
  const parts: string[] = [];
  for (const rowY of rows) {
    for (let x = mmPx(8, dpi); x + glyph < width - mmPx(8, dpi); x += glyph + gap) {
      const n = 2 + Math.floor(random() * 3);
      for (let k = 0; k < n; k++) {
        if (random() < 0.5) {
          const y = rowY + Math.floor(random() * (glyph - stroke));
          parts.push(`<rect x="${x}" y="${y}" width="${glyph}" height="${stroke}"/>`);
        } else {
          const xx = x + Math.floor(random() * (glyph - stroke));
          parts.push(`<rect x="${xx}" y="${rowY}" width="${stroke}" height="${glyph}"/>`);
        }
      }
      parts.push(`<line x1="${x}" y1="${rowY + glyph}" x2="${x + glyph}" y2="${rowY}" stroke="black" stroke-width="${stroke}"/>`);
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g fill="black">${parts.join('')}</g></svg>`;
}

/** The seal's ink coverage (0..1) at scan resolution, turned by rotationDeg (clockwise). */
async function sealInk(c: ScanCase): Promise<{ ink: Float32Array; width: number; height: number }> {
  const seal = await renderSeal({ template: c.template, text: c.text, bottomText: c.bottomText, dpi: c.scanDpi });
  let img = sharp(seal.png);
  if (c.rotationDeg) img = img.rotate(c.rotationDeg, { background: { r: 0, g: 0, b: 0, alpha: 0 } });
  const { data, info } = await img.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const ink = new Float32Array(info.width * info.height);
  for (let i = 0; i < ink.length; i++) ink[i] = data[i * 4 + 3]! / 255;
  if (c.worn) {
    const random = rng((c.seed ?? 1) + 17);
    const field = smoothField(info.width, info.height, mmPx(2.5, c.scanDpi), random);
    const fine = smoothField(info.width, info.height, Math.max(2, mmPx(0.4, c.scanDpi)), random);
    // Between 35% and 100% of full ink, blotchy at two scales, and some strokes broken off.
    for (let i = 0; i < ink.length; i++) {
      const f = 0.35 + 0.65 * Math.min(1, field[i]! * 1.2) * (0.75 + 0.25 * fine[i]!);
      ink[i] = ink[i]! * f * (fine[i]! < 0.12 ? 0.2 : 1);
    }
  }
  return { ink, width: info.width, height: info.height };
}

/** Makes one scan; returns the encoded file. */
export async function makeScan(c: ScanCase): Promise<Buffer> {
  const random = rng(c.seed ?? 1);
  const { ink, width: sw, height: sh } = await sealInk(c);
  const pageW = c.pageMm ? mmPx(c.pageMm.width, c.scanDpi) : sw + mmPx(50, c.scanDpi);
  const pageH = c.pageMm ? mmPx(c.pageMm.height, c.scanDpi) : sh + mmPx(50, c.scanDpi);
  const left = Math.round((c.at?.x ?? 0.5) * pageW - sw / 2);
  const top = Math.round((c.at?.y ?? 0.5) * pageH - sh / 2);
  const inkColour = c.ink ?? [205, 32, 44];

  // Black text under the seal: rows through the middle of the seal.
  let text: Buffer | undefined;
  if (c.blackText) {
    const rows = [-0.3, -0.05, 0.2].map((r) => Math.round(top + sh / 2 + r * sh));
    const svg = blackTextSvg(pageW, pageH, c.scanDpi, rows, random);
    text = await sharp(Buffer.from(svg), { density: 72 }).ensureAlpha().extractChannel(3).raw().toBuffer();
  }

  const page = Buffer.alloc(pageW * pageH * 3);
  const light = c.unevenLight ?? 0;
  const grainRandom = rng((c.seed ?? 1) + 5);
  for (let y = 0; y < pageH; y++) {
    for (let x = 0; x < pageW; x++) {
      const p = y * pageW + x;
      const lit = 1 - light * ((x / pageW + y / pageH) / 2);
      const sx = x - left, sy = y - top;
      const a = sx >= 0 && sy >= 0 && sx < sw && sy < sh ? ink[sy * sw + sx]! : 0;
      const t = text ? text[p]! / 255 : 0;
      const grain = 0.985 + 0.03 * grainRandom(); // paper grain
      for (let k = 0; k < 3; k++) {
        let v = c.paper[k]! * grain;
        v *= 1 - a * (1 - inkColour[k]! / 255); // ink multiplies the paper
        v *= 1 - t * (1 - 25 / 255); // toner, over or under the ink
        v *= lit;
        page[p * 3 + k] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  let img = sharp(page, { raw: { width: pageW, height: pageH, channels: 3 } });
  if (c.blur) img = img.blur(c.blur);
  const raw = await img.raw().toBuffer();
  if (c.noise) {
    const r = rng((c.seed ?? 1) + 99);
    for (let i = 0; i < raw.length; i++) {
      // Irwin–Hall approximation of a normal variate.
      const n = (r() + r() + r() + r() - 2) * Math.sqrt(3) * c.noise;
      raw[i] = Math.max(0, Math.min(255, Math.round(raw[i]! + n)));
    }
  }
  let out = sharp(raw, { raw: { width: pageW, height: pageH, channels: 3 } });
  if (c.exifOrientation) {
    // Store the pixels as a phone's sensor would, with the tag that turns them upright for display
    // (6: turn 90° clockwise to show, so the stored pixels are turned 90° anticlockwise).
    const turned = await out.rotate(c.exifOrientation === 6 ? 270 : 90).raw().toBuffer({ resolveWithObject: true });
    out = sharp(turned.data, { raw: { width: turned.info.width, height: turned.info.height, channels: 3 } });
  }
  const meta = {
    ...(c.recordDensity ? { density: c.scanDpi } : {}),
    ...(c.exifOrientation ? { orientation: c.exifOrientation } : {}),
  };
  if (Object.keys(meta).length > 0) out = out.withMetadata(meta);
  switch (c.format) {
    case 'jpeg':
      return out.jpeg({ quality: c.jpegQuality ?? 85 }).toBuffer();
    case 'png':
      return out.png({ compressionLevel: 6 }).toBuffer();
    case 'tiff':
      return out.tiff({ compression: 'lzw' }).toBuffer();
  }
}

const WHITE: [number, number, number] = [246, 245, 242];
const GREY: [number, number, number] = [196, 196, 192];
const YELLOWISH: [number, number, number] = [240, 228, 186];
const NAME = '北京市海淀区人民政府办公室';

/** The good scans: each must come back as its template seal. */
export const GOOD_CASES: ScanCase[] = [
  { name: 'white-300dpi-png', template: 'round-official', text: NAME, scanDpi: 300, recordDensity: true, paper: WHITE, format: 'png' },
  {
    name: 'grey-rotated-jpeg',
    template: 'round-official',
    text: NAME,
    scanDpi: 400,
    recordDensity: true,
    paper: GREY,
    rotationDeg: 7,
    blur: 0.8,
    noise: 3,
    format: 'jpeg',
    jpegQuality: 80,
    seed: 2,
  },
  {
    name: 'yellowish-uneven-text',
    template: 'round-special',
    text: NAME,
    scanDpi: 400,
    recordDensity: true,
    paper: YELLOWISH,
    rotationDeg: -4,
    unevenLight: 0.45,
    blackText: true,
    blur: 0.7,
    noise: 3,
    format: 'jpeg',
    jpegQuality: 82,
    seed: 3,
  },
  {
    name: 'worn-department-tiff',
    template: 'round-department',
    text: '海淀区财政局预算科',
    scanDpi: 600,
    recordDensity: true,
    paper: WHITE,
    rotationDeg: 3,
    worn: true,
    format: 'tiff',
    seed: 4,
  },
  {
    name: 'oval-rotated',
    template: 'oval',
    text: NAME,
    scanDpi: 400,
    recordDensity: true,
    paper: YELLOWISH,
    rotationDeg: -6,
    blur: 0.6,
    noise: 2,
    format: 'jpeg',
    seed: 5,
  },
  {
    name: 'square-rotated',
    template: 'square-name',
    text: '张伟',
    scanDpi: 600,
    recordDensity: true,
    paper: WHITE,
    rotationDeg: 5,
    blur: 0.6,
    format: 'png',
    seed: 6,
  },
  {
    // A phone photo: no resolution recorded, stored turned with an EXIF orientation tag.
    name: 'phone-photo-exif',
    template: 'round-official',
    text: NAME,
    scanDpi: 330,
    recordDensity: false,
    paper: WHITE,
    rotationDeg: -2,
    unevenLight: 0.3,
    blur: 1,
    noise: 4,
    format: 'jpeg',
    jpegQuality: 78,
    exifOrientation: 6,
    seed: 7,
  },
];

/** A valid PNG of width×height 1-bit grey pixels, all zero: tiny on disk, huge in memory (a decompression bomb). */
export function pngBomb(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const rowBytes = 1 + Math.ceil(width / 8);
  // Deflate one row at a time into a stream would be smaller still; a zero buffer of a few MB is quick.
  const rows = Math.min(height, Math.floor((64 * 1024 * 1024) / rowBytes));
  const idat = deflateSync(Buffer.alloc(rowBytes * rows), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The bad scans, each with the error type it must get. */
export async function makeBadScans(): Promise<{ name: string; input: Buffer; type: string }[]> {
  const blank = await sharp({ create: { width: 1200, height: 1600, channels: 3, background: { r: 244, g: 240, b: 226 } } })
    .jpeg({ quality: 85 })
    .toBuffer();
  const textPage = Buffer.from(blackTextSvg(1200, 1600, 300, [200, 400, 600, 800, 1000], rng(11)));
  const textOnly = await sharp(textPage, { density: 72 }).flatten({ background: '#f6f5f2' }).jpeg({ quality: 80 }).toBuffer();
  const base = { template: 'round-official', text: NAME, scanDpi: 300, recordDensity: true, paper: WHITE, format: 'png' as const };
  // Two seals: one scan per seal position, multiplied together (ink multiplies the paper).
  const twoApart = await multiply(
    await makeScan({ ...base, name: 'a', pageMm: { width: 160, height: 90 }, at: { x: 0.3, y: 0.5 } }),
    await makeScan({ ...base, name: 'b', pageMm: { width: 160, height: 90 }, at: { x: 0.72, y: 0.5 }, seed: 3 }),
  );
  const overlapping = await multiply(
    await makeScan({ ...base, name: 'a', pageMm: { width: 120, height: 90 }, at: { x: 0.4, y: 0.5 } }),
    await makeScan({ ...base, name: 'b', pageMm: { width: 120, height: 90 }, at: { x: 0.6, y: 0.52 }, rotationDeg: 9, seed: 3 }),
  );
  const good = await makeScan({ ...base, name: 'jpeg', format: 'jpeg' });
  const cutOff = await makeScan({ ...base, name: 'cut-off', pageMm: { width: 120, height: 80 }, at: { x: 0.1, y: 0.5 } });
  const onePixel = await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 230, g: 0, b: 18 } } }).png().toBuffer();
  return [
    { name: 'blank-page', input: blank, type: 'no-seal-found' },
    { name: 'black-text-only', input: textOnly, type: 'no-seal-found' },
    { name: 'two-seals', input: twoApart, type: 'multiple-seals' },
    { name: 'overlapping-seals', input: overlapping, type: 'multiple-seals' },
    { name: 'seal-cut-off', input: cutOff, type: 'seal-cut-off' },
    { name: 'one-pixel', input: onePixel, type: 'scan-too-small' },
    { name: 'bomb-20000x20000', input: pngBomb(20000, 20000), type: 'image-too-large' },
    { name: 'truncated-jpeg', input: good.subarray(0, Math.floor(good.length * 0.6)), type: 'unreadable-image' },
    { name: 'not-an-image', input: Buffer.from('%PDF-1.7\n this is not an image\n'), type: 'unreadable-image' },
    { name: 'over-30-mb', input: Buffer.concat([good, Buffer.alloc(31 * 1024 * 1024)]), type: 'image-too-large' },
  ];
}

async function multiply(a: Buffer, b: Buffer): Promise<Buffer> {
  const A = await sharp(a).raw().toBuffer({ resolveWithObject: true });
  const B = await sharp(b).raw().toBuffer();
  const out = Buffer.alloc(A.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round((A.data[i]! * B[i]!) / 255);
  return sharp(out, { raw: { width: A.info.width, height: A.info.height, channels: A.info.channels as 3 } })
    .withMetadata({ density: 300 })
    .png()
    .toBuffer();
}

/** A 12-megapixel phone photo (4000×3000) of a page with a seal and text, for the benchmark. */
export function photoCase12mp(): ScanCase {
  // 4000 px across a 297 mm page: about 342 px per inch, so a 42 mm seal has ~565 px (992 at 600 dpi needs ≥ 496).
  return {
    name: 'photo-12mp',
    template: 'round-official',
    text: NAME,
    scanDpi: 342,
    recordDensity: false,
    paper: [236, 233, 225],
    rotationDeg: 3,
    unevenLight: 0.35,
    blackText: true,
    blur: 1.1,
    noise: 4,
    format: 'jpeg',
    jpegQuality: 85,
    pageMm: { width: 297.08, height: 222.81 }, // exactly 4000×3000 px at 342 dpi
    at: { x: 0.62, y: 0.58 },
    seed: 12,
  };
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? fromRoot('test', 'fixtures', 'generated', 'imprint');
  await mkdir(dir, { recursive: true });
  for (const c of [...GOOD_CASES, photoCase12mp()]) {
    const buf = await makeScan(c);
    await writeFile(join(dir, `${c.name}.${c.format === 'jpeg' ? 'jpg' : c.format === 'tiff' ? 'tif' : 'png'}`), buf);
  }
  for (const b of await makeBadScans()) {
    if (b.input.length < 2 * 1024 * 1024) await writeFile(join(dir, `bad-${b.name}.bin`), b.input);
  }
  process.stdout.write(`corpus written to ${dir}\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  await main();
}
