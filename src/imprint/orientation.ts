import type { Box, SealShape } from './types.js';

/**
 * How far the imprint is turned on the page, clockwise positive as seen on screen (y down).
 * The cue depends on the seal:
 *  - a star in the centre (round seals): the phase of its 5-fold angular moment points at the upper tip;
 *  - an oval: the principal axis of all its ink;
 *  - a square: the angle at which the ink's row and column projections are sharpest (its edges);
 *  - a round seal without a star: the direction of the arc text's centre of mass (the name sits on top).
 */
export interface Orientation {
  degrees: number;
  method: 'star' | 'principal-axis' | 'edges' | 'arc-text' | 'none';
}

const DEG = 180 / Math.PI;

export function estimateOrientation(alpha: Float32Array, width: number, box: Box, shape: SealShape): Orientation {
  const rx = (box.x1 - box.x0) / 2, ry = (box.y1 - box.y0) / 2;
  if (rx < 8 || ry < 8) return { degrees: 0, method: 'none' };
  if (shape === 'rectangle') return { degrees: edgeAngle(alpha, width, box), method: 'edges' };
  const aspect = Math.max(rx, ry) / Math.min(rx, ry);
  if (aspect >= 1.15) return { degrees: principalAxisAngle(alpha, width, box, rx >= ry), method: 'principal-axis' };
  const star = starAngle(alpha, width, box);
  if (star !== undefined) return { degrees: star, method: 'star' };
  const arc = arcTextAngle(alpha, width, box);
  return arc === undefined ? { degrees: 0, method: 'none' } : { degrees: arc, method: 'arc-text' };
}

/**
 * The residual tilt of an oval that is already nearly upright: the principal axis of its border
 * ring alone (ink on the fitted outline), which, unlike the characters, is mirror-symmetric.
 */
export function ringResidualAngle(alpha: Float32Array, width: number, box: Box): number {
  const cx = (box.x0 + box.x1) / 2, cy = (box.y0 + box.y1) / 2;
  const rx = (box.x1 - box.x0) / 2, ry = (box.y1 - box.y0) / 2;
  let mu20 = 0, mu02 = 0, mu11 = 0;
  for (let y = box.y0; y < box.y1; y++) {
    const ny = (y + 0.5 - cy) / ry;
    for (let x = box.x0, i = y * width + box.x0; x < box.x1; x++, i++) {
      const a = alpha[i]!;
      if (a < 0.5) continue;
      const nx = (x + 0.5 - cx) / rx;
      const r = Math.sqrt(nx * nx + ny * ny);
      if (r < 0.92 || r > 1.03) continue; // the border only: the arc text starts just inside it
      const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      mu20 += a * dx * dx;
      mu02 += a * dy * dy;
      mu11 += a * dx * dy;
    }
  }
  if (mu20 === 0 && mu02 === 0) return 0;
  let theta = 0.5 * Math.atan2(2 * mu11, mu20 - mu02) * DEG;
  if (rx < ry) theta -= 90;
  while (theta > 90) theta -= 180;
  while (theta <= -90) theta += 180;
  return theta;
}

function starAngle(alpha: Float32Array, width: number, box: Box): number | undefined {
  const cx = (box.x0 + box.x1) / 2, cy = (box.y0 + box.y1) / 2;
  const rx = (box.x1 - box.x0) / 2, ry = (box.y1 - box.y0) / 2;
  // The star's tips reach a third of the radius; the arc text and the text below start near half.
  const inner = 0.42;
  let m = 0, sx = 0, sy = 0;
  const y0 = Math.floor(cy - inner * ry), y1 = Math.ceil(cy + inner * ry);
  const x0 = Math.floor(cx - inner * rx), x1 = Math.ceil(cx + inner * rx);
  for (let y = Math.max(box.y0, y0); y < Math.min(box.y1, y1); y++) {
    for (let x = Math.max(box.x0, x0); x < Math.min(box.x1, x1); x++) {
      const a = alpha[y * width + x]!;
      if (a < 0.5) continue;
      const dx = (x + 0.5 - cx) / rx, dy = (y + 0.5 - cy) / ry;
      if (dx * dx + dy * dy > inner * inner) continue;
      m += a;
      sx += a * (x + 0.5);
      sy += a * (y + 0.5);
    }
  }
  if (m < 20) return undefined;
  const scx = sx / m, scy = sy / m;
  if (Math.hypot((scx - cx) / rx, (scy - cy) / ry) > 0.12) return undefined; // not centred: no star
  let re = 0, im = 0, norm = 0;
  for (let y = Math.max(box.y0, y0); y < Math.min(box.y1, y1); y++) {
    for (let x = Math.max(box.x0, x0); x < Math.min(box.x1, x1); x++) {
      const a = alpha[y * width + x]!;
      if (a < 0.5) continue;
      const ex = (x + 0.5 - cx) / rx, ey = (y + 0.5 - cy) / ry;
      if (ex * ex + ey * ey > inner * inner) continue;
      const dx = x + 0.5 - scx, dy = y + 0.5 - scy;
      const r2 = dx * dx + dy * dy;
      const phi = Math.atan2(dx, -dy); // from 12 o'clock, clockwise
      re += a * r2 * Math.cos(5 * phi);
      im += a * r2 * Math.sin(5 * phi);
      norm += a * r2;
    }
  }
  // A five-pointed star has a strong 5-fold moment; a blob, a ring or characters do not.
  if (norm === 0 || Math.hypot(re, im) / norm < 0.12) return undefined;
  return (Math.atan2(im, re) / 5) * DEG;
}

