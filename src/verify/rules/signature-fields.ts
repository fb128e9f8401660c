/**
 * Signature fields: how a second unit seals a document. Every PDF signer (ours, poppler's pdfsig, PDFBox,
 * @signpdf, Acrobat, EU DSS, pyHanko) adds a signature field — or fills an empty one — with its widget, an
 * appearance, and a signature dictionary whose /ByteRange covers that very revision, so the new signature
 * itself protects everything the revision wrote. A document time-stamp is the same with /Type /DocTimeStamp.
 *
 * Levels as pyHanko gives them: a signature is form filling; an invisible document time-stamp is an LTA
 * update; an empty signature field added is form filling when visible, an LTA update when not.
 */
import { PDFDict, PDFObject, PDFRef } from 'pdf-lib';
import { N, nameOf } from '../pdf-objects.js';
import type { Cleared, DiffRule, ModificationLevel, RevisionView, UpdateView, Usage } from './api.js';
import { changedUnder, differingKeys, fieldNameOf, fieldTypeOf, isVisible } from './walk.js';

/** Keys of an existing empty signature field (or its widget) that signing it may change. */
const FILLING_KEYS = new Set(['V', 'AP', 'AS']);

export const signatureFields: DiffRule = {
  name: 'signature',
  level: 'form-filling',
  *clears(old: RevisionView, update: UpdateView): Iterable<Cleared> {
    for (const { ref, field } of fieldsOf(update)) {
      if (fieldTypeOf(update, field) !== 'Sig') continue;
      const change = update.changes.get(ref.tag);
      if (!change) continue; // unchanged field: nothing of it to clear
      const name = fieldNameOf(update, field);
      const v = field.get(N('V'));
      const sig = update.dict(v);
      const signed = !!sig && v instanceof PDFRef && update.isNew(v.tag) && update.signedHere(sig);
      if (v !== undefined && !signed) continue; // a value that this revision did not sign: not ours to explain
      const timestamp = signed && nameOf(sig!.get(N('Type'))) === 'DocTimeStamp';
      const visible = isVisible(update, field);
      const level: ModificationLevel = timestamp ? (visible ? 'form-filling' : 'lta-updates') : signed || visible ? 'form-filling' : 'lta-updates';
      const kind = timestamp ? 'document-timestamp' : signed ? 'signature' : 'signature-field';
      // Field locks (FieldMDP) concern visible changes; an invisible time-stamp field does not count (as in pyHanko).
      const base = level === 'form-filling' ? { level, kind, fields: [name] } : { level, kind };

      const before = change.kind === 'overwritten' ? old.dict(change.before) : undefined;
      if (change.kind === 'overwritten') {
        // Filling a field that existed empty: only its value and appearance may change.
        if (!signed || !before || before.has(N('V'))) continue;
        if (!differingKeys(old, before, update, field).every((k) => FILLING_KEYS.has(k))) continue;
      } else if (change.kind !== 'new') continue;
      yield { tag: ref.tag, ...base, usages: 'all' };
      if (signed) yield* newUnder(update, v, base); // the signature dictionary and its /Reference parameters

      for (const w of widgetsOf(update, ref, field)) {
        const wc = update.changes.get(w.ref.tag);
        if (w.ref.tag !== ref.tag && wc) {
          if (wc.kind === 'new') yield { tag: w.ref.tag, ...base };
          else if (wc.kind === 'overwritten') {
            const wb = old.dict(wc.before);
            if (!wb || !differingKeys(old, wb, update, w.dict).every((k) => FILLING_KEYS.has(k))) continue;
            yield { tag: w.ref.tag, ...base, usages: 'all' };
          }
        }
        // The appearance: new streams freely; an old one only where this widget's /AP was its one usage.
        const apUsage: Usage[] = wc?.kind === 'new' ? [] : [{ from: w.ref.tag, key: 'AP' }];
        for (const c of changedUnder(update, w.dict.get(N('AP')))) yield { tag: c.tag, ...base, usages: apUsage };
      }
      for (const key of ['Lock', 'SV']) yield* newUnder(update, field.get(N(key)), base);
    }
  },
};

function* newUnder(update: UpdateView, value: PDFObject | undefined, base: Omit<Cleared, 'tag'>): Iterable<Cleared> {
  for (const c of changedUnder(update, value)) if (c.kind === 'new') yield { tag: c.tag, ...base };
}

/** Every field of the form (terminal or not) with its reference, walking /Kids that are fields (have /T). */
export function fieldsOf(view: RevisionView): { ref: PDFRef; field: PDFDict }[] {
  const out: { ref: PDFRef; field: PDFDict }[] = [];
  const af = view.dict(view.catalog?.get(N('AcroForm')));
  const seen = new Set<string>();
  const walk = (o: PDFObject, depth: number) => {
    if (!(o instanceof PDFRef) || seen.has(o.tag) || depth > 32 || seen.size > 50_000) return;
    seen.add(o.tag);
    const d = view.dict(o);
    if (!d) return;
    out.push({ ref: o, field: d });
    for (const k of view.array(d.get(N('Kids')))?.asArray() ?? []) if (view.dict(k)?.has(N('T'))) walk(k, depth + 1);
  };
  for (const f of view.array(af?.get(N('Fields')))?.asArray() ?? []) walk(f, 0);
  return out;
}

/** The widgets of a field: itself when merged with its widget, and its /Kids without a /T. */
export function widgetsOf(view: RevisionView, ref: PDFRef, field: PDFDict): { ref: PDFRef; dict: PDFDict }[] {
  const out: { ref: PDFRef; dict: PDFDict }[] = [];
  if (nameOf(field.get(N('Subtype'))) === 'Widget') out.push({ ref, dict: field });
  for (const k of view.array(field.get(N('Kids')))?.asArray() ?? []) {
    const kd = view.dict(k);
    if (k instanceof PDFRef && kd && !kd.has(N('T'))) out.push({ ref: k, dict: kd });
  }
  return out;
}
