/**
 * What changed after a signature: an ALLOW-LIST in the manner of pyHanko's diff_analysis. Every
 * object that a later revision adds, changes or frees must be cleared by one of the rules below;
 * whatever no rule clears is a disallowed modification, named by revision and object. An attack
 * nobody has thought of yet is therefore refused too.
 *
 * Rules (each a small function):
 *   dss            the /DSS dictionary and objects reachable only from it (new, or DSS objects before)
 *   signature      a signature field added (or an empty one filled) in revision r and signed BY revision r,
 *                  with its signature dictionary, widget, and the appearance objects new in r
 *   acroform       /AcroForm changing only /Fields (old ones kept, new ones = cleared signature fields) and /SigFlags
 *   page-annots    a page changing only /Annots (old ones kept, new ones = cleared widgets and annotations)
 *   form-fill      (DocMDP P=2/3 only) an existing non-signature field or widget changing only /V, /AS, /AP
 *   annotation     (DocMDP P=3 only) new or changed annotations other than widgets, with their appearances
 *   catalog        the catalog changing only /AcroForm, /DSS, /Extensions
 *   metadata       the trailer's /Info dictionary
 *   structure      the revision's own cross-reference and object streams
 * and one veto over all of them: a new object may not give a value to a reference the earlier document
 * already made to a missing object (dangling-reference-filled).
 */
import { PDFArray, PDFDict, PDFNumber, PDFObject, PDFRawStream, PDFRef } from 'pdf-lib';
import type { PdfFile, XrefEntry } from '../pdf/reader.js';
import { dictOf, differingKeys, N, nameOf, reachable, sameObject } from './pdf-objects.js';
import { eofMarkEnd } from './pdf-signatures.js';
import type { ModificationReport } from './types.js';

interface Changed { num: number; gen: number; tag: string; before?: PDFObject; after: PDFObject | undefined; isNew: boolean }

export interface RevisionChanges {
  revision: number;
  /** One entry per kind of change; disallowed ones name their objects. */
  entries: ModificationReport[];
  /** Kinds of signature fields cleared in this revision (for DocMDP). */
  newSignatureKinds: ('signature' | 'document-timestamp')[];
}

function sameEntry(a: XrefEntry | undefined, b: XrefEntry | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.type === 'offset' && b.type === 'offset') return a.offset === b.offset && a.gen === b.gen;
  if (a.type === 'compressed' && b.type === 'compressed') return a.stream === b.stream && a.index === b.index;
  return a.type === 'free' && b.type === 'free';
}

const ref = (num: number, gen: number) => PDFRef.of(num, gen);

/** Classify every object revision `r` adds or changes relative to revision r-1. */
/**
 * @param docMdp the DocMDP permission of the document's certification signature (1-3), if certified:
 *   2 and 3 allow filling form fields, 3 also annotations. Without certification neither is allowed.
 */
