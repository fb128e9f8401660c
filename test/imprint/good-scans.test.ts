import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { extractSealFromImprint } from '../../src/imprint/index.js';
import { getTemplate, imageHashOfPng, mmToPx, renderSeal, templateSizeMm } from '../../src/render/index.js';
import { alphaOf, compareInk } from './compare.js';
import { GOOD_CASES, makeScan, type ScanCase } from './make-corpus.js';

/**
 * The scripted corpus of good scans (make-corpus.ts): each must come back as the template seal it
 * was printed from. Stated tolerances, against the same seal rendered directly at 600 dpi:
 *  - ink masks (alpha ≥ 128) overlap with IoU ≥ 0.85 at the best shift within ±3 px; ≥ 0.78 when
 *    black text crosses the seal (the ink under the toner is bridged only where it can be inferred);
 *  - no ink added: extracted ink farther than 4 px from any source ink ≤ 0.2% of the source ink
 *    (black text, paper, shading and JPEG noise all stay transparent);
 *  - the measured size within 0.5 mm of the template's (scans that record their dpi);
 *  - the rotation found within 0.5° of the one the scan was made with.
 */

const results = new Map<string, { png: Buffer; fresh: number }>();

async function extractCase(c: ScanCase) {
  const scan = await makeScan(c);
  const seal = await extractSealFromImprint(scan, { template: c.template });
  const reference = await renderSeal({ template: c.template, text: c.text, bottomText: c.bottomText, dpi: 600 });
  return { seal, reference };
}

describe('good scans of our own template seals', () => {
  for (const c of GOOD_CASES) {
    it(`${c.name}: matches the source seal`, async () => {
      const { seal, reference } = await extractCase(c);
      const size = templateSizeMm(getTemplate(c.template));
      expect(seal.width).toBe(mmToPx(size.widthMm, 600));
      expect(seal.height).toBe(mmToPx(size.heightMm, 600));
      expect([seal.widthMm, seal.heightMm, seal.dpi]).toEqual([size.widthMm, size.heightMm, 600]);

      const cmp = await compareInk(seal.png, reference.png);
      expect(cmp.iou, JSON.stringify(cmp)).toBeGreaterThanOrEqual(c.blackText ? 0.78 : 0.85);
      expect(cmp.spuriousInk, JSON.stringify(cmp)).toBeLessThanOrEqual(0.002);

      const r = seal.report;
      expect(Math.abs(r.rotationDegrees - (c.rotationDeg ?? 0))).toBeLessThanOrEqual(0.5);
      if (c.recordDensity) {
        expect(Math.abs(r.detectedSizeMm.width - size.widthMm)).toBeLessThanOrEqual(0.5);
        expect(Math.abs(r.detectedSizeMm.height - size.heightMm)).toBeLessThanOrEqual(0.5);
      } else {
        expect(r.warnings.join(' ')).toMatch(/no resolution/);
        expect(Math.abs(r.detectedSizeMm.height - size.heightMm)).toBeLessThanOrEqual(0.5); // the aspect ratio
      }
      expect(r.confidence).toBeGreaterThanOrEqual(0.5);
      expect(r.confidence).toBeLessThanOrEqual(1);
      expect(r.inkCoverage).toBeGreaterThan(0.05);
      expect(r.inkCoverage).toBeLessThan(0.6);

      // Canonical pixels: seal red wherever there is ink, 0,0,0,0 elsewhere; the hash is the canonical one.
      expect(seal.imageHash.equals(await imageHashOfPng(seal.png))).toBe(true);
      const { data } = await sharp(seal.png).raw().toBuffer({ resolveWithObject: true });
      const red = [0xe6, 0x00, 0x12];
      let bad = 0;
      for (let i = 0; i < data.length; i += 4) {
        const a = data[i + 3]!;
        if (a === 0 ? data[i]! | data[i + 1]! | data[i + 2]! : data[i] !== red[0] || data[i + 1] !== red[1] || data[i + 2] !== red[2]) bad++;
      }
      expect(bad).toBe(0);

      const ref = await alphaOf(reference.png);
      const out = await alphaOf(seal.png);
      let solid = 0, weak = 0;
      for (let i = 0; i < ref.alpha.length; i++) {
        if (ref.alpha[i]! < 250) continue;
        solid++;
        if (out.alpha[i]! < 200) weak++;
      }
      results.set(c.name, { png: seal.png, fresh: weak / solid });
    });
  }

  it('removes black text crossing the seal: no dark pixel left, seen over white paper', async () => {
    const c = GOOD_CASES.find((x) => x.blackText)!;
    const png = results.get(c.name)?.png ?? (await extractCase(c)).seal.png;
    const { data } = await sharp(png).flatten({ background: '#ffffff' }).raw().toBuffer({ resolveWithObject: true });
    let dark = 0;
    for (let i = 0; i < data.length; i += 3) if (Math.max(data[i]!, data[i + 1]!, data[i + 2]!) < 128) dark++;
    expect(dark).toBe(0);
  });

  it("keeps a worn imprint's texture: weak ink stays weak where a fresh imprint is solid", async () => {
    const worn = results.get('worn-department-tiff');
    const fresh = results.get('white-300dpi-png');
    expect(worn && fresh).toBeTruthy();
    // Share of the source's solid ink that comes out with alpha < 200.
    expect(worn!.fresh).toBeGreaterThanOrEqual(0.3);
    expect(fresh!.fresh).toBeLessThanOrEqual(0.1);
  });

  it('is deterministic: the same scan gives the same image hash', async () => {
    const c = GOOD_CASES[1]!;
    const scan = await makeScan(c);
    const a = await extractSealFromImprint(scan, { template: c.template });
    const b = await extractSealFromImprint(scan, { template: c.template });
    expect(a.imageHash.equals(b.imageHash)).toBe(true);
    expect(a.png.equals(b.png)).toBe(true);
  });
});
