/** Plane geometry for seal layout: affine maps, rotated boxes and their overlap test. */

export interface Point {
  x: number;
  y: number;
}

/** x' = a·x + c·y + e, y' = b·x + d·y + f (the SVG matrix(a b c d e f) convention). */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export const identity: Affine = { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 };

export const scale = (sx: number, sy: number): Affine => ({ a: sx, b: 0, c: 0, d: sy, e: 0, f: 0 });
export const translate = (tx: number, ty: number): Affine => ({ a: 1, b: 0, c: 0, d: 1, e: tx, f: ty });

/** Rotation by `deg` that turns clockwise on screen (y points down). */
export function rotate(deg: number): Affine {
  const r = (deg * Math.PI) / 180;
  const cos = Math.cos(r);
  const sin = Math.sin(r);
  return { a: cos, b: sin, c: -sin, d: cos, e: 0, f: 0 };
}

/** The map that applies `first`, then `second`. */
export function compose(first: Affine, second: Affine): Affine {
  return {
    a: second.a * first.a + second.c * first.b,
    b: second.b * first.a + second.d * first.b,
    c: second.a * first.c + second.c * first.d,
    d: second.b * first.c + second.d * first.d,
    e: second.a * first.e + second.c * first.f + second.e,
    f: second.b * first.e + second.d * first.f + second.f,
  };
}

/** Composes maps in the order they are applied. */
export function chain(...maps: Affine[]): Affine {
  return maps.reduce((acc, m) => compose(acc, m), identity);
}

export function apply(m: Affine, p: Point): Point {
  return { x: m.a * p.x + m.c * p.y + m.e, y: m.b * p.x + m.d * p.y + m.f };
}

/** A convex quadrilateral, corners in order. */
export type Quad = [Point, Point, Point, Point];

export function boxQuad(m: Affine, x1: number, y1: number, x2: number, y2: number): Quad {
  return [apply(m, { x: x1, y: y1 }), apply(m, { x: x2, y: y1 }), apply(m, { x: x2, y: y2 }), apply(m, { x: x1, y: y2 })];
}

/**
 * Separating-axis test for two convex quadrilaterals: true when their interiors overlap.
 * Touching edges do not count as overlap.
 */
export function quadsOverlap(p: Quad, q: Quad): boolean {
  for (const poly of [p, q]) {
    for (let i = 0; i < 4; i++) {
      const a = poly[i]!;
      const b = poly[(i + 1) % 4]!;
      const nx = b.y - a.y;
      const ny = a.x - b.x;
      let pMin = Infinity, pMax = -Infinity, qMin = Infinity, qMax = -Infinity;
      for (const v of p) {
        const d = v.x * nx + v.y * ny;
        pMin = Math.min(pMin, d);
        pMax = Math.max(pMax, d);
      }
      for (const v of q) {
        const d = v.x * nx + v.y * ny;
        qMin = Math.min(qMin, d);
        qMax = Math.max(qMax, d);
      }
      const eps = 1e-9 * Math.hypot(nx, ny);
      if (pMax <= qMin + eps || qMax <= pMin + eps) return false;
    }
  }
  return true;
}

/** Points of a regular five-pointed star (one tip straight up), alternating tip and notch. */
export function starPoints(cx: number, cy: number, outerRadius: number): Point[] {
  // For a regular pentagram the notch radius is R·cos72°/cos36° ≈ 0.382 R.
  const inner = (outerRadius * Math.cos((72 * Math.PI) / 180)) / Math.cos((36 * Math.PI) / 180);
  const points: Point[] = [];
  for (let k = 0; k < 10; k++) {
    const r = k % 2 === 0 ? outerRadius : inner;
    const angle = (k * 36 * Math.PI) / 180;
    points.push({ x: cx + r * Math.sin(angle), y: cy - r * Math.cos(angle) });
  }
  return points;
}
