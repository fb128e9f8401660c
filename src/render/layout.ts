import { unprocessable } from '../errors.js';
import { sealFont, type SealFont, type SealGlyph } from './font.js';
import {
  boxQuad,
  chain,
  quadsOverlap,
  rotate,
  scale,
  starPoints,
  translate,
  type Affine,
  type Point,
  type Quad,
} from './geometry.js';
import { templateSizeMm, type SealTemplate } from './template.js';

/**
 * Layout: a template plus the texts become positioned glyphs, all in millimetres on the image
 * canvas (origin at the top-left corner, y down). Nothing here touches pixels, so tests can check
 * the geometry (no overlaps, angular range) directly.
 */

export type TextField = 'text' | 'bottomText';

export interface PlacedGlyph {
  field: TextField;
  glyph: SealGlyph;
  /** Font units (y down, baseline at 0) to canvas millimetres. */
  transform: Affine;
  /** The character's cell (advance × em box) on the canvas: the space reserved for it. */
  cell: Quad;
  /** The glyph's ink bounding box on the canvas. */
  ink: Quad;
}

export type SealOutline =
  | { kind: 'circle'; cx: number; cy: number; r: number }
  | { kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number }
  | { kind: 'square'; x: number; y: number; side: number };

export interface SealLayout {
  template: string;
  widthMm: number;
  heightMm: number;
  color: string;
  outline: SealOutline;
  borderWidthMm: number;
  star?: { cx: number; cy: number; outerRadius: number; points: Point[] };
  glyphs: PlacedGlyph[];
  /** How the arc text was fitted (absent for grid templates). */
  arc?: { fontSizeMm: number; condense: number; startDeg: number; endDeg: number; stepDeg: number };
  horizontal?: { fontSizeMm: number; condense: number; text: string };
}

export interface LayoutInput {
  text: string;
  bottomText?: string | undefined;
}

/** Characters as the seal shows them: NFC, trimmed, one entry per code point. */
export function sealCharacters(text: string): string[] {
  return [...text.normalize('NFC').trim()];
}

export function layoutSeal(template: SealTemplate, input: LayoutInput, font: SealFont = sealFont()): SealLayout {
  const { widthMm, heightMm } = templateSizeMm(template);
  const cx = widthMm / 2;
  const cy = heightMm / 2;
  const text = sealCharacters(input.text);
  if (text.length === 0) {
    throw unprocessable('text-empty', 'The seal text is empty.', { field: 'text' });
  }
  // Refuse absurd lengths before any work, then look every character up, so a missing glyph is
  // reported before a fitting problem.
  const maxText = template.arcText ? legibleArcCharacters(template, font) : template.gridText ? legibleGridCharacters(template) : 0;
  if (text.length > maxText) tooLongForTemplate(template, text.length, maxText);
  const bottom = resolveBottomText(template, input.bottomText);
  const maxBottom = template.horizontalText?.maxCharacters.value ?? 0;
  if (bottom.length > maxBottom) {
    tooLong('bottomText', `The bottom text has ${bottom.length} characters; template "${template.name}" fits at most ${maxBottom}.`, maxBottom);
  }
  const textGlyphs = text.map((ch) => font.glyph(ch, 'text'));
  const bottomGlyphs = bottom.map((ch) => font.glyph(ch, 'bottomText'));

  const layout: SealLayout = {
    template: template.name,
    widthMm,
    heightMm,
    color: template.color.value,
    outline: outlineOf(template, cx, cy),
    borderWidthMm: template.border.widthMm.value,
    glyphs: [],
  };
  if (template.star) {
    const r = template.star.outerRadiusMm.value;
    const sy = cy + template.star.centerYMm.value;
    layout.star = { cx, cy: sy, outerRadius: r, points: starPoints(cx, sy, r) };
  }
  if (template.arcText) {
    const arc = layoutArc(template, textGlyphs, font, cx, cy);
    layout.glyphs.push(...arc.glyphs);
    layout.arc = arc.info;
  } else if (template.gridText) {
    layout.glyphs.push(...layoutGrid(template, textGlyphs, font, cx, cy));
  }
  if (bottomGlyphs.length > 0) {
    const h = layoutHorizontal(template, bottomGlyphs, font, cx, cy);
    layout.glyphs.push(...h.glyphs);
    layout.horizontal = { ...h.info, text: bottom.join('') };
  }
  return layout;
}