function principalAxisAngle(alpha: Float32Array, width: number, box: Box, wide: boolean): number {
  let m = 0, sx = 0, sy = 0;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0, i = y * width + box.x0; x < box.x1; x++, i++) {
      const a = alpha[i]!;
      if (a < 0.5) continue;
      m += a;
      sx += a * x;
      sy += a * y;
    }
  }
  if (m === 0) return 0;
  const mx = sx / m, my = sy / m;
  let mu20 = 0, mu02 = 0, mu11 = 0;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0, i = y * width + box.x0; x < box.x1; x++, i++) {
      const a = alpha[i]!;
      if (a < 0.5) continue;
      const dx = x - mx, dy = y - my;
      mu20 += a * dx * dx;
      mu02 += a * dy * dy;
      mu11 += a * dx * dy;
    }
  }
  let theta = 0.5 * Math.atan2(2 * mu11, mu20 - mu02) * DEG; // major axis, clockwise from +x
  if (!wide) theta -= 90; // an upright oval has its major axis vertical
  while (theta > 90) theta -= 180;
  while (theta <= -90) theta += 180;
  return theta;
}

/** Sharpest row+column projections of the outer band of ink over −15°..15°, then ±0.5° by 0.1°. */
function edgeAngle(alpha: Float32Array, width: number, box: Box): number {
  const cx = (box.x0 + box.x1) / 2, cy = (box.y0 + box.y1) / 2;
  const rx = (box.x1 - box.x0) / 2, ry = (box.y1 - box.y0) / 2;
  const xs: number[] = [], ys: number[] = [];
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0, i = y * width + box.x0; x < box.x1; x++, i++) {
      if (alpha[i]! < 0.5) continue;
      const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      if (Math.max(Math.abs(dx) / rx, Math.abs(dy) / ry) < 0.75) continue;
      xs.push(dx);
      ys.push(dy);
    }
  }
  // Sub-sample evenly so the search costs the same for any resolution.
  const stride = Math.max(1, Math.floor(xs.length / 30000));
  const half = Math.ceil(Math.hypot(rx, ry)) + 2;
  const hx = new Float64Array(2 * half + 1), hy = new Float64Array(2 * half + 1);
  const score = (deg: number): number => {
    const t = deg / DEG, c = Math.cos(t), s = Math.sin(t);
    hx.fill(0);
    hy.fill(0);
    for (let k = 0; k < xs.length; k += stride) {
      const x = xs[k]!, y = ys[k]!;
      hx[Math.round(x * c + y * s) + half]!++;
      hy[Math.round(-x * s + y * c) + half]!++;
    }
    let sum = 0;
    for (let k = 0; k < hx.length; k++) sum += hx[k]! * hx[k]! + hy[k]! * hy[k]!;
    return sum;
  };
  let best = 0, bestScore = -1;
  for (let d = -15; d <= 15; d += 0.5) {
    const sc = score(d);
    if (sc > bestScore) [best, bestScore] = [d, sc];
  }
  const coarse = best;
  for (let d = coarse - 0.5; d <= coarse + 0.5 + 1e-9; d += 0.1) {
    const sc = score(d);
    if (sc > bestScore) [best, bestScore] = [d, sc];
  }
  return best;
}

function arcTextAngle(alpha: Float32Array, width: number, box: Box): number | undefined {
  const cx = (box.x0 + box.x1) / 2, cy = (box.y0 + box.y1) / 2;
  const rx = (box.x1 - box.x0) / 2, ry = (box.y1 - box.y0) / 2;
  let sx = 0, sy = 0, m = 0;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0, i = y * width + box.x0; x < box.x1; x++, i++) {
      const a = alpha[i]!;
      if (a < 0.5) continue;
      const dx = (x + 0.5 - cx) / rx, dy = (y + 0.5 - cy) / ry;
      const r = Math.hypot(dx, dy);
      if (r < 0.45 || r > 0.88) continue;
      sx += a * dx;
      sy += a * dy;
      m += a;
    }
  }
  if (m === 0 || Math.hypot(sx, sy) / m < 0.1) return undefined;
  let phi = Math.atan2(sx, -sy) * DEG;
  if (phi > 90) phi -= 180; // the heavier text is below: its direction is down, not up
  if (phi < -90) phi += 180;
  return phi;
}
