/**
 * Looking at pages as poppler shows them, independently of the code under test:
 *   - where the words are (pdftotext -bbox-layout), to compute where GB/T 9704's rule puts a seal;
 *   - where the red seals landed (pdftoppm -r 100, the red pixels grouped into seals);
 *   - pages side by side, to see a riding seal's slices join.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);
export const DPI = 100;
const PX_PER_MM = DPI / 25.4;

// ---------------------------------------------------------------------------------------------------------
// Words, by poppler

export interface Word { text: string; x0: number; y0: number; x1: number; y1: number } // mm, y from the TOP
export interface Line { words: Word[]; text: string }
export interface PageWords { widthMm: number; heightMm: number; lines: Line[] }

const PT = 25.4 / 72;

/** Poppler gives word boxes in the reader's view but the page's size unturned: `turned` (90°/270°) swaps it. */
export async function popplerWords(pdf: Uint8Array, page: number, turned = false): Promise<PageWords> {
  const dir = mkdtempSync(join(tmpdir(), 'bbox-'));
  writeFileSync(join(dir, 'in.pdf'), pdf);
  const { stdout } = await run('pdftotext', ['-bbox-layout', '-f', String(page), '-l', String(page), join(dir, 'in.pdf'), '-'], { maxBuffer: 64 << 20 });
  const pageTag = /<page width="([\d.]+)" height="([\d.]+)">/.exec(stdout)!;
  const words = [...stdout.matchAll(/<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)<\/word>/g)].map((w) => ({
    text: w[5]!, x0: Number(w[1]) * PT, y0: Number(w[2]) * PT, x1: Number(w[3]) * PT, y1: Number(w[4]) * PT,
  }));
  // Poppler puts widely spaced characters (a spread name) in flows of their own: lines are made here again,
  // from words whose vertical middles agree, left to right.
  const lines: Line[] = [];
  for (const w of [...words].sort((a, b) => a.x0 - b.x0)) {
    const mid = (w.y0 + w.y1) / 2;
    const line = lines.find((l) => Math.abs((l.words[0]!.y0 + l.words[0]!.y1) / 2 - mid) < 0.3 * (w.y1 - w.y0));
    if (line) line.words.push(w);
    else lines.push({ words: [w], text: '' });
  }
  for (const l of lines) l.text = l.words.map((w) => w.text).join('');
  const [w, h] = [Number(pageTag[1]) * PT, Number(pageTag[2]) * PT];
  return turned ? { widthMm: h, heightMm: w, lines } : { widthMm: w, heightMm: h, lines };
}

/** The box of `text` (spaces ignored) made of whole words on one line; the lowest such place on the page. */
export function wordsBox(page: PageWords, text: string): { x0: number; x1: number; yMid: number } | undefined {
  const want = text.replace(/\s+/g, '');
  let found: { x0: number; x1: number; yMid: number } | undefined;
  for (const line of page.lines) {
    for (let i = 0; i < line.words.length; i++) {
      let acc = '';
      for (let j = i; j < line.words.length && acc.length < want.length; j++) {
        acc += line.words[j]!.text.replace(/\s+/g, '');
        if (acc === want) {
          const ws = line.words.slice(i, j + 1);
          const box = { x0: ws[0]!.x0, x1: ws[ws.length - 1]!.x1, yMid: ws.reduce((s, w) => s + (w.y0 + w.y1) / 2, 0) / ws.length };
          if (!found || box.yMid > found.yMid) found = box;
        }
      }
    }
  }
  return found;
}

/**
 * Where GB/T 9704 §7.3.5 as this project applies it puts the seal, from poppler's boxes: centre x the mean of the
 * name's and the date's centres, centre y 4 mm above the mean of their vertical centres (mm from the BOTTOM).
 */
export function ruleCentre(page: PageWords, name: string, date?: string): { x: number; y: number } {
  const n = wordsBox(page, name);
  if (!n) throw new Error(`poppler does not see "${name}" on the page`);
  const d = date ? wordsBox(page, date) : undefined;
  if (date && !d) throw new Error(`poppler does not see "${date}" on the page`);
  const parts = d ? [n, d] : [n];
  const x = parts.reduce((s, p) => s + (p.x0 + p.x1) / 2, 0) / parts.length;
  const yTop = parts.reduce((s, p) => s + p.yMid, 0) / parts.length;
  return { x, y: page.heightMm - yTop + 4 };
}

// ---------------------------------------------------------------------------------------------------------
// Seals, by their red pixels

export async function renderPage(pdf: Uint8Array, page: number, dpi = DPI): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'look-'));
  writeFileSync(join(dir, 'in.pdf'), pdf);
  await run('pdftoppm', ['-png', '-r', String(dpi), '-f', String(page), '-l', String(page), '-singlefile', join(dir, 'in.pdf'), join(dir, 'page')]);
  return join(dir, 'page.png');
}

/** Keep a copy of a rendered page where a person can look at it (SEAL_LOOK_DIR, else a folder under /tmp). */
export function keepForLooking(png: string, name: string): string {
  const dir = process.env.SEAL_LOOK_DIR ?? join(tmpdir(), 'seal-look');
  mkdirSync(dir, { recursive: true });
  const to = join(dir, name);
  copyFileSync(png, to);
  return to;
}

