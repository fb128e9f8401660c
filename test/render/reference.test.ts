import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listTemplates, renderSeal } from '../../src/render/index.js';
import { referenceCases } from './cases.js';
import { rawRgba } from './pixels.js';

/**
 * Each template against its checked-in reference (test/render/reference/, 300 dpi). Tolerance:
 * the same dimensions, at most 0.1% of pixels differing by more than 24 in any RGBA channel, and
 * a mean alpha difference under 0.5 per pixel. On the machine that made the references the
 * difference is zero; the tolerance only absorbs anti-aliasing changes in another libvips/librsvg
 * build, while a moved character, star or border (thousands of pixels) fails.
 * Regenerate after a deliberate change: `npx tsx test/render/update-references.ts`.
 */
const refDir = join(dirname(fileURLToPath(import.meta.url)), 'reference');

describe('reference images', () => {
  it('cover every template', () => {
    const covered = new Set(referenceCases.map((c) => c.input.template));
    expect([...covered].sort()).toEqual(listTemplates());
  });

  for (const c of referenceCases) {
    it(`${c.file} matches its reference`, async () => {
      const seal = await renderSeal(c.input);
      const got = await rawRgba(seal.png);
      const want = await rawRgba(readFileSync(join(refDir, c.file)));
      expect([got.width, got.height]).toEqual([want.width, want.height]);
      let bad = 0;
      let alphaDiff = 0;
      for (let i = 0; i < got.data.length; i += 4) {
        let worst = 0;
        for (let k = 0; k < 4; k++) worst = Math.max(worst, Math.abs(got.data[i + k]! - want.data[i + k]!));
        if (worst > 24) bad++;
        alphaDiff += Math.abs(got.data[i + 3]! - want.data[i + 3]!);
      }
      const pixels = got.width * got.height;
      expect(bad / pixels).toBeLessThanOrEqual(0.001);
      expect(alphaDiff / pixels).toBeLessThan(0.5);
    });
  }

  it('a different text does not pass as the reference (the comparison has teeth)', async () => {
    const seal = await renderSeal({ template: 'round-official', text: '某某市人民政府办公厅', dpi: 300 });
    const got = await rawRgba(seal.png);
    const want = await rawRgba(readFileSync(join(refDir, 'round-official.png')));
    let bad = 0;
    for (let i = 3; i < got.data.length; i += 4) if (Math.abs(got.data[i]! - want.data[i]!) > 24) bad++;
    expect(bad / (got.width * got.height)).toBeGreaterThan(0.001);
  });
});