function resolveBottomText(template: SealTemplate, given: string | undefined): string[] {
  if (given === undefined) {
    const d = template.horizontalText?.defaultText;
    return d ? sealCharacters(d) : [];
  }
  const chars = sealCharacters(given);
  if (chars.length > 0 && !template.horizontalText) {
    throw unprocessable(
      'bottom-text-not-supported',
      `Template "${template.name}" has no horizontal text line.`,
      { field: 'bottomText' },
    );
  }
  return chars;
}

function outlineOf(template: SealTemplate, cx: number, cy: number): SealOutline {
  switch (template.shape.kind) {
    case 'circle':
      return { kind: 'circle', cx, cy, r: template.shape.diameterMm.value / 2 };
    case 'ellipse':
      return { kind: 'ellipse', cx, cy, rx: template.shape.widthMm.value / 2, ry: template.shape.heightMm.value / 2 };
    case 'square':
      return { kind: 'square', x: 0, y: 0, side: template.shape.sideMm.value };
  }
}

function tooLongForTemplate(template: SealTemplate, n: number, max: number): never {
  const min = (template.arcText ?? template.gridText)?.minGlyphWidthMm.value;
  const why = min !== undefined ? ` without drawing a character narrower than ${min} mm, the smallest legible width` : '';
  return tooLong('text', `The seal text has ${n} characters; template "${template.name}" fits at most ${max}${why}.`, max);
}

/**
 * The most ideographs that fit along the template's arc at no less than its smallest legible glyph width: the
 * largest n for which n full-width characters lay out (the count is monotone, so a binary search), at most the
 * template's maxCharacters. Worked out once per template.
 */
const legibleCounts = new WeakMap<SealTemplate, number>();
export function legibleArcCharacters(template: SealTemplate, font: SealFont = sealFont()): number {
  const known = legibleCounts.get(template);
  if (known !== undefined) return known;
  const ideograph = font.glyph('国', 'text');
  const fits = (n: number) => layoutArcOrNull(template, Array<SealGlyph>(n).fill(ideograph), font, 0, 0) !== null;
  let lo = 0;
  let hi = template.arcText!.maxCharacters.value;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  legibleCounts.set(template, lo);
  return lo;
}

/** The most characters a grid seal takes with every column at least its smallest legible width wide. */
export function legibleGridCharacters(template: SealTemplate): number {
  const spec = template.gridText!;
  let n = spec.maxCharacters.value;
  while (n > 0 && gridColumnWidth(template, gridColumns(n).length) < spec.minGlyphWidthMm.value) n--;
  return n;
}

function gridColumnWidth(template: SealTemplate, columns: number): number {
  const spec = template.gridText!;
  const inner = templateSizeMm(template).widthMm - 2 * template.border.widthMm.value - 2 * spec.paddingMm.value;
  return (inner - (columns - 1) * spec.gapMm.value) / columns;
}

function tooLong(field: TextField, message: string, maxCharacters?: number): never {
  throw unprocessable('text-too-long', message, {
    field,
    ...(maxCharacters !== undefined ? { maxCharacters } : {}),
  });
}

/** Font units (y down, baseline 0) → a cell whose bottom-centre is the origin, `size` mm tall. */
function cellMap(font: SealFont, glyph: SealGlyph, size: number, condense: number): Affine {
  const s = size / (font.emTop + font.emBottom);
  return chain(translate(-glyph.advance / 2, -font.emBottom), scale(s * condense, s));
}

function placed(field: TextField, glyph: SealGlyph, font: SealFont, fromCell: Affine, toCanvas: Affine): PlacedGlyph {
  const transform = chain(fromCell, toCanvas);
  const b = glyph.box;
  return {
    field,
    glyph,
    transform,
    cell: boxQuad(transform, 0, -font.emTop, glyph.advance, font.emBottom),
    ink: boxQuad(transform, b.x1, b.y1, b.x2, b.y2),
  };
}

function anyNeighboursOverlap(glyphs: PlacedGlyph[]): boolean {
  for (let i = 0; i + 1 < glyphs.length; i++) {
    if (quadsOverlap(glyphs[i]!.cell, glyphs[i + 1]!.cell)) return true;
  }
  return false;
}

/**
 * The unit name along the upper arc, reading clockwise. The baseline is the ellipse (a circle
 * for round seals) through the characters' feet; characters sit at equal arc-length steps inside
 * [startDeg, endDeg] (angles are the ellipse parameter, from 12 o'clock, clockwise; equal steps are
 * measured along the ellipse through the characters' middles), each turned so
 * its foot points at the centre. Long names are condensed horizontally first, then shrunk (keeping
 * the characters' tops at the same distance from the border), and refused when even the smallest
 * allowed size would make neighbours touch.
 */
