import type { RgbImage } from './decode.js';

/**
 * The paper's own colour at every point of the overview image (白平衡 / 光照估计): scans come on
 * white, grey or yellowish paper, photos under uneven light. Ink is measured against this local
 * paper colour, channel by channel, so a shadow or a yellow sheet does not look like ink and faint
 * ink in a dark corner is not lost.
 *
 * Estimated on a coarse grid of cells from the pixels that look like bare paper: not reddish, and
 * nearly as bright as the brightest neutral pixels around (which leaves out black text). Cells with
 * no bare paper (inside a large star, under dense text) take the average of their neighbours, grown
 * outwards until every cell has a value; one 3×3 smoothing removes the cell edges.
 */
export interface PaperModel {
  /** The paper colour (0..255 per channel) at overview coordinates (x, y), bilinear between cells. */
  sample(x: number, y: number, out: Float32Array): void;
}

/** R − max(G, B) below this (0..255) counts as neutral: white, grey and yellowish papers all pass. */
const NEUTRAL_REDNESS = 28;
/** A bare-paper pixel is at least this bright relative to the brightest neutral pixel nearby. */
const PAPER_BRIGHTNESS = 0.8;

export function estimatePaper(img: RgbImage): PaperModel {
  const { width: w, height: h, data } = img;
  const cell = Math.max(6, Math.round(Math.max(w, h) / 40));
  const gw = Math.ceil(w / cell);
  const gh = Math.ceil(h / cell);
  const n = gw * gh;

  // Pass 1: the brightest neutral pixel of each cell, then the brightest over each 3×3 neighbourhood.
  const cellMax = new Float32Array(n);
  for (let y = 0; y < h; y++) {
    const gy = Math.floor(y / cell) * gw;
    for (let x = 0, i = y * w * 3; x < w; x++, i += 3) {
      const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
      const gb = g > b ? g : b;
      if (r - gb >= NEUTRAL_REDNESS) continue;
      const mx = r > gb ? r : gb;
      const c = gy + Math.floor(x / cell);
      if (mx > cellMax[c]!) cellMax[c] = mx;
    }
  }
  const ref = new Float32Array(n);
  for (let cy = 0; cy < gh; cy++) {
    for (let cx = 0; cx < gw; cx++) {
      let m = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const x = cx + dx, y = cy + dy;
          if (x >= 0 && y >= 0 && x < gw && y < gh) m = Math.max(m, cellMax[y * gw + x]!);
        }
      }
      ref[cy * gw + cx] = m;
    }
  }

  // Pass 2: the mean colour of each cell's bare-paper pixels.
  const sum = new Float64Array(n * 3);
  const count = new Uint32Array(n);
  for (let y = 0; y < h; y++) {
    const gy = Math.floor(y / cell) * gw;
    for (let x = 0, i = y * w * 3; x < w; x++, i += 3) {
      const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
      const gb = g > b ? g : b;
      if (r - gb >= NEUTRAL_REDNESS) continue;
      const mx = r > gb ? r : gb;
      const c = gy + Math.floor(x / cell);
      if (mx < PAPER_BRIGHTNESS * ref[c]! || mx === 0) continue;
      sum[c * 3] = sum[c * 3]! + r;
      sum[c * 3 + 1] = sum[c * 3 + 1]! + g;
      sum[c * 3 + 2] = sum[c * 3 + 2]! + b;
      count[c]!++;
    }
  }
  const minCount = Math.max(3, Math.floor((cell * cell) / 20));
  let grid = new Float32Array(n * 3);
  let known = new Uint8Array(n);
  let knownCount = 0;
  for (let c = 0; c < n; c++) {
    if (count[c]! >= minCount) {
      for (let k = 0; k < 3; k++) grid[c * 3 + k] = sum[c * 3 + k]! / count[c]!;
      known[c] = 1;
      knownCount++;
    }
  }
  if (knownCount === 0) {
    // No bare paper anywhere (an image that is all ink or all dark): measure against white.
    grid.fill(255);
    known.fill(1);
  }
  // Grow known cells into unknown ones, one ring of neighbours at a time.
  while (knownCount < n) {
    const nextGrid = grid.slice();
    const nextKnown = known.slice();
    let added = 0;
    for (let cy = 0; cy < gh; cy++) {
      for (let cx = 0; cx < gw; cx++) {
        const c = cy * gw + cx;
        if (known[c]) continue;
        let s0 = 0, s1 = 0, s2 = 0, m = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const x = cx + dx, y = cy + dy;
            if (x < 0 || y < 0 || x >= gw || y >= gh) continue;
            const d = y * gw + x;
            if (!known[d]) continue;
            s0 += grid[d * 3]!;
            s1 += grid[d * 3 + 1]!;
            s2 += grid[d * 3 + 2]!;
            m++;
          }
        }
        if (m === 0) continue;
        nextGrid[c * 3] = s0 / m;
        nextGrid[c * 3 + 1] = s1 / m;
        nextGrid[c * 3 + 2] = s2 / m;
        nextKnown[c] = 1;
        added++;
      }
    }
    grid = nextGrid;
    known = nextKnown;
    knownCount += added;
    if (added === 0) break;
  }
  // One 3×3 box smoothing; never below 1 so dividing by the paper colour is safe.
  const smooth = new Float32Array(n * 3);
  for (let cy = 0; cy < gh; cy++) {
    for (let cx = 0; cx < gw; cx++) {
      let s0 = 0, s1 = 0, s2 = 0, m = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const x = cx + dx, y = cy + dy;
          if (x < 0 || y < 0 || x >= gw || y >= gh) continue;
          const d = y * gw + x;
          s0 += grid[d * 3]!;
          s1 += grid[d * 3 + 1]!;
          s2 += grid[d * 3 + 2]!;
          m++;
        }
      }
      const c = cy * gw + cx;
      smooth[c * 3] = Math.max(1, s0 / m);
      smooth[c * 3 + 1] = Math.max(1, s1 / m);
      smooth[c * 3 + 2] = Math.max(1, s2 / m);
    }
  }

  return {
    sample(x: number, y: number, out: Float32Array): void {
      // Cell centres sit at (i + 0.5) * cell; clamp outside the outermost centres.
      let fx = x / cell - 0.5;
      let fy = y / cell - 0.5;
      fx = fx < 0 ? 0 : fx > gw - 1 ? gw - 1 : fx;
      fy = fy < 0 ? 0 : fy > gh - 1 ? gh - 1 : fy;
      const x0 = Math.floor(fx), y0 = Math.floor(fy);
      const x1 = Math.min(x0 + 1, gw - 1), y1 = Math.min(y0 + 1, gh - 1);
      const ax = fx - x0, ay = fy - y0;
      const c00 = (y0 * gw + x0) * 3, c10 = (y0 * gw + x1) * 3, c01 = (y1 * gw + x0) * 3, c11 = (y1 * gw + x1) * 3;
      for (let k = 0; k < 3; k++) {
        const top = smooth[c00 + k]! * (1 - ax) + smooth[c10 + k]! * ax;
        const bottom = smooth[c01 + k]! * (1 - ax) + smooth[c11 + k]! * ax;
        out[k] = top * (1 - ay) + bottom * ay;
      }
    },
  };
}
