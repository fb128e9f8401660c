/**
 * Rules about how a revision is written rather than what it says. None of them clears a change that a
 * reader could see.
 */
import { PDFArray, PDFDict, PDFObject, PDFRawStream, PDFRef } from 'pdf-lib';
import { N, nameOf } from '../pdf-objects.js';
import type { Cleared, DiffRule, RevisionView, UpdateView } from './api.js';
import { equivalent } from './walk.js';

/**
 * The revision's own cross-reference and object streams (every writer of compressed files: pdf-lib, PDFBox,
 * qpdf, Acrobat). They hold the file's index, not its content; overwriting an old one is not covered here.
 */
export const crossReferenceStreams: DiffRule = {
  name: 'structure',
  level: 'none',
  *clears(_old: RevisionView, update: UpdateView): Iterable<Cleared> {
    for (const c of update.changes.values()) {
      if (c.kind !== 'new' || !(c.after instanceof PDFRawStream)) continue;
      const type = nameOf(c.after.dict.get(N('Type')));
      if (type === 'XRef' || type === 'ObjStm') yield { tag: c.tag };
    }
  },
};

/**
 * An object written again with the same meaning: byte-identical (PDFBox and pdfsig rewrite the page or
 * catalog they touch even when nothing in it changed), a stream compressed differently, or a value moved
 * from direct to indirect or to a fresh object number with equal content. What every usage sees is unchanged.
 */
export const unchangedRewrites: DiffRule = {
  name: 'unchanged-rewritten',
  level: 'none',
  *clears(old: RevisionView, update: UpdateView): Iterable<Cleared> {
    for (const c of update.changes.values()) {
      if (c.kind !== 'overwritten' || !equivalent(old, c.before, update, c.after)) continue;
      yield { tag: c.tag, usages: 'all' };
      // New objects it now points to were compared with what stood there before (equivalent follows every new
      // reference): they are the same content under a new number.
      for (const tag of newObjectsUnder(update, c.after)) yield { tag };
    }
    // The catalog written under a new object number with the same content (the trailer's /Root moved).
    const root = update.rootRef;
    if (root && old.rootRef && root.tag !== old.rootRef.tag && update.isNew(root.tag) && equivalent(old, old.catalog, update, update.catalog)) {
      yield { tag: root.tag };
      for (const tag of newObjectsUnder(update, update.catalog)) yield { tag };
    }
  },
};

/** New objects reachable from `value` through new objects only. */
function newObjectsUnder(update: UpdateView, value: PDFObject | undefined): string[] {
  const out: string[] = [];
  const stack: PDFObject[] = value === undefined ? [] : [value];
  const seen = new Set<string>();
  while (stack.length && seen.size < 10_000) {
    const o = stack.pop()!;
    if (o instanceof PDFRef) {
      const c = update.changes.get(o.tag);
      if (seen.has(o.tag) || c?.kind !== 'new') continue;
      seen.add(o.tag);
      out.push(o.tag);
      if (c.after) stack.push(c.after);
    } else if (o instanceof PDFArray) stack.push(...o.asArray());
    else if (o instanceof PDFRawStream) for (const [, v] of o.dict.entries()) stack.push(v);
    else if (o instanceof PDFDict) for (const [, v] of o.entries()) stack.push(v);
  }
  return out;
}

/**
 * New objects nothing points to (pyHanko's "orphans"): poppler's pdfsig leaves the appearance streams of its
 * trial signatures behind under reused numbers with generation 1; other writers leave an old DSS array or
 * a replaced stream. A reader never reaches them, so they cannot change what the document shows. Reached
 * means: from the trailer or an overwritten object, through objects this revision wrote (an old object can
 * only point to a new one through a dangling reference, which the policy refuses on its own).
 */
export const orphans: DiffRule = {
  name: 'orphan',
  level: 'lta-updates',
  *clears(_old: RevisionView, update: UpdateView): Iterable<Cleared> {
    const reached = new Set<string>();
    const stack: PDFObject[] = [update.trailer];
    for (const c of update.changes.values()) if (c.kind === 'overwritten' && c.after) stack.push(c.after);
    while (stack.length && reached.size < 200_000) {
      const o = stack.pop()!;
      if (o instanceof PDFRef) {
        if (reached.has(o.tag)) continue;
        reached.add(o.tag);
        const c = update.changes.get(o.tag);
        if (c?.after) stack.push(c.after);
      } else if (o instanceof PDFArray) stack.push(...o.asArray());
      else if (o instanceof PDFRawStream) for (const [, v] of o.dict.entries()) stack.push(v);
      else if (o instanceof PDFDict) for (const [, v] of o.entries()) stack.push(v);
    }
    if (stack.length) return; // too large to decide: clear nothing
    for (const c of update.changes.values()) if (c.kind === 'new' && !reached.has(c.tag)) yield { tag: c.tag };
  },
};

/**
 * An object freed, or its number reused with a higher generation (poppler's pdfsig on documents signed by
 * @signpdf or by pdfsig itself), is harmless when the earlier revision never used it: the policy clears it
 * only if no usage of it remains (an empty usage list), so freeing a page's content stream stays refused.
 */
export const unusedObjectsFreed: DiffRule = {
  name: 'unused-object-freed',
  level: 'lta-updates',
  *clears(_old: RevisionView, update: UpdateView): Iterable<Cleared> {
    for (const c of update.changes.values()) if (c.kind === 'freed') yield { tag: c.tag, usages: [] };
  },
};
