/**
 * Where a clerk puts the seal, by GB/T 9704-2012 §7.3.5 (公文格式: 发文机关署名、成文日期和印章).
 *
 * §7.3.5.1 (one issuer): the seal sits centred over the issuing unit's name (发文机关署名) and the date of
 * writing (成文日期) below it, pressing down on both, the two in the seal's lower part. The standard gives no
 * exact point; the rule applied here: the seal's centre x is the mean of the name's and the date's centres,
 * its centre y is 4 mm above the mean of their vertical centres.
 * §7.3.5.2 (joint issuers): each unit's seal over its own name, the same way (and over the date too when the
 * date stands directly below that name), never touching another seal: moved sideways as little as needed,
 * else refused.
 *
 * The name is the unit's registered name or one of its aliases, spaces between its characters allowed, and it
 * must stand on its own (not inside a sentence of the body, the title "广州市财政局关于…", or the imprint line
 * "广州市财政局办公室 … 印发"). Dates: 2026年11月29日 or 二〇二六年十一月二十九日.
 */
import { unprocessable } from '../errors.js';
import { apartAt, compact, findPattern, findWord, linesOf, type Found, type TextLine } from './lines.js';
import type { PageText } from './text.js';

/** The seal sits this far above the mean of the name's and the date's vertical centres (mm). */
export const SEAL_ABOVE_TEXT_MM = 4;
/** Seals on one page keep at least this much apart (互不相交或相切: neither cross nor touch), mm. */
export const SEAL_CLEARANCE_MM = 1;

