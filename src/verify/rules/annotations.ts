/**
 * Annotations other than form widgets: a note, a highlight, a stamp, a link added — or edited — after an
 * approval signature (Acrobat's comment tools, PDF.js, PDFBox). ISO 32000 allows them unless a DocMDP
 * certification below P=3 forbids it; they sit on top of the page and never change its content stream.
 * New annotations and their appearances and pop-ups are cleared; an existing one may change but keep its
 * subtype, and its old appearance only where that annotation was its one usage.
 */
import { PDFDict, PDFRawStream, PDFRef } from 'pdf-lib';
import { N, nameOf } from '../pdf-objects.js';
import type { Cleared, DiffRule, RevisionView, UpdateView } from './api.js';
import { changedUnder } from './walk.js';

export const annotations: DiffRule = {
  name: 'annotation',
  level: 'annotations',
  *clears(old: RevisionView, update: UpdateView): Iterable<Cleared> {
    for (const c of update.changes.values()) {
      const after = c.after;
      if (!(after instanceof PDFDict) || after instanceof PDFRawStream || !isAnnotation(after)) continue;
      if (c.kind === 'overwritten') {
        const before = c.before;
        if (!(before instanceof PDFDict) || !isAnnotation(before) || nameOf(before.get(N('Subtype'))) !== nameOf(after.get(N('Subtype')))) continue;
      } else if (c.kind !== 'new') continue;
      yield { tag: c.tag, usages: 'all' };
      for (const key of ['AP', 'Popup', 'RC', 'A']) {
        const usage = c.kind === 'new' ? [] : [{ from: c.tag, key }];
        for (const d of changedUnder(update, after.get(N(key)))) {
          // A pop-up is itself an annotation (cleared above); anything else under it must be new or this annotation's own.
          if (key === 'Popup' && d.tag !== (after.get(N('Popup')) as PDFRef | undefined)?.tag) continue;
          yield { tag: d.tag, usages: usage };
        }
      }
    }
  },
};

/** An annotation dictionary that is not a form widget (a widget's changes belong to the form rules). */
function isAnnotation(d: PDFDict): boolean {
  const subtype = nameOf(d.get(N('Subtype')));
  if (!subtype || subtype === 'Widget') return false;
  return nameOf(d.get(N('Type'))) === 'Annot' || d.has(N('Rect'));
}

