import type { RgbImage } from './decode.js';
import type { PaperModel } from './paper.js';

/**
 * Red ink (印油) against the paper: each channel is divided by the local paper colour, so paper of
 * any tint under any light becomes (1, 1, 1), and redness = R' − max(G', B'). Seal red on paper is
 * about 0.8; paper, grey and black text (even printed over the seal, where red ink under black toner
 * is dark in every channel) stay near 0; the JPEG colour noise of a photo stays below a few hundredths.
 * A pixel that is dark in the red channel as well is not ink, whatever its tint (see the gate below).
 */
export function rednessMap(
  img: RgbImage,
  paper: PaperModel,
  toPaperX: (x: number) => number,
  toPaperY: (y: number) => number,
  /** When given, set to 1 where the pixel is dark in every channel (toner: printed text over or under the seal). */
  dark?: Uint8Array,
): Float32Array {
  const { width: w, height: h, data } = img;
  const out = new Float32Array(w * h);
  const bg = new Float32Array(3);
  // The paper model is smooth: sampling it every few pixels and interpolating along the row is enough.
  const step = 4;
  const cols = Math.ceil(w / step) + 1;
  const rowBg = new Float32Array(cols * 3);
  for (let y = 0; y < h; y++) {
    const py = toPaperY(y + 0.5);
    for (let j = 0; j < cols; j++) {
      paper.sample(toPaperX(Math.min(j * step, w - 1) + 0.5), py, bg);
      rowBg[j * 3] = 1 / bg[0]!;
      rowBg[j * 3 + 1] = 1 / bg[1]!;
      rowBg[j * 3 + 2] = 1 / bg[2]!;
    }
    for (let x = 0, i = y * w * 3, o = y * w; x < w; x++, i += 3, o++) {
      const j = (x / step) | 0;
      const a = (x - j * step) / step;
      const j3 = j * 3, k3 = Math.min(j + 1, cols - 1) * 3;
      const ir = rowBg[j3]! + (rowBg[k3]! - rowBg[j3]!) * a;
      const ig = rowBg[j3 + 1]! + (rowBg[k3 + 1]! - rowBg[j3 + 1]!) * a;
      const ib = rowBg[j3 + 2]! + (rowBg[k3 + 2]! - rowBg[j3 + 2]!) * a;
      let r = data[i]! * ir;
      if (r > 1) r = 1;
      const g = data[i + 1]! * ig;
      const b = data[i + 2]! * ib;
      // Ink transmits red: a pixel dark in red too is toner (or toner over ink), whatever tint JPEG's
      // shared chroma gives it next to the seal, so its redness fades out below R' = 0.5.
      const gate = r >= 0.5 ? 1 : r <= 0.25 ? 0 : (r - 0.25) * 4;
      out[o] = (r - (g > b ? g : b)) * gate;
      if (dark && r < DARK && g < DARK && b < DARK) dark[o] = 1;
    }
  }
  return out;
}

/** Darker than this share of the paper in every channel: toner, not ink (ink keeps R' near 0.8). */
const DARK = 0.55;

/**
 * Where black text crosses the seal, the ink under the toner cannot be seen. A dark run at most
 * 2 × `radius` long with ink of at least half strength at both of its ends, in at least two of the
 * four directions (across, along, the diagonals), is the toner over one stroke: it gets the weaker of the two ends' ink, so the seal's strokes
 * are not cut by the text; toner on bare paper (no ink at both ends) stays transparent.
 */
export function fillUnderToner(alpha: Float32Array, dark: Uint8Array, width: number, height: number, radius: number): void {
  if (radius < 1) return;
  const src = alpha.slice();
  const reach = (p: number, step: number, limit: number): number => {
    // The first pixel that is not toner, up to `limit` steps away; its alpha, or 0 when none.
    let q = p;
    for (let k = 1; k <= limit; k++) {
      q += step;
      if (!dark[q]) return src[q]!;
    }
    return 0;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0, p = y * width; x < width; x++, p++) {
      if (!dark[p]) continue;
      const l = Math.min(radius, x), r = Math.min(radius, width - 1 - x);
      const u = Math.min(radius, y), d = Math.min(radius, height - 1 - y);
      const horizontal = Math.min(reach(p, -1, l), reach(p, 1, r));
      const vertical = Math.min(reach(p, -width, u), reach(p, width, d));
      // Diagonals: a toner stroke crossing an ink stroke at any angle is short along one of the four.
      const dr = Math.round(radius / Math.SQRT2);
      const diagonal = Math.min(reach(p, -width - 1, Math.min(dr, u, l)), reach(p, width + 1, Math.min(dr, d, r)));
      const antidiagonal = Math.min(reach(p, -width + 1, Math.min(dr, u, r)), reach(p, width - 1, Math.min(dr, d, l)));
      // Inside a real crossing the toner run is short with ink at both ends in at least two of the
      // four directions; at the tip of a toner stroke poking out of the ink, in one at most.
      let agree = 0, fill = 0;
      for (const v of [horizontal, vertical, diagonal, antidiagonal]) {
        if (v >= 0.5) {
          agree++;
          if (v > fill) fill = v;
        }
      }
      if (agree >= 2) alpha[p] = fill;
    }
  }
}

/**
 * A histogram of values in [-1, 1] at 1/1000 resolution, built in one pass, from which quantiles of
 * any value range are read without another pass over the pixels.
 */
export class ValueHistogram {
  private readonly bins = new Uint32Array(2001);

  constructor(values: Float32Array) {
    const bins = this.bins;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      bins[Math.round((v < -1 ? -1 : v > 1 ? 1 : v) * 1000) + 1000]!++;
    }
  }

  /** The q-quantile (0..1) of the values in (above, below), and how many there are. */
  quantile(q: number, above: number, below = 2): { value: number; count: number } {
    const first = Math.max(0, Math.floor(above * 1000) + 1001);
    const last = Math.min(2000, Math.ceil(below * 1000) + 999);
    let count = 0;
    for (let b = first; b <= last; b++) count += this.bins[b]!;
    if (count === 0) return { value: 0, count: 0 };
    const target = q * (count - 1);
    let seen = 0;
    for (let b = first; b <= last; b++) {
      seen += this.bins[b]!;
      if (seen > target) return { value: (b - 1000) / 1000, count };
    }
    return { value: (last - 1000) / 1000, count };
  }
}
