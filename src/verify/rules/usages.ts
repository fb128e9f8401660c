/**
 * Where the earlier revision uses each object: one walk from its trailer records, for every reference, the
 * indirect object (or the trailer) it sits in and the top-level key it sits under. The policy asks two things:
 *
 *   - is an overwritten object reached ONLY through the places its rule vouched for? (an appearance stream
 *     that a page also draws, or a DSS object that the catalog also points to, is not)
 *   - which references of the earlier revision pointed at objects it did not have? (a later revision must not
 *     "fill in" such a dangling reference: that is a shadow attack)
 *
 * The second question is asked for every object a revision adds, and costs nothing like a walk: a byte-level
 * scan of the earlier revision (./references.ts, about the cost of hashing it, shared by every revision of the
 * file) proves for a fresh object number that nothing in those bytes can refer to it — which is the case for
 * every new object a DSS, a document time-stamp or a signature adds. Only when the scan finds a candidate does
 * the exact answer come from the walk below. So a 2000-page document whose only later change is a DSS and a
 * time-stamp is not walked at all.
 *
 * The first question (and a candidate for the second) is answered like pyHanko's reverse-reference cache: one
 * walk that reads every object the earlier revision reaches, once per analysed revision, only when asked. It
 * stays a walk because a byte-level answer to "who refers to this object" would have to tell which object a
 * reference sits in, and a crafted file can nest one object's bytes inside another's string or stream, where
 * two parses starting at different offsets may read the same bytes as a reference: only parsing from the
 * revision's own entries says which objects really hold it.
 */
import { PDFArray, PDFDict, PDFObject, PDFRawStream, PDFRef } from 'pdf-lib';
import type { PdfFile } from '../../pdf/reader.js';
import type { Usage } from './api.js';
import { mayReferTo } from './references.js';

/** Objects walked before the walk gives up (a document beyond it is refused as unexplained, never waved through). */
export const USAGE_WALK_LIMIT = 500_000;

export class UsageGraph {
  /** tag -> where the earlier revision refers to it; built on the first ownership question only. */
  private referrers: Map<string, Usage[]> | undefined;
  /** The walk from the trailer, made on the first question the scan cannot answer. */
  private walked: { visited: Set<string>; missing: Set<number>; complete: boolean } | undefined;

  constructor(private readonly pdf: PdfFile, private readonly revision: number, private readonly limit = USAGE_WALK_LIMIT) {}

  /** Every object the earlier revision reaches from its trailer, and the numbers it refers to without having them. */
  private walkOnce() {
    if (this.walked) return this.walked;
    const visited = new Set<string>();
    const missing = new Set<number>();
    const xref = this.pdf.xrefAt(this.revision);
    const complete = this.walk((_from, _key, ref) => {
      if (visited.has(ref.tag)) return false;
      visited.add(ref.tag);
      return true;
    }, (ref) => {
      const e = xref.get(ref.objectNumber);
      if (!e || e.type === 'free') missing.add(ref.objectNumber);
    });
    return (this.walked = { visited, missing, complete });
  }

  /**
   * True when the earlier revision, from its trailer, refers to object number `num` without defining it (or
   * after freeing it): a later revision giving that number a value fills a dangling reference.
   */
  dangling(num: number): boolean {
    if (!mayReferTo(this.pdf, this.revision, num)) return false; // no byte of the revision can name it
    return this.walkOnce().missing.has(num);
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

  /**
   * True when every way the earlier revision reaches `tag` from its trailer passes through one of `allowed`
   * (an empty list: the object was not used at all). Walks referrers backwards from the object.
   */
  onlyThrough(tag: string, allowed: Usage[]): boolean {
    const { complete, visited } = this.walkOnce();
    if (!complete) return false;
    if (!visited.has(tag)) return true;
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
