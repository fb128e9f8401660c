/**
 * Filling in the form: an existing text, choice, check box or radio field gets a value and its widgets a new
 * appearance (PDFBox `setValue` then an incremental save, Acrobat, PDF.js, pdf-lib). ISO 32000 lets anyone
 * fill a signed form unless a certification (DocMDP P=1) or a field lock (FieldMDP) of an earlier signature
 * forbids it; the verifier compares that afterwards, so this rule only says which fields were filled.
 * Signature fields are filled only by signing (the signature-field rule).
 */
import { PDFDict, PDFRawStream } from 'pdf-lib';
import { N, nameOf } from '../pdf-objects.js';
import type { Cleared, DiffRule, RevisionView, UpdateView } from './api.js';
import { changedUnder, differingKeys, fieldNameOf, fieldTypeOf } from './walk.js';

/** What filling may change on a field or widget (pyHanko's value-update keys, /M the annotation's modification date). */
const VALUE_KEYS = new Set(['V', 'AS', 'AP', 'M']);

export const formFilling: DiffRule = {
  name: 'form-fill',
  level: 'form-filling',
  *clears(old: RevisionView, update: UpdateView): Iterable<Cleared> {
    for (const c of update.changes.values()) {
      if (c.kind !== 'overwritten') continue;
      const before = c.before;
      const after = c.after;
      if (!(before instanceof PDFDict) || !(after instanceof PDFDict) || after instanceof PDFRawStream || before instanceof PDFRawStream) continue;
      const isWidget = nameOf(before.get(N('Subtype'))) === 'Widget';
      const isField = before.has(N('FT')) || before.has(N('T')) || (before.has(N('Parent')) && !isWidget);
      if (!isWidget && !isField) continue;
      // The field this object belongs to (a widget without /T belongs to its parent).
      const field = before.has(N('T')) ? after : update.dict(after.get(N('Parent'))) ?? after;
      const type = fieldTypeOf(update, field);
      if (type === 'Sig' || type === undefined) continue;
      const diff = differingKeys(old, before, update, after);
      if (!diff.length || !diff.every((k) => VALUE_KEYS.has(k))) continue;
      const base = { fields: [fieldNameOf(update, field)] };
      yield { tag: c.tag, ...base, usages: 'all' };
      for (const key of ['V', 'AP']) {
        for (const d of changedUnder(update, after.get(N(key)))) yield { tag: d.tag, ...base, usages: [{ from: c.tag, key }] };
      }
    }
  },
};