export function analyseRevision(pdf: PdfFile, r: number, docMdp?: number): RevisionChanges {
  const prev = r - 1;
  const rev = pdf.revisions[r]!;
  const prevXref = pdf.xrefAt(prev);
  const entries = new Map<string, ModificationReport>();
  const add = (kind: string, allowed: boolean, object?: string) => {
    const key = `${kind}|${allowed}`;
    let e = entries.get(key);
    if (!e) { e = { revision: r, kind, allowed, ...(allowed ? {} : { objects: [] }) }; entries.set(key, e); }
    if (!allowed && object && e.objects!.length < 20 && !e.objects!.includes(object)) e.objects!.push(object);
  };
  const safeGet = (o: PDFObject, at: number) => { try { return pdf.getObject(o as PDFRef, at); } catch { return undefined; } };

  // 1. What changed.
  const changed: Changed[] = [];
  for (const [num, entry] of rev.objects) {
    const before = prevXref.get(num);
    if (sameEntry(entry, before)) continue;
    const existedBefore = !!before && before.type !== 'free';
    if (entry.type === 'free') {
      if (existedBefore) add('object-deleted', false, `${num} ${before.type === 'offset' ? before.gen : 0}`);
      continue;
    }
    const gen = entry.type === 'offset' ? entry.gen : 0;
    const after = safeGet(ref(num, gen), r);
    const old = existedBefore ? safeGet(ref(num, before.type === 'offset' ? before.gen : 0), prev) : undefined;
    if (old && after && sameObject(old, after)) continue;
    changed.push({ num, gen, tag: `${num} ${gen} R`, ...(old ? { before: old } : {}), after, isNew: !existedBefore });
  }
  const newSignatureKinds: RevisionChanges['newSignatureKinds'] = [];
  if (!changed.length) return { revision: r, entries: [...entries.values()], newSignatureKinds };

  const cleared = new Map<string, string>(); // object tag -> kind that cleared it
  const clear = (tag: string, kind: string) => { if (!cleared.has(tag)) cleared.set(tag, kind); };
  const changedByTag = new Map(changed.map((c) => [c.tag, c]));
  const isNewObject = (tag: string) => changedByTag.get(tag)?.isNew === true;

  // structure: this revision's own xref and object streams (new objects only).
  for (const c of changed) {
    const t = c.after instanceof PDFRawStream ? nameOf(c.after.dict.get(N('Type'))) : undefined;
    if (c.isNew && (t === 'XRef' || t === 'ObjStm')) clear(c.tag, 'structure');
  }

  // Root must stay the same object.
  const rootNow = rev.trailer.get(N('Root'));
  const rootBefore = pdf.revisions[prev]!.trailer.get(N('Root'));
  if (!(rootNow instanceof PDFRef) || !(rootBefore instanceof PDFRef) || rootNow.tag !== rootBefore.tag) {
    add('catalog-replaced', false, rootNow instanceof PDFRef ? rootNow.tag.replace(/ R$/, '') : 'trailer');
  }
  let catalogNow: PDFDict | undefined;
  let catalogBefore: PDFDict | undefined;
  try { catalogNow = pdf.catalog(r); catalogBefore = pdf.catalog(prev); } catch { /* reported below as unexplained */ }

  // dss: objects reachable from the DSS, new or already DSS objects before.
  if (catalogNow) {
    const dssNow = reachable(pdf, catalogNow.get(N('DSS')), r);
    const dssBefore = catalogBefore ? reachable(pdf, catalogBefore.get(N('DSS')), prev) : new Set<string>();
    for (const tag of dssNow) if (changedByTag.has(tag) && (isNewObject(tag) || dssBefore.has(tag))) clear(tag, 'dss');
  }

  // metadata: the document information dictionary.
  const infoNow = rev.trailer.get(N('Info'));
  const infoBefore = pdf.revisions[prev]!.trailer.get(N('Info'));
  if (infoNow instanceof PDFRef && changedByTag.has(infoNow.tag)) {
    const c = changedByTag.get(infoNow.tag)!;
    const wasInfo = infoBefore instanceof PDFRef && infoBefore.tag === infoNow.tag;
    if ((c.isNew || wasInfo) && dictOf(c.after) && !(c.after instanceof PDFRawStream)) clear(c.tag, 'metadata');
  }

  // signature: fields with a value signed by this very revision.
  const newFieldTags = new Set<string>();
  const newWidgetTags = new Set<string>();
  const newWidgets: PDFRef[] = [];
  const revEnd = rev.end;
  const revEofEnd = eofMarkEnd(pdf, r);
  const signedHere = (sig: PDFDict | undefined) => {
    const br = sig && pdf.lookupArray(sig.get(N('ByteRange')), r);
    const n = br?.asArray().map((x) => (x instanceof PDFNumber ? x.asNumber() : NaN));
    if (!n || n.length !== 4) return false;
    const end = n[2]! + n[3]!;
    return end >= revEofEnd && end <= revEnd;
  };
  const fieldsNow = catalogNow ? pdf.lookupArray(pdf.lookupDict(catalogNow.get(N('AcroForm')), r)?.get(N('Fields')), r) : undefined;
  for (const f of fieldsNow?.asArray() ?? []) {
    if (!(f instanceof PDFRef)) continue;
    const field = pdf.lookupDict(f, r);
    if (!field || nameOf(field.get(N('FT'))) !== 'Sig') continue;
    const v = field.get(N('V'));
    const sig = pdf.lookupDict(v, r);
    if (!sig || !signedHere(sig)) continue;
    const fc = changedByTag.get(f.tag);
    const sigIsNew = v instanceof PDFRef ? isNewObject(v.tag) : true;
    if (!sigIsNew) continue;
    let fieldOk = false;
    if (fc?.isNew) fieldOk = true;
    else if (fc && dictOf(fc.before) && !dictOf(fc.before)!.has(N('V'))) {
      // Filling a field that existed empty: only its value and appearance may change.
      fieldOk = differingKeys(dictOf(fc.before)!, field).every((k) => ['V', 'AP', 'AS'].includes(k));
    } else if (!fc) fieldOk = false; // the field did not change yet now has a new signed value: impossible unless /V is indirect-shared
    if (!fieldOk) continue;
    const kind = nameOf(sig.get(N('Type'))) === 'DocTimeStamp' ? 'document-timestamp' : 'signature';
    newSignatureKinds.push(kind);
    clear(f.tag, kind);
    newFieldTags.add(f.tag);
    if (v instanceof PDFRef) clear(v.tag, kind);
    const widgets: PDFRef[] = [];
    if (nameOf(field.get(N('Subtype'))) === 'Widget') widgets.push(f);
    for (const k of pdf.lookupArray(field.get(N('Kids')), r)?.asArray() ?? []) if (k instanceof PDFRef) widgets.push(k);
    for (const w of widgets) {
      newWidgetTags.add(w.tag);
      newWidgets.push(w);
      const wc = changedByTag.get(w.tag);
      if (w.tag !== f.tag && wc && !wc.isNew) continue; // an existing widget rewritten: not this rule's business
      if (w.tag !== f.tag) clear(w.tag, kind);
      const wd = pdf.lookupDict(w, r);
      const apBefore = fc?.before ? reachable(pdf, dictOf(fc.before)?.get(N('AP')), prev) : new Set<string>();
      for (const tag of reachable(pdf, wd?.get(N('AP')), r)) {
        if (changedByTag.has(tag) && (isNewObject(tag) || apBefore.has(tag))) clear(tag, kind);
      }
    }
  }

  // form-fill (DocMDP 2 or 3): existing fields and widgets changing only their value and appearance.
  if (docMdp === 2 || docMdp === 3) {
    for (const c of changed) {
      if (cleared.has(c.tag) || c.isNew) continue;
      const before = dictOf(c.before);
      const after = dictOf(c.after);
      if (!before || !after || c.after instanceof PDFRawStream) continue;
      const isField = before.has(N('FT')) || before.has(N('T')) || before.has(N('Parent'));
      const isWidget = nameOf(before.get(N('Subtype'))) === 'Widget';
      if (!isField && !isWidget) continue;
      if (nameOf(before.get(N('FT'))) === 'Sig') continue; // signature fields are filled only by signing
      const diff = differingKeys(before, after);
      if (!diff.length || !diff.every((k) => ['V', 'AS', 'AP'].includes(k))) continue;
      clear(c.tag, 'form-fill');
      for (const key of ['V', 'AP']) {
        const was = reachable(pdf, before.get(N(key)), prev);
        for (const tag of reachable(pdf, after.get(N(key)), r)) {
          if (changedByTag.has(tag) && (isNewObject(tag) || was.has(tag))) clear(tag, 'form-fill');
        }
      }
    }
  }
  // annotation (DocMDP 3): new annotations other than widgets, and changes to existing ones.
  const newAnnotTags = new Set<string>();
  if (docMdp === 3) {
    for (const c of changed) {
      if (cleared.has(c.tag)) continue;
      const after = dictOf(c.after);
      if (!after || c.after instanceof PDFRawStream) continue;
      const subtype = nameOf(after.get(N('Subtype')));
      const isAnnot = (nameOf(after.get(N('Type'))) === 'Annot' || after.has(N('Rect'))) && subtype !== undefined && subtype !== 'Widget';
      if (!isAnnot) continue;
      const before = dictOf(c.before);
      if (!c.isNew && (!before || nameOf(before.get(N('Subtype'))) !== subtype)) continue;
      clear(c.tag, 'annotation');
      if (c.isNew) newAnnotTags.add(c.tag);
      const was = before ? reachable(pdf, before.get(N('AP')), prev) : new Set<string>();
      for (const key of ['AP', 'Popup']) {
        for (const tag of reachable(pdf, after.get(N(key)), r)) {
          const cc = changedByTag.get(tag);
          if (!cc) continue;
          const d = dictOf(cc.after);
          // A popup is itself a new annotation; appearance streams must be new or this annotation's own.
          if (key === 'Popup' && !(cc.isNew && nameOf(d?.get(N('Subtype'))) === 'Popup')) continue;
          if (key === 'Popup') newAnnotTags.add(tag);
          if (cc.isNew || was.has(tag)) clear(tag, 'annotation');
        }
      }
    }
  }

  // acroform and page-annots: containers that gained exactly the cleared fields and widgets.
  const gainedOnly = (before: PDFArray | undefined, after: PDFArray | undefined, allowedNew: Set<string>) => {
    if (!after) return false;
    const b = (before?.asArray() ?? []).map((x) => (x instanceof PDFRef ? x.tag : '?'));
    const a = after.asArray().map((x) => (x instanceof PDFRef ? x.tag : '?'));
    if (b.some((t) => !a.includes(t))) return false;
    return a.filter((t) => !b.includes(t)).every((t) => allowedNew.has(t));
  };
  const acroFormOk = (before: PDFDict | undefined, after: PDFDict | undefined): boolean => {
    if (!after) return false;
    const diff = before ? differingKeys(before, after) : after.keys().map((k) => k.decodeText());
    return diff.every((k) => {
      if (k === 'SigFlags') return true;
      if (k === 'Fields') return gainedOnly(pdf.lookupArray(before?.get(N('Fields')), prev), pdf.lookupArray(after.get(N('Fields')), r), newFieldTags);
      if ((k === 'DR' || k === 'DA') && !before?.has(N(k))) return true;
      return false;
    });
  };
  const afRefNow = catalogNow?.get(N('AcroForm'));
  const afRefBefore = catalogBefore?.get(N('AcroForm'));
  if (afRefNow instanceof PDFRef && changedByTag.has(afRefNow.tag)) {
    const c = changedByTag.get(afRefNow.tag)!;
    const before = afRefBefore instanceof PDFRef && afRefBefore.tag === afRefNow.tag ? dictOf(c.before)
      : pdf.lookupDict(afRefBefore, prev);
    if ((c.isNew || (afRefBefore instanceof PDFRef && afRefBefore.tag === afRefNow.tag)) && acroFormOk(before, dictOf(c.after))) clear(c.tag, 'acroform');
  }
  // An indirect /Fields array.
  const fieldsRefNow = pdf.lookupDict(afRefNow, r)?.get(N('Fields'));
  if (fieldsRefNow instanceof PDFRef && changedByTag.has(fieldsRefNow.tag)) {
    const c = changedByTag.get(fieldsRefNow.tag)!;
    const before = c.before instanceof PDFArray ? c.before : pdf.lookupArray(pdf.lookupDict(afRefBefore, prev)?.get(N('Fields')), prev);
    if (c.after instanceof PDFArray && gainedOnly(before, c.after, newFieldTags)) clear(c.tag, 'acroform');
  }
  // Pages that gained the new widgets.
  for (const c of changed) {
    if (cleared.has(c.tag)) continue;
    const before = dictOf(c.before);
    const after = dictOf(c.after);
    if (before && after && !(c.after instanceof PDFRawStream) && nameOf(before.get(N('Type'))) === 'Page' && nameOf(after.get(N('Type'))) === 'Page') {
      const diff = differingKeys(before, after);
      if (diff.length && diff.every((k) => k === 'Annots')) {
        const annBefore = pdf.lookupArray(before.get(N('Annots')), prev);
        const annAfterObj = after.get(N('Annots'));
        const annAfter = pdf.lookupArray(annAfterObj, r);
        if (gainedOnly(annBefore, annAfter, new Set([...newWidgetTags, ...newAnnotTags]))) {
          clear(c.tag, 'page-annots');
          if (annAfterObj instanceof PDFRef && changedByTag.get(annAfterObj.tag)?.isNew) clear(annAfterObj.tag, 'page-annots');
        }
      }
    }
    // An indirect /Annots array of an unchanged page: it must be the array of the page the new annotations name.
    const gained = new Set([...newWidgetTags, ...newAnnotTags]);
    if (c.before instanceof PDFArray && c.after instanceof PDFArray && gained.size && gainedOnly(c.before, c.after, gained)) {
      const owner = [...newWidgets, ...[...newAnnotTags].map((t) => changedByTag.get(t)!).map((x) => ref(x.num, x.gen))].some((w) => {
        const p = pdf.lookupDict(w, r)?.get(N('P'));
        const annots = pdf.lookupDict(p, r)?.get(N('Annots'));
        return annots instanceof PDFRef && annots.tag === c.tag;
      });
      if (owner) clear(c.tag, 'page-annots');
    }
  }

  // catalog: only /AcroForm, /DSS, /Extensions may differ (an inline AcroForm is checked by the acroform rule).
  if (rootNow instanceof PDFRef && changedByTag.has(rootNow.tag) && catalogBefore && catalogNow) {
    const diff = differingKeys(catalogBefore, catalogNow);
    const ok = diff.every((k) => {
      if (k === 'DSS' || k === 'Extensions') return true;
      if (k === 'AcroForm') {
        const a = catalogNow!.get(N('AcroForm'));
        if (a instanceof PDFRef) return cleared.has(a.tag) || (!changedByTag.has(a.tag) && false);
        return acroFormOk(pdf.lookupDict(catalogBefore!.get(N('AcroForm')), prev), dictOf(a));
      }
      return false;
    });
    if (ok) clear(rootNow.tag, 'catalog');
    else add('catalog', false, `${rootNow.tag.replace(/ R$/, '')} (/${diff.filter((k) => !['DSS', 'Extensions', 'AcroForm'].includes(k)).join(', /') || 'AcroForm'})`);
  }

  // dangling references: a new object must not give a value to a reference the earlier document already made
  // to a missing object (a page resource or content pointing nowhere, "filled in" later — a shadow attack that
  // would otherwise pass as DSS data or a new appearance). Checked over everything reachable before.
  const newNums = changed.filter((c) => c.isNew).map((c) => c.num);
  if (newNums.length) {
    const missing = new Set<number>();
    const before = pdf.revisions[prev]!.trailer;
    reachable(pdf, before.get(N('Root')), prev, 500_000, missing);
    reachable(pdf, before.get(N('Info')), prev, 1_000, missing);
    for (const c of changed) {
      if (c.isNew && missing.has(c.num)) {
        cleared.delete(c.tag);
        add('dangling-reference-filled', false, `${c.num} ${c.gen}`);
        changedByTag.delete(c.tag);
      }
    }
  }

  // Report.
  const kinds = new Map<string, number>();
  for (const c of changed) {
    if (!changedByTag.has(c.tag)) continue; // already reported above
    const k = cleared.get(c.tag);
    if (k) { kinds.set(k, (kinds.get(k) ?? 0) + 1); continue; }
    if (rootNow instanceof PDFRef && c.tag === rootNow.tag) continue; // already reported as "catalog"
    add(describe(pdf, c, r), false, `${c.num} ${c.gen}`);
  }
  for (const k of kinds.keys()) add(k, true);
  return { revision: r, entries: [...entries.values()], newSignatureKinds };
}