/** A box in mm in the reader's view of the page, origin bottom-left. */
export interface BoxMm {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface SignatureBlockInput {
  /** Pages to look on, in the order to try (the last page with text first). */
  pages: PageText[];
  /** The unit's registered name first, then its aliases. */
  names: string[];
  seal: { widthMm: number; heightMm: number };
  /** Seals already on a page (its signature widgets and stamps). */
  existingSeals: (page: number) => BoxMm[];
}

export interface SealPlacement {
  page: number;
  /** The seal's centre, mm from the bottom-left corner of the page as a reader sees it. */
  xMm: number;
  yMm: number;
  /** What the seal was put over. */
  name: string;
  date?: string;
  /** How far the seal was moved sideways to keep clear of seals already there (mm, + is right). */
  shiftedMm: number;
}

const DIGIT_DATE = /[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日/g;
const CHINESE_DATE = /[〇○零O0一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日/g;

/** A word stands on its own when nothing follows or precedes it closer than this (em). */
const STANDALONE_GAP_EM = 0.8;
const standsAlone = (f: Found) => apartAt(f.line, f.from, STANDALONE_GAP_EM) && apartAt(f.line, f.to, STANDALONE_GAP_EM);

interface Candidate {
  page: PageText;
  name: Found;
  date?: Found;
}

/** How far below the name the date may stand (baseline to baseline, in ems): a blank line between them at
 *  GB/T 9704's 28.95 pt line pitch is 3.6 em; 5 em allows that with a looser line spacing. */
const DATE_WITHIN_EM = 5;

/** The nearest date standing alone on the lines below `name` (within DATE_WITHIN_EM), directly under it. */
function dateBelow(lines: TextLine[], name: Found): Found | undefined {
  const em = name.line.size;
  let best: Found | undefined;
  for (const line of lines) {
    const drop = name.line.baseline - line.baseline;
    if (drop <= 0.5 * em || drop > DATE_WITHIN_EM * em) continue;
    for (const d of [...findPattern(line, DIGIT_DATE), ...findPattern(line, CHINESE_DATE)]) {
      if (!standsAlone(d)) continue;
      // Directly below: the date's middle under the name, or the name's middle over the date (a date under a
      // whole row of joint issuers' names is below the one it stands under, not below its neighbours).
      const under = (d.centreX >= name.x0 && d.centreX <= name.x1) || (name.centreX >= d.x0 && name.centreX <= d.x1);
      if (!under) continue;
      if (!best || d.line.baseline > best.line.baseline) best = d;
    }
  }
  return best;
}

function candidatesOn(page: PageText, names: string[]): Candidate[] {
  const lines = linesOf(page);
  const out: Candidate[] = [];
  for (const line of lines) {
    const found = names.flatMap((name) => findWord(line, name)).filter(standsAlone);
    // An alias inside the full name ("市教育局" in "广 州 市 教 育 局", spread wide enough to look apart) is
    // that name, not a second one.
    const whole = found.filter((f) => !found.some((g) => g !== f && g.from <= f.from && g.to >= f.to && g.to - g.from > f.to - f.from));
    for (const f of whole) {
      const date = dateBelow(lines, f);
      out.push({ page, name: f, ...(date ? { date } : {}) });
    }
  }
  // The signature: a name with its date below it first; then the lowest on the page (it closes the text).
  out.sort((a, b) => Number(!!b.date) - Number(!!a.date) || a.name.centreY - b.name.centreY || b.name.x0 - a.name.x0);
  return out;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function placeOverSignature(input: SignatureBlockInput): SealPlacement {
  const names = [...new Set(input.names.map(compact).filter(Boolean))];
  const { widthMm: w, heightMm: h } = input.seal;
  for (const page of input.pages) {
    const best = candidatesOn(page, names)[0];
    if (!best) continue;
    const { name, date } = best;
    const x = date ? (name.centreX + date.centreX) / 2 : name.centreX;
    const y = (date ? (name.centreY + date.centreY) / 2 : name.centreY) + SEAL_ABOVE_TEXT_MM;
    const clearX = clearSideways(x, y, w, h, page, input.existingSeals(page.page));
    if (clearX === undefined) {
      throw unprocessable(
        'placement-no-room',
        `The seal over "${name.text}" on page ${page.page} would touch a seal already there, and there is no room beside it on the page.`,
        { field: 'placement', page: page.page },
      );
    }
    return {
      page: page.page, xMm: round1(clearX), yMm: round1(y), name: name.text,
      ...(date ? { date: date.text } : {}), shiftedMm: round1(clearX - x),
    };
  }
  const looked = input.pages.map((p) => p.page);
  const scanned = input.pages.length > 0 && input.pages.every((p) => p.runs.length === 0);
  throw unprocessable(
    'placement-not-found',
    `Looked for the issuing unit's name (${names.map((n) => `"${n}"`).join(' or ')}, spaces between characters allowed) standing on its own ` +
      `as the signature, with the date of writing below it, on page${looked.length > 1 ? 's' : ''} ${looked.join(', ') || '(none)'}` +
      `${scanned ? `, which ${looked.length > 1 ? 'hold' : 'holds'} no text (a scanned document?)` : ''}, and did not find it. Give x and y instead.`,
    { field: 'placement', lookedFor: names, pages: looked },
  );
}

/**
 * The centre x nearest to `x` at which a w×h seal at height y lies on the page and keeps SEAL_CLEARANCE_MM
 * from every existing seal; undefined when there is none.
 */
function clearSideways(x: number, y: number, w: number, h: number, page: PageText, seals: BoxMm[]): number | undefined {
  const c = SEAL_CLEARANCE_MM;
  const lo = w / 2;
  const hi = page.widthMm - w / 2;
  if (lo > hi || y - h / 2 < 0 || y + h / 2 > page.heightMm) return undefined;
  // Seals at this height block an interval of centre x each.
  const blocked = seals
    .filter((s) => s.y0 < y + h / 2 + c && s.y1 > y - h / 2 - c)
    .map((s) => [s.x0 - w / 2 - c, s.x1 + w / 2 + c] as const);
  const free = (cx: number) => cx >= lo - 1e-9 && cx <= hi + 1e-9 && blocked.every(([a, b]) => cx <= a || cx >= b);
  // The nearest free x is x itself (clamped onto the page), or an end of a blocked interval.
  const options = [Math.min(Math.max(x, lo), hi), ...blocked.flatMap(([a, b]) => [a, b])].filter(free);
  if (!options.length) return undefined;
  return options.reduce((best, o) => (Math.abs(o - x) < Math.abs(best - x) ? o : best));
}
