import { describe, expect, it } from 'vitest';
import { getTemplate, renderSeal, sealLayout, templateSizeMm } from '../../src/render/index.js';
import { sealFont } from '../../src/render/font.js';
import { apply } from '../../src/render/geometry.js';
import { longestName } from './cases.js';
import { alphaAt, clockDeg, forEachInk, rawRgba } from './pixels.js';

const DPI = 300;
const pxPerMm = (mm: number) => (mm / 25.4) * DPI;

describe('ink stays inside the border, and the border is solid', () => {
  for (const [template, text] of [
    ['round-official', longestName('round-official')],
    ['round-special', '某某市人民政府办公厅'],
    ['round-department', '某某市财政局'],
    ['oval', '某某市公共资源交易中心有限公司'],
    ['square-name', '欧阳东方'],
  ] as const) {
    it(template, async () => {
      const t = getTemplate(template);
      const seal = await renderSeal({ template, text, dpi: DPI });
      const img = await rawRgba(seal.png);
      const cx = img.width / 2;
      const cy = img.height / 2;
      const { widthMm, heightMm } = templateSizeMm(t);
      const rx = img.width / 2;
      const ry = img.height / 2;
      let outside = 0;
      forEachInk(img, (x, y) => {
        if (t.shape.kind === 'square') return; // the square fills the canvas: nothing can be outside
        // The point of the pixel nearest the centre (ellipse-normalised) must lie inside the
        // outline; 0.25 px of slack absorbs the rasteriser's anti-aliasing filter (measured 0.02 px).
        const dx = Math.max(0, Math.abs(x - cx) - 0.5);
        const dy = Math.max(0, Math.abs(y - cy) - 0.5);
        if (Math.sqrt((dx / rx) ** 2 + (dy / ry) ** 2) > 1 + 0.25 / Math.min(rx, ry)) outside++;
      });
      expect(outside).toBe(0);
      // The border: solid ink halfway through its width, all the way round.
      const bw = pxPerMm(t.border.widthMm.value);
      for (let deg = 0; deg < 360; deg += 5) {
        const r = (deg * Math.PI) / 180;
        let x: number;
        let y: number;
        if (t.shape.kind === 'square') {
          // Walk the square's border line at the middle of its width.
          const s = img.width - bw;
          const u = (deg / 360) * 4;
          const side = Math.floor(u);
          const f = u - side;
          const p = [
            [bw / 2 + f * s, bw / 2],
            [img.width - bw / 2, bw / 2 + f * s],
            [img.width - bw / 2 - f * s, img.height - bw / 2],
            [bw / 2, img.height - bw / 2 - f * s],
          ][side]!;
          [x, y] = [p[0]!, p[1]!];
        } else {
          x = cx + (rx - bw / 2) * Math.sin(r);
          y = cy - (ry - bw / 2) * Math.cos(r);
        }
        expect(alphaAt(img, Math.floor(x), Math.floor(y)), `border at ${deg} deg`).toBe(255);
      }
      expect([widthMm, heightMm]).toEqual([seal.widthMm, seal.heightMm]);
    });
  }
});

describe('star', () => {
  for (const template of ['round-official', 'round-special', 'round-department']) {
    it(`${template}: a solid star exactly in the centre, tip up`, async () => {
      const t = getTemplate(template);
      const seal = await renderSeal({ template, text: '某某市某某局', bottomText: '', dpi: DPI });
      const img = await rawRgba(seal.png);
      const cx = img.width / 2;
      const cy = img.height / 2;
      const R = pxPerMm(t.star!.outerRadiusMm.value);
      let sum = 0;
      let sx = 0;
      let sy = 0;
      forEachInk(img, (x, y, a) => {
        if (Math.hypot(x - cx, y - cy) <= R * 1.1) {
          sum += a;
          sx += a * x;
          sy += a * y;
        }
      });
      // A regular star's ink centroid is its centre.
      expect(Math.abs(sx / sum - cx)).toBeLessThan(0.5);
      expect(Math.abs(sy / sum - cy)).toBeLessThan(0.5);
      // Solid in the middle, ink at the top tip, none just above it or straight below the centre
      // between the two lower tips.
      expect(alphaAt(img, Math.floor(cx), Math.floor(cy))).toBe(255);
      expect(alphaAt(img, Math.floor(cx), Math.floor(cy - R * 0.9))).toBe(255);
      expect(alphaAt(img, Math.floor(cx), Math.floor(cy - R * 1.05))).toBe(0);
      expect(alphaAt(img, Math.floor(cx), Math.floor(cy + R * 0.6))).toBe(0);
      // Ink area close to a regular pentagram's: 5 · R² · sin36° · r/(…) ≈ 1.1226 R² for r = 0.382 R.
      const area = sum / 255;
      expect(area / (R * R)).toBeGreaterThan(1.05);
      expect(area / (R * R)).toBeLessThan(1.2);
    });
  }
});

