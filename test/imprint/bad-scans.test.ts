import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { extractSealFromImprint, type ImprintOptions } from '../../src/imprint/index.js';
import { GOOD_CASES, makeBadScans, makeScan, rng } from './make-corpus.js';

/** Every refusal is an AppError 422 with a stable type and the field it concerns. */
async function refusal(input: Buffer, opts: ImprintOptions = { diameterMm: 42 }): Promise<AppError> {
  try {
    await extractSealFromImprint(input, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('extraction succeeded, a refusal was expected');
}

describe('bad scans get the right error, never a crash or a hang', () => {
  let bad: Awaited<ReturnType<typeof makeBadScans>>;
  beforeAll(async () => {
    bad = await makeBadScans();
  });

  it.each([
    'blank-page',
    'black-text-only',
    'two-seals',
    'overlapping-seals',
    'seal-cut-off',
    'one-pixel',
    'bomb-20000x20000',
    'truncated-jpeg',
    'not-an-image',
    'over-30-mb',
  ])('%s', async (name) => {
    const b = bad.find((x) => x.name === name)!;
    const err = await refusal(b.input);
    expect(err.status).toBe(422);
    expect(err.type).toBe(b.type);
    expect(err.details.field).toBe('imprint');
    expect(err.message).not.toMatch(/vips|sharp|\.c:|\n\s+at /i); // no library internals
  });

  it('damaged files (seeded byte flips and cuts in JPEG, PNG, TIFF): a seal or a 4xx, never a crash', async () => {
    const random = rng(2024);
    const base = { ...GOOD_CASES[0]!, name: 'fuzz', pageMm: { width: 70, height: 70 } };
    for (const format of ['jpeg', 'png', 'tiff'] as const) {
      const good = await makeScan({ ...base, format });
      for (let k = 0; k < 6; k++) {
        const bad = Buffer.from(good);
        if (k % 2 === 0) {
          for (let n = 0; n < 8; n++) bad[Math.floor(random() * Math.min(bad.length, 4096))] = Math.floor(random() * 256);
        } else {
          const at = Math.floor(random() * bad.length);
          bad[at] = bad[at]! ^ 0xff;
        }
        const input = k === 5 ? bad.subarray(0, Math.floor(random() * bad.length)) : bad;
        try {
          await extractSealFromImprint(input, { diameterMm: 42, dpi: 300 });
        } catch (err) {
          expect(err, `${format} #${k}: ${String(err)}`).toBeInstanceOf(AppError);
          expect((err as AppError).status).toBeLessThan(500);
        }
      }
    }
  });

  it('the bomb is refused from its header, before any pixel is decoded', async () => {
    const b = bad.find((x) => x.name === 'bomb-20000x20000')!;
    expect(b.input.length).toBeLessThan(1024 * 1024);
    const meta = await sharp(b.input, { limitInputPixels: false }).metadata();
    expect(meta.width! * meta.height!).toBe(400_000_000);
  });

  it('a greyscale scan of a seal has no red ink: no-seal-found', async () => {
    const scan = await makeScan({ ...GOOD_CASES[0]!, name: 'grey' });
    const grey = await sharp(scan).greyscale().png().toBuffer();
    expect((await refusal(grey)).type).toBe('no-seal-found');
  });

  it('a 300 dpi scan is too small for a 2400 dpi image (needs 50% of the pixels)', async () => {
    const scan = await makeScan({ ...GOOD_CASES[0]!, name: 'small' });
    const err = await refusal(scan, { template: 'round-official', dpi: 2400 });
    expect(err.type).toBe('scan-too-small');
    expect(err.details).toMatchObject({ field: 'imprint', required: { width: 3969, height: 3969 }, minScale: 0.5 });
    // …but fine at 600 dpi (exactly 50%), with a warning that it was enlarged.
    const ok = await extractSealFromImprint(scan, { template: 'round-official', dpi: 600 });
    expect(ok.report.warnings.join(' ')).toMatch(/enlarged/);
  });

  it('a size that does not match the imprint: an oval asked for as a 42 mm round seal', async () => {
    const oval = GOOD_CASES.find((c) => c.template === 'oval')!;
    const err = await refusal(await makeScan(oval), { diameterMm: 42, dpi: 300 });
    expect(err.type).toBe('seal-shape-mismatch');
    expect(err.details.field).toBe('diameterMm');
  });

  it('bad options are 422s naming the field', async () => {
    const scan = await makeScan(GOOD_CASES[0]!);
    expect((await refusal(scan, { diameterMm: 0 })).details.field).toBe('diameterMm');
    expect((await refusal(scan, { diameterMm: 1000 })).type).toBe('invalid-size');
    expect((await refusal(scan, { widthMm: 40 })).details.field).toBe('heightMm');
    expect((await refusal(scan, { diameterMm: 42, widthMm: 42, heightMm: 42 })).type).toBe('invalid-size');
    expect((await refusal(scan, { diameterMm: 42, dpi: 10 })).type).toBe('dpi-out-of-range');
    expect((await refusal(scan, { diameterMm: 100, dpi: 2400 })).type).toBe('output-too-large');
    expect((await refusal(scan, { template: 'no-such-template' })).type).toBe('unknown-template');
  });

  it('no size and no resolution in the file: size-required', async () => {
    const photo = await makeScan(GOOD_CASES.find((c) => !c.recordDensity)!);
    const err = await refusal(photo, {});
    expect(err.type).toBe('size-required');
    expect(err.details.field).toBe('diameterMm');
  });
});

describe('without a template', () => {
  it('measures the size from the scan resolution when none is given', async () => {
    const seal = await extractSealFromImprint(await makeScan(GOOD_CASES[1]!), {});
    expect(Math.abs(seal.widthMm - 42)).toBeLessThanOrEqual(0.5);
    expect(seal.width).toBe(Math.round((seal.widthMm / 25.4) * 600));
  });

  it('finds the square outline of a name seal from width and height alone', async () => {
    const square = GOOD_CASES.find((c) => c.template === 'square-name')!;
    const seal = await extractSealFromImprint(await makeScan(square), { widthMm: 20, heightMm: 20 });
    expect(Math.abs(seal.report.rotationDegrees - square.rotationDeg!)).toBeLessThanOrEqual(0.5);
    expect(seal.report.confidence).toBeGreaterThan(0.8);
  });

  it('a small red mark elsewhere on the page is ignored, with a warning', async () => {
    const c = { ...GOOD_CASES[0]!, name: 'with-mark', pageMm: { width: 150, height: 120 }, at: { x: 0.4, y: 0.45 } };
    const page = await makeScan(c);
    const { width, height } = await sharp(page).metadata();
    // A red tick (8 × 1.5 mm at 300 dpi) in the lower right corner, multiplied into the paper like ink.
    const mark = await sharp({ create: { width: 94, height: 18, channels: 3, background: { r: 205, g: 32, b: 44 } } }).png().toBuffer();
    const marked = await sharp(page).composite([{ input: mark, left: width! - 200, top: height! - 120, blend: 'multiply' }]).png().toBuffer();
    const seal = await extractSealFromImprint(marked, { template: 'round-official' });
    expect(seal.report.warnings.join(' ')).toMatch(/Other red marks/);
    expect(seal.report.detectedSizeMm.width).toBeCloseTo(42, 0);
  });

  it('a seal turned by more than 15° is left as it is, with a warning', async () => {
    const c = { ...GOOD_CASES[0]!, name: 'turned-25', rotationDeg: 25 };
    const seal = await extractSealFromImprint(await makeScan(c), { diameterMm: 42 });
    expect(seal.report.rotationDegrees).toBe(0);
    expect(seal.report.warnings.join(' ')).toMatch(/more than the ±15°/);
  });
});