function layoutArc(
  template: SealTemplate,
  glyphs: SealGlyph[],
  font: SealFont,
  cx: number,
  cy: number,
): { glyphs: PlacedGlyph[]; info: NonNullable<SealLayout['arc']> } {
  return layoutArcOrNull(template, glyphs, font, cx, cy) ?? tooLongForTemplate(template, glyphs.length, legibleArcCharacters(template, font));
}

/** The arc layout, or null when the characters do not fit at the smallest allowed size, condensing and glyph width. */
function layoutArcOrNull(
  template: SealTemplate,
  glyphs: SealGlyph[],
  font: SealFont,
  cx: number,
  cy: number,
): { glyphs: PlacedGlyph[]; info: NonNullable<SealLayout['arc']> } | null {
  const spec = template.arcText!;
  const minWidth = spec.minGlyphWidthMm.value;
  const n = glyphs.length;
  const startDeg = spec.startDeg.value;
  const endDeg = spec.endDeg.value;
  const f0 = spec.fontSizeMm.value;
  const topY = spec.baselineRadiusMm.value + f0;
  const topX = (spec.baselineRadiusXMm?.value ?? spec.baselineRadiusMm.value) + f0;
  const gap = spec.gapMm.value;
  const minCondense = spec.minCondense.value;

  // Try sizes from the nominal one down to the minimum in 1% steps of the nominal size.
  const sizes: number[] = [];
  for (let f = f0; f >= spec.minFontSizeMm.value - 1e-9; f -= f0 * 0.01) sizes.push(f);
  for (const size of sizes) {
    const rx = topX - size;
    const ry = topY - size;
    // Space the characters evenly along the line through their middles, not their feet: on an
    // ellipse the characters fan out where it curves sharply, and the eye judges spacing at mid-height.
    const path = ellipseArc(rx + size / 2, ry + size / 2, startDeg, endDeg);
    const maxStep = (spec.maxStepDeg.value / (endDeg - startDeg)) * path.length;
    const step = Math.min(path.length / n, maxStep);
    const params = glyphs.map((_, i) => path.paramAt(path.length / 2 + (i - (n - 1) / 2) * step));
    const feet = params.map((t) => ellipsePoint(rx, ry, t));
    // The narrowest gap between neighbouring feet limits the width of every character.
    let chord = Infinity;
    for (let i = 0; i + 1 < n; i++) chord = Math.min(chord, dist(feet[i]!, feet[i + 1]!));
    const widest = Math.max(...glyphs.map((g) => g.advance)) / (font.emTop + font.emBottom);
    let condense = n === 1 ? 1 : Math.min(1, (chord - gap) / (size * widest));
    if (condense < minCondense) continue;
    // An ideograph's em box is `size × condense` wide: narrower than the legible minimum is never drawn.
    for (; condense >= minCondense && size * condense >= minWidth - 1e-9; condense -= 0.02) {
      const out = glyphs.map((g, i) => {
        const t = params[i]!;
        const foot = feet[i]!;
        const toCanvas = chain(rotate(normalDeg(rx, ry, t)), translate(cx + foot.x, cy + foot.y));
        return placed('text', g, font, cellMap(font, g, size, condense), toCanvas);
      });
      if (!anyNeighboursOverlap(out)) {
        return { glyphs: out, info: { fontSizeMm: size, condense, startDeg, endDeg, stepDeg: (step / path.length) * (endDeg - startDeg) } };
      }
    }
  }
  return null;
}

/** A line of text centred horizontally at `centerYMm` below the centre, condensed or shrunk to fit. */
function layoutHorizontal(
  template: SealTemplate,
  glyphs: SealGlyph[],
  font: SealFont,
  cx: number,
  cy: number,
): { glyphs: PlacedGlyph[]; info: { fontSizeMm: number; condense: number } } {
  const spec = template.horizontalText!;
  const n = glyphs.length;
  const em = font.emTop + font.emBottom;
  const f0 = spec.fontSizeMm.value;
  const gap = spec.gapMm.value;
  const advances = glyphs.reduce((sum, g) => sum + g.advance, 0) / em;
  for (let size = f0; size >= spec.minFontSizeMm.value - 1e-9; size -= f0 * 0.01) {
    const condense = Math.min(1, (spec.maxWidthMm.value - (n - 1) * gap) / (advances * size));
    if (condense < spec.minCondense.value) continue;
    const total = advances * size * condense + (n - 1) * gap;
    let x = cx - total / 2;
    const baseY = cy + spec.centerYMm.value + size / 2;
    const out = glyphs.map((g) => {
      const w = (g.advance / em) * size * condense;
      const p = placed('bottomText', g, font, cellMap(font, g, size, condense), translate(x + w / 2, baseY));
      x += w + gap;
      return p;
    });
    return { glyphs: out, info: { fontSizeMm: size, condense } };
  }
  return tooLong('bottomText', `The bottom text (${n} characters) is too long for template "${template.name}".`);
}

