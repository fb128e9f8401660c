/**
 * Pages that gained annotations: a new signature's widget must be listed in its page's /Annots (every
 * signer does this), and so must a note or stamp added after an approval signature (Acrobat, PDF.js, PDFBox).
 * The page — or its indirect /Annots array — may change in nothing else, every old annotation stays in
 * place, and each new entry must be a new annotation object (which its own rule then judges). The level is
 * that of what was gained: an LTA update for signature widgets, annotations for anything else.
 */
import { PDFArray, PDFDict, PDFRawStream, PDFRef } from 'pdf-lib';
import { N, nameOf } from '../pdf-objects.js';
import type { Cleared, DiffRule, ModificationLevel, RevisionView, UpdateView } from './api.js';
import { differingKeys, fieldTypeOf, refTags } from './walk.js';

export const pageAnnotations: DiffRule = {
  name: 'page-annots',
  level: 'lta-updates',
  *clears(old: RevisionView, update: UpdateView): Iterable<Cleared> {
    for (const c of update.changes.values()) {
      if (c.kind !== 'overwritten') continue;
      const before = c.before;
      const after = c.after;
      // A page whose only change is /Annots.
      if (before instanceof PDFDict && after instanceof PDFDict && !(after instanceof PDFRawStream) &&
          nameOf(before.get(N('Type'))) === 'Page' && nameOf(after.get(N('Type'))) === 'Page') {
        const diff = differingKeys(old, before, update, after);
        if (diff.length !== 1 || diff[0] !== 'Annots') continue;
        const level = gainedOnly(old.array(before.get(N('Annots'))), update, update.array(after.get(N('Annots'))));
        if (!level) continue;
        yield { tag: c.tag, level, usages: 'all' };
        const arr = after.get(N('Annots'));
        if (arr instanceof PDFRef && update.isNew(arr.tag)) yield { tag: arr.tag, level };
        continue;
      }
      // An indirect /Annots array that only gained annotations.
      if (before instanceof PDFArray && after instanceof PDFArray && isAnnotsArray(old, before, update, after)) {
        const level = gainedOnly(before, update, after);
        if (level) yield { tag: c.tag, level, usages: 'all' };
      }
    }
  },
};

/** The level of what `after` gained over `before`, or undefined when an entry was lost or is not a new annotation. */
function gainedOnly(before: PDFArray | undefined, update: UpdateView, after: PDFArray | undefined): ModificationLevel | undefined {
  if (!after) return undefined;
  const b = refTags(before);
  const a = refTags(after);
  if (b.some((t) => !a.includes(t)) || a.includes('?')) return undefined;
  let level: ModificationLevel = 'lta-updates';
  for (const x of after.asArray()) {
    if (!(x instanceof PDFRef) || b.includes(x.tag)) continue;
    const annot = update.dict(x);
    if (!update.isNew(x.tag) || !annot || nameOf(annot.get(N('Subtype'))) === undefined) return undefined;
    if (nameOf(annot.get(N('Subtype'))) === 'Widget') {
      if (fieldTypeOf(update, annot) !== 'Sig') return undefined; // new form fields are not cleared by anything
    } else level = 'annotations';
  }
  return level;
}

/** An array of annotation references (every entry an annotation dictionary), old and new. */
function isAnnotsArray(old: RevisionView, before: PDFArray, update: RevisionView, after: PDFArray): boolean {
  const annots = (v: RevisionView, arr: PDFArray) => arr.asArray().every((x) => x instanceof PDFRef && v.dict(x)?.has(N('Subtype')));
  return after.size() > 0 && annots(update, after) && annots(old, before);
}
