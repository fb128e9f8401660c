import type { OutlineCommand } from './font.js';
import { apply, type Affine, type Point } from './geometry.js';
import type { SealLayout } from './layout.js';

/**
 * Layout → SVG, in pixels. Glyph outlines are written as paths with absolute coordinates already
 * mapped to the canvas (no <text>, no font lookup by the rasteriser, no nested transforms), and
 * every number is printed with a fixed precision, so the SVG — and the PNG made from it — depends
 * only on the layout.
 */

export interface Canvas {
  widthPx: number;
  heightPx: number;
}

/** round(mm / 25.4 × dpi): 42 mm at 600 dpi is 992 px. */
export function mmToPx(mm: number, dpi: number): number {
  return Math.round((mm / 25.4) * dpi);
}

const num = (v: number): string => {
  const s = v.toFixed(2);
  return s === '-0.00' ? '0.00' : s;
};

export function sealSvg(layout: SealLayout, dpi: number): { svg: string } & Canvas {
  const widthPx = mmToPx(layout.widthMm, dpi);
  const heightPx = mmToPx(layout.heightMm, dpi);
  // Separate x and y factors so the outline meets the canvas edges exactly despite rounding.
  const kx = widthPx / layout.widthMm;
  const ky = heightPx / layout.heightMm;
  const toPx = (p: Point): Point => ({ x: p.x * kx, y: p.y * ky });
  const parts: string[] = [];
  const color = layout.color.toLowerCase();

  const bw = layout.borderWidthMm;
  const o = layout.outline;
  // The border is a stroke centred half its width inside the outline, so its outer edge is the outline.
  switch (o.kind) {
    case 'circle':
    case 'ellipse': {
      const rx = (o.kind === 'circle' ? o.r : o.rx) - bw / 2;
      const ry = (o.kind === 'circle' ? o.r : o.ry) - bw / 2;
      parts.push(
        `<ellipse cx="${num(o.cx * kx)}" cy="${num(o.cy * ky)}" rx="${num(rx * kx)}" ry="${num(ry * ky)}" fill="none" stroke="${color}" stroke-width="${num(bw * kx)}"/>`,
      );
      break;
    }
    case 'square': {
      const s = o.side - bw;
      parts.push(
        `<rect x="${num((o.x + bw / 2) * kx)}" y="${num((o.y + bw / 2) * ky)}" width="${num(s * kx)}" height="${num(s * ky)}" fill="none" stroke="${color}" stroke-width="${num(bw * kx)}"/>`,
      );
      break;
    }
  }

  if (layout.star) {
    const d = layout.star.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${pt(toPx(p))}`).join('') + 'Z';
    parts.push(`<path d="${d}" fill="${color}"/>`);
  }

  const glyphPaths = layout.glyphs.map((g) => outlinePath(g.glyph.commands, g.transform, kx, ky)).filter((d) => d);
  if (glyphPaths.length > 0) {
    // nonzero winding: TrueType outlines rely on it for overlapping contours.
    parts.push(`<path d="${glyphPaths.join('')}" fill="${color}" fill-rule="nonzero"/>`);
  }

  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}">` +
    parts.join('') +
    `</svg>`;
  return { svg, widthPx, heightPx };
}

const pt = (p: Point) => `${num(p.x)} ${num(p.y)}`;

function outlinePath(commands: readonly OutlineCommand[], m: Affine, kx: number, ky: number): string {
  const map = (x: number, y: number): string => {
    const p = apply(m, { x, y });
    return pt({ x: p.x * kx, y: p.y * ky });
  };
  let d = '';
  for (const c of commands) {
    switch (c.type) {
      case 'M':
      case 'L':
        d += c.type + map(c.x, c.y);
        break;
      case 'Q':
        d += 'Q' + map(c.x1, c.y1) + ' ' + map(c.x, c.y);
        break;
      case 'C':
        d += 'C' + map(c.x1, c.y1) + ' ' + map(c.x2, c.y2) + ' ' + map(c.x, c.y);
        break;
      case 'Z':
        d += 'Z';
        break;
    }
  }
  return d;
}
