import type { Box, SealShape } from './types.js';

/**
 * How well the ink's outline fits a seal outline (圆形 / 椭圆形 / 方形印章) inscribed in its box: the
 * box is cut into angular sectors around its centre, and a sector is "on the rim" when its
 * outermost ink pixel lies on the fitted ellipse (or rectangle) within `RIM_TOLERANCE`. A seal's
 * border is a closed line, so nearly every sector is on the rim; two overlapping seals, a scribble or
 * a red logo leave many sectors off it. Worn gaps in the border cost only their own sectors.
 */
export interface ShapeFit {
  shape: SealShape;
  /** Share of sectors whose outermost ink lies on the fitted outline, 0..1. */
  coverage: number;
  ellipseCoverage: number;
  rectangleCoverage: number;
}

const SECTORS = 90;
const RIM_TOLERANCE = 0.1;

export function fitShape(mask: Uint8Array, width: number, box: Box, expected?: SealShape): ShapeFit {
  const cx = (box.x0 + box.x1) / 2;
  const cy = (box.y0 + box.y1) / 2;
  const rx = (box.x1 - box.x0) / 2;
  const ry = (box.y1 - box.y0) / 2;
  const maxE = new Float32Array(SECTORS);
  const maxS = new Float32Array(SECTORS);
  if (rx < 2 || ry < 2) return { shape: expected ?? 'ellipse', coverage: 0, ellipseCoverage: 0, rectangleCoverage: 0 };
  for (let y = box.y0; y < box.y1; y++) {
    const dy = (y + 0.5 - cy) / ry;
    for (let x = box.x0, i = y * width + box.x0; x < box.x1; x++, i++) {
      if (!mask[i]) continue;
      const dx = (x + 0.5 - cx) / rx;
      const ax = dx < 0 ? -dx : dx, ay = dy < 0 ? -dy : dy;
      const rs = ax > ay ? ax : ay;
      if (rs < 0.6) continue; // only the outer band can hold the outline
      const re = Math.sqrt(dx * dx + dy * dy);
      const s = Math.min(SECTORS - 1, Math.floor(((Math.atan2(dy, dx) + Math.PI) / (2 * Math.PI)) * SECTORS));
      if (re > maxE[s]!) maxE[s] = re;
      if (rs > maxS[s]!) maxS[s] = rs;
    }
  }
  // The box is the ink's own box, so the outline can overshoot 1 only by the pixel rounding.
  const over = 1 + 1.5 / Math.min(rx, ry);
  let onE = 0, onS = 0;
  for (let s = 0; s < SECTORS; s++) {
    if (maxE[s]! >= 1 - RIM_TOLERANCE && maxE[s]! <= over) onE++;
    if (maxS[s]! >= 1 - RIM_TOLERANCE && maxS[s]! <= over) onS++;
  }
  const ellipseCoverage = onE / SECTORS;
  const rectangleCoverage = onS / SECTORS;
  const shape = expected ?? (rectangleCoverage > ellipseCoverage ? 'rectangle' : 'ellipse');
  return { shape, coverage: shape === 'ellipse' ? ellipseCoverage : rectangleCoverage, ellipseCoverage, rectangleCoverage };
}

/** Normalised distance from the box centre in the shape's own norm: 1 on the outline. */
export function shapeRadius(shape: SealShape, dx: number, dy: number): number {
  if (shape === 'ellipse') return Math.sqrt(dx * dx + dy * dy);
  const ax = Math.abs(dx), ay = Math.abs(dy);
  return ax > ay ? ax : ay;
}
