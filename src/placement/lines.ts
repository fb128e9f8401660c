/**
 * From runs of text to lines of glyphs, and finding words in them with the spaces between characters
 * allowed (a clerk spreads a short unit name "广 州 市 财 政 局" to the width of the date below it).
 *
 * pdf.js gives a run's ends but not each glyph's: glyph positions are estimated from the run's width,
 * a full-width character (汉字, full-width punctuation) counting one em and a narrow one half an em, the
 * rest of the width shared by the gaps pdf.js marked with spaces. For the lines this module is for
 * (a name, a date) that is within a fraction of a millimetre.
 */
import type { PageText, TextRun } from './text.js';

export interface Glyph {
  /** NFKC of the character as the PDF maps it (Kangxi radicals and full-width forms become plain ones). */
  ch: string;
  x0: number;
  x1: number;
}

export interface TextLine {
  /** Glyphs left to right, without the spaces. */
  glyphs: Glyph[];
  baseline: number;
  /** Largest font size on the line, mm. */
  size: number;
  /** The glyphs' characters, no spaces. */
  text: string;
}

/** A word found on a line: glyphs [from, to). Centres in mm in the reader's view. */
export interface Found {
  line: TextLine;
  from: number;
  to: number;
  text: string;
  x0: number;
  x1: number;
  centreX: number;
  centreY: number;
}

/**
 * The vertical centre of a line of CJK text: 汉字 fill the ideographic em box, which runs from 0.12 em
 * below the baseline to 0.88 em above it in Song faces (the em box of Source Han / Noto CJK, SimSun,
 * FangSong alike), so the middle of the characters is 0.38 em above the baseline.
 */
export const CJK_CENTRE_EM = 0.38;

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2460 && cp <= 0x27bf) || // circled numbers, geometric shapes, ★ ○: full width in CJK faces
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

const isSpace = (ch: string) => /\s/.test(ch);

function glyphsOf(run: TextRun): Glyph[] {
  const chars = [...run.text];
  const weights = chars.map((ch): number => (isSpace(ch) ? 0 : isWide(ch.codePointAt(0)!) ? 1 : 0.5));
  const spaces = chars.filter(isSpace).length;
  const inked = weights.reduce((a, b) => a + b, 0) * run.size;
  const width = run.x1 - run.x0;
  if (inked <= 0) return [];
  // Glyphs as wide as estimated when the run has room for them and gaps; else scaled to fit.
  const scale = spaces > 0 && inked <= width ? 1 : width / inked;
  const gap = spaces > 0 ? Math.max(0, (width - inked * scale) / spaces) : 0;
  const out: Glyph[] = [];
  let x = run.x0;
  chars.forEach((ch, i) => {
    if (isSpace(ch)) {
      x += gap;
      return;
    }
    const w = weights[i]! * run.size * scale;
    out.push({ ch: ch.normalize('NFKC'), x0: x, x1: x + w });
    x += w;
  });
  return out;
}

/** Runs on one baseline (within a quarter of an em) make a line; lines from the top of the page down. */
export function linesOf(page: PageText): TextLine[] {
  const runs = [...page.runs].sort((a, b) => b.baseline - a.baseline || a.x0 - b.x0);
  const groups: TextRun[][] = [];
  for (const run of runs) {
    const g = groups.find((l) => Math.abs(l[0]!.baseline - run.baseline) < 0.25 * Math.max(l[0]!.size, run.size));
    if (g) g.push(run);
    else groups.push([run]);
  }
  return groups.map((g) => {
    const glyphs = g.flatMap(glyphsOf).sort((a, b) => a.x0 - b.x0);
    const size = Math.max(...g.map((r) => r.size));
    const baseline = g.reduce((s, r) => s + r.baseline, 0) / g.length;
    return { glyphs, baseline, size, text: glyphs.map((x) => x.ch).join('') };
  });
}

/** A word as written in the register: NFKC, no whitespace. */
export const compact = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');

/** Whether glyphs i-1 and i stand apart by at least `em` ems (or i is at an end of the line). */
export function apartAt(line: TextLine, i: number, em: number): boolean {
  if (i <= 0 || i >= line.glyphs.length) return true;
  return line.glyphs[i]!.x0 - line.glyphs[i - 1]!.x1 >= em * line.size;
}

export function foundAt(line: TextLine, from: number, to: number): Found {
  const x0 = line.glyphs[from]!.x0;
  const x1 = line.glyphs[to - 1]!.x1;
  return {
    line, from, to, text: line.glyphs.slice(from, to).map((g) => g.ch).join(''),
    x0, x1, centreX: (x0 + x1) / 2, centreY: line.baseline + CJK_CENTRE_EM * line.size,
  };
}

/**
 * Every place `word` (compact) stands on the line: consecutive glyphs, each gap between them under
 * `maxGapEm` ems (a spread name, not two far-apart columns that happen to spell it).
 */
export function findWord(line: TextLine, word: string, maxGapEm = 3): Found[] {
  const out: Found[] = [];
  if (!word) return out;
  for (let at = line.text.indexOf(word); at >= 0; at = line.text.indexOf(word, at + 1)) {
    const f = spanAt(line, at, word.length, maxGapEm);
    if (f) out.push(f);
  }
  return out;
}

/** Every match of `re` (global) on the line's text, as glyph spans held together as findWord's are. */
export function findPattern(line: TextLine, re: RegExp, maxGapEm = 3): Found[] {
  const out: Found[] = [];
  for (const m of line.text.matchAll(re)) {
    const f = spanAt(line, m.index, m[0].length, maxGapEm);
    if (f) out.push(f);
  }
  return out;
}

/** The glyphs that make up text[offset, offset + length), if they start and end on glyph boundaries. */
function spanAt(line: TextLine, offset: number, length: number, maxGapEm: number): Found | undefined {
  const from = glyphIndexAt(line, offset);
  if (from < 0 || length <= 0) return undefined;
  let to = from;
  let len = 0;
  while (to < line.glyphs.length && len < length) len += line.glyphs[to++]!.ch.length;
  if (len !== length) return undefined;
  for (let i = from + 1; i < to; i++) if (apartAt(line, i, maxGapEm)) return undefined;
  return foundAt(line, from, to);
}

function glyphIndexAt(line: TextLine, offset: number): number {
  let pos = 0;
  for (let i = 0; i < line.glyphs.length; i++) {
    if (pos === offset) return i;
    pos += line.glyphs[i]!.ch.length;
    if (pos > offset) return -1;
  }
  return -1;
}
