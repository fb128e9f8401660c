/**
 * The classification mark (密级和保密期限, GB/T 9704-2012 §7.2.2) on a document's first page: 绝密, 机密 or
 * 秘密, alone or with ★ and the period it is kept secret (机密★1年, 绝密★长期), set flush left at the top of
 * the page above the title. The exchange carries no classified documents (Art. 6), so a mark found there
 * refuses sealing whatever the caller says.
 *
 * Only the top-left block is read: the upper third of the left half of the page, and above the title (the
 * line in the largest type in the upper half) when there is one. A line there is a mark when the whole line
 * is one (after an optional 份号 copy number), so 机密 inside a sentence ("不得泄露机密") is not.
 */
import { linesOf, type TextLine } from './lines.js';
import type { PageText } from './text.js';

export type ClassificationLevel = '绝密' | '机密' | '秘密';

export interface ClassificationMark {
  /** 绝密 top secret, 机密 secret, 秘密 confidential. */
  level: ClassificationLevel;
  /** 保密期限 the period after ★ (e.g. "1年", "长期"), or null. */
  period: string | null;
  /** The line as it stands on the page, spaces removed. */
  text: string;
  page: number;
}

const MARK = /^(?:[0-9]{6})?(绝密|机密|秘密)(?:[★☆*]([^★☆*]{0,12}))?[。.]?$/;

function titleTop(lines: TextLine[], page: PageText): number | undefined {
  const upper = lines.filter((l) => l.baseline > page.heightMm / 2);
  if (!upper.length) return undefined;
  const body = Math.min(...upper.map((l) => l.size));
  const largest = upper.reduce((a, b) => (b.size > a.size ? b : a));
  // A title is set larger than the text around it (2号 22 pt over 3号 16 pt); equal sizes: no title found.
  return largest.size > body * 1.15 ? largest.baseline + 0.88 * largest.size : undefined;
}

export function classificationMark(page: PageText): ClassificationMark | null {
  const lines = linesOf(page);
  const top = titleTop(lines, page);
  for (const line of lines) {
    const first = line.glyphs[0];
    if (!first) continue;
    const inBlock = line.baseline >= (page.heightMm * 2) / 3 && first.x0 < page.widthMm / 2 && (top === undefined || line.baseline >= top);
    if (!inBlock) continue;
    const m = MARK.exec(line.text);
    if (m) return { level: m[1] as ClassificationLevel, period: m[2] ? m[2] : null, text: line.text, page: page.page };
  }
  return null;
}
