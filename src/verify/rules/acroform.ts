/**
 * The interactive form dictionary (/AcroForm) and its /Fields array. A signer that adds a signature field
 * lists it in /Fields and sets /SigFlags; many also leave default resources for field appearances: poppler's
 * pdfsig adds its "popplerfont" to /DR, Acrobat and iText add Helv and ZaDb with a /DA, PDFBox adds /DR when
 * it builds a visible signature. Default resources are only used to draw form fields, and only additions are
 * accepted here: an existing resource that changes meaning is refused.
 */
import { PDFArray, PDFDict, PDFNumber, PDFObject, PDFRef } from 'pdf-lib';
import { N } from '../pdf-objects.js';
import { maxLevel, type Cleared, type DiffRule, type ModificationLevel, type RevisionView, type UpdateView, type Usage } from './api.js';
import { changedUnder, equivalent, fieldTypeOf, refTags } from './walk.js';

export type AcroFormVerdict = ModificationLevel | 'unchanged' | 'refused';

/** How the /AcroForm of `update` differs from that of `old`: the level it needs, or 'refused'. */
export function acroFormChange(old: RevisionView, update: RevisionView): AcroFormVerdict {
  const before = old.dict(old.catalog?.get(N('AcroForm')));
  const after = update.dict(update.catalog?.get(N('AcroForm')));
  if (!after) return before ? 'refused' : 'unchanged'; // removing the form removes its fields
  return compareForms(old, before, update, after);
}

function compareForms(old: RevisionView, before: PDFDict | undefined, update: RevisionView, after: PDFDict): AcroFormVerdict {
  let level: AcroFormVerdict = 'unchanged';
  const bump = (l: ModificationLevel) => { level = level === 'unchanged' ? l : maxLevel(level as ModificationLevel, l); };
  const keys = new Set([...(before?.keys() ?? []), ...after.keys()].map((k) => k.decodeText()));
  for (const k of keys) {
    const a = before?.get(N(k));
    const b = after.get(N(k));
    if (equivalent(old, a, update, b)) continue;
    switch (k) {
      case 'Fields':
        if (!fieldsOnlyGainSignatureFields(old.array(a), update, update.array(b))) return 'refused';
        bump('lta-updates');
        break;
      case 'SigFlags':
        if (!(update.get(b) instanceof PDFNumber)) return 'refused';
        bump('lta-updates');
        break;
      case 'DR':
        if (!resourcesOnlyGrow(old, old.dict(a), update, update.dict(b))) return 'refused';
        bump('lta-updates');
        break;
      case 'DA':
        // Set where there was none: a default for fields that have no /DA of their own. Changed: it may
        // change how a viewer redraws existing text fields, so it counts as form filling.
        bump(a === undefined ? 'lta-updates' : 'form-filling');
        break;
      default:
        return 'refused';
    }
  }
  return level;
}

/** Old entries kept, new ones are new signature fields (judged themselves by the signature-field rule). */
export function fieldsOnlyGainSignatureFields(before: PDFArray | undefined, update: RevisionView & Partial<UpdateView>, after: PDFArray | undefined): boolean {
  if (!after) return false;
  const b = refTags(before);
  const a = refTags(after);
  if (b.some((t) => !a.includes(t)) || a.includes('?')) return false;
  const gained = after.asArray().filter((x) => x instanceof PDFRef && !b.includes(x.tag)) as PDFRef[];
  return gained.every((r) => {
    const field = update.dict(r);
    return (update.isNew?.(r.tag) ?? true) && !!field && fieldTypeOf(update, field) === 'Sig';
  });
}

/** Every resource category of the old /DR still holds every old entry, with the same meaning. */
function resourcesOnlyGrow(old: RevisionView, before: PDFDict | undefined, update: RevisionView, after: PDFDict | undefined): boolean {
  if (!after) return false;
  if (!before) return true;
  for (const [cat, v] of before.entries()) {
    const oldCat = old.dict(v);
    const newCat = update.dict(after.get(cat));
    if (!oldCat) {
      if (!equivalent(old, v, update, after.get(cat))) return false; // e.g. /ProcSet: must not change
      continue;
    }
    if (!newCat) return false;
    for (const [name, res] of oldCat.entries()) if (!equivalent(old, res, update, newCat.get(name))) return false;
  }
  return true;
}

/**
 * The AcroForm dictionary object, an indirect /Fields array, and new objects under /DR, at the level
 * acroFormChange gives (lta-updates for fields and resources added, form-filling for a changed /DA).
 */
export const acroForm: DiffRule = {
  name: 'acroform',
  level: 'lta-updates',
  *clears(old: RevisionView, update: UpdateView): Iterable<Cleared> {
    const verdict = acroFormChange(old, update);
    if (verdict === 'refused') return;
    const level = verdict === 'unchanged' ? 'lta-updates' : verdict;
    const afRef = update.catalog?.get(N('AcroForm'));
    const oldAfRef = old.catalog?.get(N('AcroForm'));
    const after = update.dict(afRef);
    if (!after) return;
    if (afRef instanceof PDFRef && update.changes.has(afRef.tag)) {
      const same = oldAfRef instanceof PDFRef && oldAfRef.tag === afRef.tag;
      if (same || update.isNew(afRef.tag)) yield { tag: afRef.tag, level, usages: 'all' };
    }
    // An indirect /Fields array that only gained signature fields.
    const fieldsRef = after.get(N('Fields'));
    if (fieldsRef instanceof PDFRef && update.changes.has(fieldsRef.tag)) {
      const before = old.array(old.dict(oldAfRef)?.get(N('Fields')));
      if (fieldsOnlyGainSignatureFields(before, update, update.array(fieldsRef))) yield { tag: fieldsRef.tag, level: 'lta-updates', usages: 'all' };
    }
    // Default resources added (fonts and their descriptors, files, encodings).
    const where: Usage[] = afRef instanceof PDFRef ? [{ from: afRef.tag, key: 'DR' }] : old.rootRef ? [{ from: old.rootRef.tag, key: 'AcroForm' }] : [];
    for (const c of changedUnder(update, after.get(N('DR')) as PDFObject | undefined)) yield { tag: c.tag, level: 'lta-updates', usages: where };
  },
};