/** A name for an unexplained change, for the report: what a reader would see differently. */
function describe(pdf: PdfFile, c: Changed, r: number): string {
  const d = dictOf(c.after) ?? dictOf(c.before);
  const type = d && nameOf(d.get(N('Type')));
  const subtype = d && nameOf(d.get(N('Subtype')));
  if (type === 'Page') return c.isNew ? 'page-added' : 'page';
  if (type === 'Pages') return 'page-tree';
  if (type === 'Catalog') return 'catalog';
  if (type === 'Font' || type === 'FontDescriptor') return 'font';
  if (type === 'Annot' || (d?.has(N('Rect')) && subtype)) return subtype === 'Widget' ? 'form-field' : 'annotation';
  if (d?.has(N('FT'))) return 'form-field';
  if (subtype === 'Image' || subtype === 'Form') return 'xobject';
  if (type === 'OCG' || type === 'OCMD') return 'optional-content';
  if (c.after instanceof PDFRawStream || c.before instanceof PDFRawStream) {
    if (isPageContent(pdf, c.tag, r) || isPageContent(pdf, c.tag, r - 1)) return 'page-content';
    return 'stream';
  }
  if (d && (d.has(N('XObject')) || d.has(N('Font')) || d.has(N('ExtGState')) || d.has(N('ProcSet')))) return 'resources';
  return 'object';
}

function isPageContent(pdf: PdfFile, tag: string, r: number): boolean {
  try {
    for (const p of pdf.pageRefs(r)) {
      const page = pdf.lookupDict(p, r);
      const contents = page?.get(N('Contents'));
      const list = contents instanceof PDFRef ? [contents, ...(pdf.lookupArray(contents, r)?.asArray() ?? [])] : pdf.lookupArray(contents, r)?.asArray() ?? [];
      if (list.some((x) => x instanceof PDFRef && x.tag === tag)) return true;
    }
  } catch { /* unknown */ }
  return false;
}