describe('arc text', () => {
  for (const [template, text] of [
    ['round-official', '某某市人民政府办公室'],
    ['round-official', longestName('round-official')],
    ['round-special', longestName('round-special')],
    ['round-department', '某某市财政局'],
    ['oval', '某某市公共资源交易中心有限公司'],
  ] as const) {
    it(`${template} (${[...text].length} characters): ink only inside the arc's angular range`, async () => {
      const t = getTemplate(template);
      const arc = t.arcText!;
      const seal = await renderSeal({ template, text, bottomText: '', dpi: DPI });
      const img = await rawRgba(seal.png);
      const cx = img.width / 2;
      const cy = img.height / 2;
      const bw = pxPerMm(t.border.widthMm.value);
      const ry0 = pxPerMm(arc.baselineRadiusMm.value);
      const rx0 = pxPerMm(arc.baselineRadiusXMm?.value ?? arc.baselineRadiusMm.value);
      const Ry = img.height / 2 - bw;
      const Rx = img.width / 2 - bw;
      let lo = Infinity;
      let hi = -Infinity;
      let count = 0;
      forEachInk(img, (x, y) => {
        const dx = x - cx;
        const dy = y - cy;
        // Between the characters' feet and the border's inner edge (ellipse-normalised).
        const inFeet = (dx / rx0) ** 2 + (dy / ry0) ** 2 >= 1.0;
        const insideBorder = (dx / (Rx - 2)) ** 2 + (dy / (Ry - 2)) ** 2 <= 1.0;
        if (!inFeet || !insideBorder) return;
        // Ellipse parameter angle of the pixel (equals the polar angle for circles).
        const deg = clockDeg(dx / Rx, dy / Ry);
        lo = Math.min(lo, deg);
        hi = Math.max(hi, deg);
        count++;
      });
      expect(count).toBeGreaterThan(500);
      expect(lo).toBeGreaterThanOrEqual(arc.startDeg.value - 1);
      expect(hi).toBeLessThanOrEqual(arc.endDeg.value + 1);
      // The name is centred on the top.
      expect(Math.abs(lo + hi)).toBeLessThan(6);
    });
  }

  it('reads clockwise, each character upright with its foot towards the centre', () => {
    const font = sealFont();
    const layout = sealLayout({ template: 'round-official', text: '某某市人民政府办公室' });
    const c = { x: layout.widthMm / 2, y: layout.heightMm / 2 };
    let prev = -Infinity;
    for (const g of layout.glyphs) {
      const foot = apply(g.transform, { x: g.glyph.advance / 2, y: font.emBottom });
      const head = apply(g.transform, { x: g.glyph.advance / 2, y: -font.emTop });
      const angle = clockDeg(foot.x - c.x, foot.y - c.y);
      expect(angle).toBeGreaterThan(prev);
      prev = angle;
      // Head straight outward from the foot, along the radius.
      expect(Math.hypot(head.x - c.x, head.y - c.y)).toBeGreaterThan(Math.hypot(foot.x - c.x, foot.y - c.y));
      expect(clockDeg(head.x - c.x, head.y - c.y)).toBeCloseTo(angle, 6);
      // The glyph's own left-to-right runs clockwise (no mirror image).
      const left = apply(g.transform, { x: 0, y: font.emBottom });
      const right = apply(g.transform, { x: g.glyph.advance, y: font.emBottom });
      expect(clockDeg(right.x - c.x, right.y - c.y)).toBeGreaterThan(clockDeg(left.x - c.x, left.y - c.y));
    }
  });
});