/**
 * Square name seals: columns read right to left, each top to bottom, as a carved name seal
 * (姓名章) does; each character is stretched to fill its cell. 2 characters: two tall columns;
 * 3: the first alone in the right column, the other two in the left; 4: two by two.
 */
function layoutGrid(template: SealTemplate, glyphs: SealGlyph[], font: SealFont, cx: number, cy: number): PlacedGlyph[] {
  const spec = template.gridText!;
  const n = glyphs.length;
  const columns = gridColumns(n);
  const side = templateSizeMm(template).widthMm;
  const inner = side - 2 * template.border.widthMm.value - 2 * spec.paddingMm.value;
  const gap = spec.gapMm.value;
  const colWidth = gridColumnWidth(template, columns.length);
  const left = cx - inner / 2;
  const top = cy - inner / 2;
  const em = font.emTop + font.emBottom;
  const out: PlacedGlyph[] = [];
  columns.forEach((members, k) => {
    // Column 0 is the rightmost.
    const x0 = left + inner - (k + 1) * colWidth - k * gap;
    const cellHeight = (inner - (members.length - 1) * gap) / members.length;
    members.forEach((index, row) => {
      const g = glyphs[index]!;
      const y0 = top + row * (cellHeight + gap);
      const fromFont = chain(
        translate(0, font.emTop),
        scale(colWidth / g.advance, cellHeight / em),
        translate(x0, y0),
      );
      const b = g.box;
      out.push({
        field: 'text',
        glyph: g,
        transform: fromFont,
        cell: boxQuad(fromFont, 0, -font.emTop, g.advance, font.emBottom),
        ink: boxQuad(fromFont, b.x1, b.y1, b.x2, b.y2),
      });
    });
  });
  return out;
}

/** Which characters go in which column (rightmost column first). */
export function gridColumns(n: number): number[][] {
  if (n === 3) return [[0], [1, 2]];
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const out: number[][] = [];
  for (let i = 0; i < n; i += rows) out.push(Array.from({ length: Math.min(rows, n - i) }, (_, j) => i + j));
  return out;
}

const rad = (deg: number) => (deg * Math.PI) / 180;
const dist = (p: Point, q: Point) => Math.hypot(p.x - q.x, p.y - q.y);

/** The point at parameter angle t on an ellipse centred at the origin (t from 12 o'clock, clockwise). */
function ellipsePoint(rx: number, ry: number, tDeg: number): Point {
  return { x: rx * Math.sin(rad(tDeg)), y: -ry * Math.cos(rad(tDeg)) };
}

/** Direction of the outward normal at parameter t, as an angle from "up", clockwise. */
function normalDeg(rx: number, ry: number, tDeg: number): number {
  return (Math.atan2(Math.sin(rad(tDeg)) / rx, Math.cos(rad(tDeg)) / ry) * 180) / Math.PI;
}

/** Arc length along an ellipse between two parameter angles, tabulated for inversion. */
function ellipseArc(rx: number, ry: number, startDeg: number, endDeg: number) {
  const samples = 720;
  const lengths = new Float64Array(samples + 1);
  let prev = ellipsePoint(rx, ry, startDeg);
  for (let i = 1; i <= samples; i++) {
    const p = ellipsePoint(rx, ry, startDeg + ((endDeg - startDeg) * i) / samples);
    lengths[i] = lengths[i - 1]! + dist(prev, p);
    prev = p;
  }
  const length = lengths[samples]!;
  return {
    length,
    /** The parameter angle at arc length s from the start (clamped to the range). */
    paramAt(s: number): number {
      if (s <= 0) return startDeg;
      if (s >= length) return endDeg;
      let lo = 0;
      let hi = samples;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (lengths[mid]! <= s) lo = mid;
        else hi = mid;
      }
      const frac = (s - lengths[lo]!) / (lengths[hi]! - lengths[lo]!);
      return startDeg + ((endDeg - startDeg) * (lo + frac)) / samples;
    },
  };
}