export interface SealSeen {
  /** Centre and size in mm; x from the left, y from the BOTTOM of the page as rendered. */
  x: number;
  y: number;
  w: number;
  h: number;
  box: { x0: number; y0: number; x1: number; y1: number }; // px
  pixels: number;
}

const isRed = (r: number, g: number, b: number) => r > 140 && g < 110 && b < 110 && r - g > 80;

/** The red marks on a rendered page, grouped: pieces whose boxes overlap are one seal. */
export async function redSeals(png: string, minPixels = 30): Promise<{ seals: SealSeen[]; width: number; height: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  const red = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) red[i] = isRed(data[i * channels]!, data[i * channels + 1]!, data[i * channels + 2]!) ? 1 : 0;
  // Connected pieces (8-neighbours).
  const label = new Int32Array(width * height).fill(-1);
  const boxes: { x0: number; y0: number; x1: number; y1: number; n: number }[] = [];
  const stack: number[] = [];
  for (let start = 0; start < red.length; start++) {
    if (!red[start] || label[start]! >= 0) continue;
    const id = boxes.length;
    const b = { x0: width, y0: height, x1: -1, y1: -1, n: 0 };
    boxes.push(b);
    label[start] = id;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      b.n++;
      b.x0 = Math.min(b.x0, x); b.x1 = Math.max(b.x1, x); b.y0 = Math.min(b.y0, y); b.y1 = Math.max(b.y1, y);
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const q = ny * width + nx;
        if (red[q] && label[q]! < 0) { label[q] = id; stack.push(q); }
      }
    }
  }
  // Pieces inside one seal's ring overlap its box: merge until nothing overlaps. A line of black text across
  // a seal cuts its ring into an upper and a lower arc (red × black is black): pieces in the same column
  // (x ranges overlapping by most of the narrower one) less than 12 mm apart vertically are one seal too.
  // Seals side by side share no column, so they stay apart however close they are.
  const gapPx = 12 * PX_PER_MM;
  let groups = boxes.map((b) => ({ ...b }));
  for (let merged = true; merged; ) {
    merged = false;
    outer: for (let i = 0; i < groups.length; i++) for (let j = i + 1; j < groups.length; j++) {
      const a = groups[i]!;
      const c = groups[j]!;
      const xOverlap = Math.min(a.x1, c.x1) - Math.max(a.x0, c.x0);
      const overlapping = xOverlap >= 0 && a.y0 <= c.y1 && c.y0 <= a.y1;
      const sameColumn = xOverlap > 0.6 * Math.min(a.x1 - a.x0, c.x1 - c.x0) && Math.max(a.y0, c.y0) - Math.min(a.y1, c.y1) < gapPx;
      if (overlapping || sameColumn) {
        groups[i] = { x0: Math.min(a.x0, c.x0), y0: Math.min(a.y0, c.y0), x1: Math.max(a.x1, c.x1), y1: Math.max(a.y1, c.y1), n: a.n + c.n };
        groups.splice(j, 1);
        merged = true;
        break outer;
      }
    }
  }
  groups = groups.filter((g) => g.n >= minPixels);
  const seals = groups.map((g) => ({
    x: (g.x0 + g.x1 + 1) / 2 / PX_PER_MM,
    y: (height - (g.y0 + g.y1 + 1) / 2) / PX_PER_MM,
    w: (g.x1 - g.x0 + 1) / PX_PER_MM,
    h: (g.y1 - g.y0 + 1) / PX_PER_MM,
    box: { x0: g.x0, y0: g.y0, x1: g.x1, y1: g.y1 },
    pixels: g.n,
  }));
  seals.sort((a, b) => a.x - b.x);
  return { seals, width, height };
}

/** The red pixel mask of a rendered page (1 = red), for looking at shapes. */
export async function redMask(png: string): Promise<{ mask: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const mask = new Uint8Array(info.width * info.height);
  for (let i = 0; i < mask.length; i++) mask[i] = isRed(data[i * info.channels]!, data[i * info.channels + 1]!, data[i * info.channels + 2]!) ? 1 : 0;
  return { mask, width: info.width, height: info.height };
}

/** Images side by side (left to right), `gap` px of grey between them. */
export async function sideBySide(pngs: string[], out: string, gap = 0): Promise<string> {
  const metas = await Promise.all(pngs.map((p) => sharp(p).metadata()));
  let left = 0;
  const layers = pngs.map((p, i) => {
    const l = { input: p, left, top: 0 };
    left += metas[i]!.width! + gap;
    return l;
  });
  await sharp({ create: { width: left - gap, height: Math.max(...metas.map((m) => m.height!)), channels: 3, background: '#909090' } })
    .composite(layers).png().toFile(out);
  return out;
}

/** A strip of a PNG: columns [x, x + w). */
export async function strip(png: string, x: number, w: number, out: string): Promise<string> {
  const m = await sharp(png).metadata();
  await sharp(png).extract({ left: Math.max(0, Math.round(x)), top: 0, width: Math.round(w), height: m.height! }).png().toFile(out);
  return out;
}

export const readPng = (p: string) => readFileSync(p);
