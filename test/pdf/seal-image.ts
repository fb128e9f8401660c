/** A synthetic round red seal (RGBA) for tests: a ring, a star-ish centre dot, transparent elsewhere. */
import type { SealPixels } from '../../src/pdf/appearance.js';

export function redSeal(px = 240, mm = 42): SealPixels {
  const rgba = Buffer.alloc(px * px * 4);
  const c = (px - 1) / 2;
  const outer = px / 2 - 1;
  const ring = px * 0.06;
  for (let y = 0; y < px; y++) {
    for (let x = 0; x < px; x++) {
      const r = Math.hypot(x - c, y - c);
      const i = (y * px + x) * 4;
      let a = 0;
      if (r <= outer && r >= outer - ring) a = 255;
      else if (r < px * 0.12) a = 255;
      else if (r < px * 0.13) a = 128; // an anti-aliased edge: semi-transparent pixels must survive too
      // A block near the top, so a test can tell whether the seal is upright.
      else if (Math.abs(x - c) < px * 0.08 && y > px * 0.15 && y < px * 0.3) a = 255;
      if (a > 0) {
        rgba[i] = 220;
        rgba[i + 1] = 20;
        rgba[i + 2] = 30;
        rgba[i + 3] = a;
      } else {
        // Invisible pixels with arbitrary colour: the canonical form ignores it.
        rgba[i] = 7;
        rgba[i + 1] = 8;
        rgba[i + 2] = 9;
      }
    }
  }
  return { rgba, width: px, height: px, widthMm: mm, heightMm: mm };
}
