/**
 * The seal lands where asked, upright, at its real size, on rotated (0/90/180/270) and cropped pages:
 * rendered by poppler (pdftoppm -r 100) and located by its red pixels.
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { MM_TO_PT } from '../../src/pdf/appearance.js';
import { readPdf } from '../../src/pdf/reader.js';
import { sealPdf } from '../../src/pdf/seal.js';
import { pageView } from '../../src/pdf/signature-field.js';
import { makeTestPki, signerFor, type TestPki } from '../helpers/openssl-pki.js';
import { basicPdf, toolRequired } from './fixtures.js';
import { renderPage } from './judges.js';
import { redSeal } from './seal-image.js';
import { needJudge } from '../helpers/judges.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});

async function redPixels(png: string) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  let minX = Infinity, minY = Infinity, maxX = -1, maxY = -1, sx = 0, sy = 0, n = 0;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const i = (y * info.width + x) * info.channels;
      if (data[i]! > 150 && data[i + 1]! < 90 && data[i + 2]! < 90) {
        minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
        sx += x; sy += y; n++;
      }
    }
  }
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const size = maxX - minX + 1;
  // Red pixels in a small box at distance d from the centre in direction (dx, dy): where the seal's top block is.
  const block = (dx: number, dy: number) => {
    let count = 0;
    const bx = cx + dx * 0.22 * size;
    const by = cy + dy * 0.22 * size;
    for (let y = Math.round(by - 0.05 * size); y <= Math.round(by + 0.05 * size); y++) {
      for (let x = Math.round(bx - 0.05 * size); x <= Math.round(bx + 0.05 * size); x++) {
        const i = (y * info.width + x) * info.channels;
        if (data[i]! > 150 && data[i + 1]! < 90 && data[i + 2]! < 90) count++;
      }
    }
    return count;
  };
  return {
    width: info.width, height: info.height, n, cx, cy, w: size, h: maxY - minY + 1, mx: sx / n, my: sy / n,
    top: block(0, -1), bottom: block(0, 1), left: block(-1, 0), right: block(1, 0),
  };
}

describe('seal placement in the reader\'s view', () => {
  // Page 4 (rotated 270) is also cropped.
  const rotations = [0, 90, 180, 270];
  for (const [i, rot] of rotations.entries()) {
    it(`page rotated ${rot}${i === 3 ? ' and cropped' : ''}: centred where asked (±2 px), upright, real size`, async () => {
      needJudge('pdftoppm');
      const doc = await basicPdf({ pages: 4, rotate: rotations, crop: true });
      const pdf = readPdf(doc);
      const view = pageView(pdf, pdf.findPage(i + 1)!.dict);
      const xMm = 35;
      const yMm = 50;
      const out = await sealPdf(doc, { page: i + 1, xMm, yMm, appearance: redSeal(240, 30), signer: signerFor(pki.leafP256), level: 'B-B', signingTime: new Date() });
      const png = await renderPage(out, i + 1);
      const red = await redPixels(png);
      if (process.env.SHOW_RED) console.log(rot, png, JSON.stringify(red));
      const dpi = 100;
      // The rendered page is the reader's view: its size in pixels matches the turned CropBox.
      expect(Math.abs(red.width - (view.width / 72) * dpi)).toBeLessThanOrEqual(1);
      expect(Math.abs(red.height - (view.height / 72) * dpi)).toBeLessThanOrEqual(1);
      const ex = (xMm / 25.4) * dpi;
      const ey = red.height - (yMm / 25.4) * dpi;
      expect(Math.abs(red.cx - ex), `x centre ${red.cx} vs ${ex}`).toBeLessThanOrEqual(2);
      expect(Math.abs(red.cy - ey), `y centre ${red.cy} vs ${ey}`).toBeLessThanOrEqual(2);
      const sizePx = (30 / 25.4) * dpi;
      expect(Math.abs(red.w - sizePx)).toBeLessThanOrEqual(3);
      expect(Math.abs(red.h - sizePx)).toBeLessThanOrEqual(3);
      // Upright: the seal's block is above its centre as the reader sees it, not below or beside it.
      expect(red.top, JSON.stringify(red)).toBeGreaterThan(50);
      expect(Math.max(red.bottom, red.left, red.right), JSON.stringify(red)).toBeLessThan(5);
      expect(MM_TO_PT).toBeCloseTo(2.8346, 3);
    });
  }
});
