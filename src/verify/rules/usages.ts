/**
 * Where the earlier revision uses each object: one walk from its trailer records, for every reference, the
 * indirect object (or the trailer) it sits in and the top-level key it sits under. The policy asks two things:
 *
 *   - is an overwritten object reached ONLY through the places its rule vouched for? (an appearance stream
 *     that a page also draws, or a DSS object that the catalog also points to, is not)
 *   - which references of the earlier revision pointed at objects it did not have? (a later revision must not
 *     "fill in" such a dangling reference: that is a shadow attack)
 *
 * Like pyHanko's reverse-reference cache this reads every object the earlier revision reaches, once per
 * analysed revision, and only when the revision adds or overwrites objects that need it.
 */
import { PDFArray, PDFDict, PDFObject, PDFRawStream, PDFRef } from 'pdf-lib';
import type { PdfFile } from '../../pdf/reader.js';
import type { Usage } from './api.js';

/** Objects walked before the walk gives up (a document beyond it is refused as unexplained, never waved through). */
export const USAGE_WALK_LIMIT = 500_000;

export class UsageGraph {
  /** tag -> where the earlier revision refers to it; built on the first ownership question only. */
  private referrers: Map<string, Usage[]> | undefined;
  /** Every object the earlier revision reaches from its trailer. */
  private readonly visited = new Set<string>();
  /** Object numbers the earlier revision refers to but does not define (or has freed). */
  readonly missing = new Set<number>();
  /** False when the walk stopped at its limit: answers are then conservative. */
  readonly complete: boolean;

  constructor(private readonly pdf: PdfFile, private readonly revision: number, private readonly limit = USAGE_WALK_LIMIT) {
    // First walk: what is reached, and which references dangle (every revision with new objects needs this).
    const xref = pdf.xrefAt(revision);
    this.complete = this.walk((_from, _key, ref) => {
      if (this.visited.has(ref.tag)) return false;
      this.visited.add(ref.tag);
      return true;
    }, (ref) => {
      const e = xref.get(ref.objectNumber);
      if (!e || e.type === 'free') this.missing.add(ref.objectNumber);
    });
  }

  /**
   * Visits every reference reachable from the trailer; `edge` is told where each one sits and answers whether
   * to descend into it (once per object). Returns false when the limit stopped the walk.
   */
  private walk(edge: (from: string, key: string, ref: PDFRef) => boolean, dangling?: (ref: PDFRef) => void): boolean {
    const queue: PDFRef[] = [];
    const note = (from: string, key: string, v: PDFObject | undefined, depth = 0) => {
      if (v === undefined || depth > 64) return;
      if (v instanceof PDFRef) {
        if (edge(from, key, v)) queue.push(v);
      } else if (v instanceof PDFArray) {
        for (const x of v.asArray()) note(from, key, x, depth + 1);
      } else if (v instanceof PDFRawStream) {
        for (const [, x] of v.dict.entries()) note(from, key, x, depth + 1);
      } else if (v instanceof PDFDict) {
        for (const [, x] of v.entries()) note(from, key, x, depth + 1);
      }
    };
    for (const [k, v] of this.pdf.revisions[this.revision]!.trailer.entries()) note('trailer', k.decodeText(), v);
    let done = 0;
    while (queue.length && done < this.limit) {
      const ref = queue.pop()!;
      done++;
      let o: PDFObject | undefined;
      try {
        o = this.pdf.getObject(ref, this.revision);
      } catch {
        o = undefined;
      }
      if (o === undefined) {
        dangling?.(ref);
        continue;
      }
      const entries = o instanceof PDFRawStream ? o.dict.entries() : o instanceof PDFDict ? o.entries() : undefined;
      if (entries) for (const [k, v] of entries) note(ref.tag, k.decodeText(), v);
      else if (o instanceof PDFArray) for (const v of o.asArray()) note(ref.tag, '[]', v);
    }
    return queue.length === 0;
  }

  /** Second walk, over objects already parsed: where each reference sits. */
  private referrersOf(tag: string): Usage[] {
    if (!this.referrers) {
      const map = new Map<string, Usage[]>();
      const seen = new Set<string>();
      this.walk((from, key, ref) => {
        let list = map.get(ref.tag);
        if (!list) map.set(ref.tag, (list = []));
        if (list.length < 64 ? !list.some((u) => u.from === from && u.key === key) : true) list.push({ from, key });
        if (seen.has(ref.tag)) return false;
        seen.add(ref.tag);
        return true;
      });
      this.referrers = map;
    }
    return this.referrers.get(tag) ?? [];
  }

  /** True when the earlier revision reaches `tag` from its trailer at all. */
  used(tag: string): boolean {
    return this.visited.has(tag) || !this.complete;
  }

  /**
   * True when every way the earlier revision reaches `tag` from its trailer passes through one of `allowed`
   * (an empty list: the object was not used at all). Walks referrers backwards from the object.
   */
  onlyThrough(tag: string, allowed: Usage[]): boolean {
    if (!this.complete) return false;
    if (!this.visited.has(tag)) return true;
    const cut = (u: Usage) => allowed.some((a) => a.from === u.from && a.key === u.key);
    const seen = new Set<string>([tag]);
    const stack = [tag];
    while (stack.length) {
      const t = stack.pop()!;
      for (const u of this.referrersOf(t)) {
        if (cut(u)) continue;
        if (u.from === 'trailer') return false;
        if (!seen.has(u.from)) {
          seen.add(u.from);
          stack.push(u.from);
        }
      }
    }
    return true;
  }
}
