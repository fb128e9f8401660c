/**
 * Imprint extraction benchmark (issue 8): a 12-megapixel phone photo (4000×3000 JPEG, a page with a
 * turned seal, black text across it, uneven light, noise) → the 42 mm seal image at 600 dpi.
 * The photo is made once by the test corpus script and cached in bench/out/ (not timed).
 *
 *   npx tsx bench/imprint.ts        prints the rows; `npm run bench` includes them once the lead hooks them in
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { extractSealFromImprint } from '../src/imprint/index.js';
import { makeScan, photoCase12mp } from '../test/imprint/make-corpus.js';

const OUT_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'out');
const RUNS = 7;

async function photo12mp(): Promise<Buffer> {
  const file = join(OUT_DIR, 'imprint-photo-12mp.jpg');
  try {
    return await readFile(file);
  } catch {
    const buf = await makeScan(photoCase12mp());
    await mkdir(OUT_DIR, { recursive: true });
    await writeFile(file, buf);
    return buf;
  }
}

async function median(fn: () => Promise<unknown>, runs: number): Promise<number> {
  await fn(); // warm-up: JIT and libvips caches, as in a running service
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function benchImprint(): Promise<{ name: string; ms: number }[]> {
  const photo = await photo12mp();
  const meta = await sharp(photo).metadata();
  const label = `${meta.width}×${meta.height} JPEG`;
  const extract = await median(() => extractSealFromImprint(photo, { diameterMm: 42, dpi: 600 }), RUNS);
  // For scale: what decoding the whole photo once costs with sharp, the floor for any extraction.
  const decode = await median(() => sharp(photo).raw().toBuffer(), RUNS);
  return [
    { name: `imprint: extract 42 mm seal at 600 dpi from a ${label} (median of ${RUNS})`, ms: extract },
    { name: `imprint: floor, sharp decode of the whole ${label}`, ms: decode },
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const row of await benchImprint()) process.stdout.write(`${row.ms.toFixed(0).padStart(6)} ms  ${row.name}\n`);
}
