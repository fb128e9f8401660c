/**
 * What earlier signatures permitted, compared with what later revisions did (pyHanko keeps the two apart
 * and compares them last). A certification signature's DocMDP transform (ISO 32000-1 §12.8.2.2) sets the
 * ceiling for every revision after it: P=1 only LTA updates (DSS, document time-stamps), P=2 also form
 * filling and signing, P=3 also annotations. A signature's FieldMDP transform (§12.8.2.4) locks fields:
 * after it, a change touching a locked field is not permitted for that signature. `other` is never permitted.
 */
import { PDFArray, PDFDict, PDFRef } from 'pdf-lib';
import type { PdfFile } from '../pdf/reader.js';
import type { RevisionModification } from './modifications.js';
import { N, nameOf, textOf } from './pdf-objects.js';
import { levelRank, type ModificationLevel } from './rules/api.js';

export interface Certification {
  /** DocMDP permission 1, 2 or 3. */
  p: 1 | 2 | 3;
  /** The signature dictionary that certifies (tag). */
  sigRef: string;
}

/** The highest level a DocMDP permission lets through. */
const CEILING: Record<Certification['p'], ModificationLevel> = { 1: 'lta-updates', 2: 'form-filling', 3: 'annotations' };

/** The document's certification, if any: the catalog's /Perms /DocMDP signature and its transform's /P. */
export function certificationOf(pdf: PdfFile): Certification | undefined {
  try {
    const perms = pdf.lookupDict(pdf.catalog().get(N('Perms')));
    const sigRef = perms?.get(N('DocMDP'));
    const sig = pdf.lookupDict(sigRef);
    if (!sig || !(sigRef instanceof PDFRef)) return undefined;
    for (const r of pdf.lookupArray(sig.get(N('Reference')))?.asArray() ?? []) {
      const rd = pdf.lookupDict(r);
      if (nameOf(rd?.get(N('TransformMethod'))) !== 'DocMDP') continue;
      const p = pdf.lookupNumber(pdf.lookupDict(rd!.get(N('TransformParams')))?.get(N('P'))) ?? 2;
      return { p: p === 1 || p === 3 ? p : 2, sigRef: sigRef.tag };
    }
  } catch { /* none */ }
  return undefined;
}

/** Which fully qualified field names a signature's FieldMDP transform locks (undefined: none). */
export function fieldLockOf(pdf: PdfFile, sig: PDFDict): ((field: string) => boolean) | undefined {
  try {
    for (const r of pdf.lookupArray(sig.get(N('Reference')))?.asArray() ?? []) {
      const rd = pdf.lookupDict(r);
      if (nameOf(rd?.get(N('TransformMethod'))) !== 'FieldMDP') continue;
      const params = pdf.lookupDict(rd!.get(N('TransformParams')));
      const action = nameOf(params?.get(N('Action')));
      const list = pdf.lookupArray(params?.get(N('Fields')));
      const names = new Set((list instanceof PDFArray ? list.asArray() : []).map((x) => textOf(pdf.resolve(x))).filter((x): x is string => !!x));
      if (action === 'All') return () => true;
      if (action === 'Include') return (f) => names.has(f);
      if (action === 'Exclude') return (f) => !names.has(f);
    }
  } catch { /* none */ }
  return undefined;
}

/**
 * Whether a later modification is permitted: never at level `other`; within the certification's ceiling
 * once the certification is in the document (`certifiedAt`: the revision it signed); and touching no field
 * that `lock` (the FieldMDP of the signature being judged) locks.
 */
export function permitted(
  m: RevisionModification,
  certification: (Certification & { revision: number }) | undefined,
  lock: ((field: string) => boolean) | undefined,
): boolean {
  if (m.level === 'other') return false;
  if (certification && m.revision > certification.revision && levelRank(m.level) > levelRank(CEILING[certification.p])) return false;
  if (lock && m.fields?.some(lock)) return false;
  return true;
}
