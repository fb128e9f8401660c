/**
 * Signature fields: where a seal goes on a page (in the reader's view of the page), the merged field+widget
 * annotation, and its registration in /AcroForm /Fields and the page's /Annots.
 */
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFNumber, PDFObject, PDFRef, PDFString } from 'pdf-lib';
import { unprocessable } from '../errors.js';
import { MM_TO_PT } from './appearance.js';
import type { IncrementalUpdate } from './incremental-writer.js';
import type { PdfFile } from './reader.js';
import type { PageView, Rect } from './page-view.js';

export { pageView, viewBoxOf, type PageView, type Rect, type Rotation } from './page-view.js';

/**
 * The widget /Rect (default user space) for a seal whose centre is (xMm, yMm) from the bottom-left corner of
 * the page as the reader sees it. Throws 422 `seal-off-page` unless the whole seal lies on the visible page.
 */
export function placeSeal(view: PageView, xMm: number, yMm: number, widthMm: number, heightMm: number): Rect {
  const xv = xMm * MM_TO_PT;
  const yv = yMm * MM_TO_PT;
  const w = widthMm * MM_TO_PT;
  const h = heightMm * MM_TO_PT;
  const eps = 1e-6;
  if (!(Number.isFinite(xv) && xv - w / 2 >= -eps && xv + w / 2 <= view.width + eps)) {
    throw unprocessable('seal-off-page', `The seal (centre x=${xMm} mm, ${widthMm} mm wide) does not fit on the page, which is ${round1(view.width / MM_TO_PT)} mm wide.`, { field: 'x' });
  }
  if (!(Number.isFinite(yv) && yv - h / 2 >= -eps && yv + h / 2 <= view.height + eps)) {
    throw unprocessable('seal-off-page', `The seal (centre y=${yMm} mm, ${heightMm} mm high) does not fit on the page, which is ${round1(view.height / MM_TO_PT)} mm high.`, { field: 'y' });
  }
  const [cx0, cy0, cx1, cy1] = view.crop;
  const cw = cx1 - cx0;
  const ch = cy1 - cy0;
  // Viewer point -> user space, undoing the clockwise display rotation.
  let u: number, v: number, rw: number, rh: number;
  switch (view.rotation) {
    case 0: u = xv; v = yv; rw = w; rh = h; break;
    case 90: u = cw - yv; v = xv; rw = h; rh = w; break;
    case 180: u = cw - xv; v = ch - yv; rw = w; rh = h; break;
    case 270: u = yv; v = ch - xv; rw = h; rh = w; break;
  }
  const x = cx0 + u;
  const y = cy0 + v;
  return [x - rw / 2, y - rh / 2, x + rw / 2, y + rh / 2];
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export interface SignatureFieldInfo {
  ref: PDFRef;
  dict: PDFDict;
  name: string;
  /** The signature dictionary (/V), when the field is signed. */
  value?: PDFDict;
  valueRef?: PDFRef;
}

/** Every terminal signature field reachable from /AcroForm /Fields, with fully qualified names. */
export function signatureFields(pdf: PdfFile): SignatureFieldInfo[] {
  const out: SignatureFieldInfo[] = [];
  for (const f of allFields(pdf)) {
    if (pdf.lookupName(f.inheritedFT) !== 'Sig') continue;
    const v = f.dict.get(PDFName.of('V'));
    out.push({ ref: f.ref, dict: f.dict, name: f.name, value: pdf.lookupDict(v), valueRef: v instanceof PDFRef ? v : undefined });
  }
  return out;
}

interface FieldNode { ref: PDFRef; dict: PDFDict; name: string; inheritedFT?: PDFObject }

function allFields(pdf: PdfFile): FieldNode[] {
  const acro = pdf.lookupDict(pdf.catalog().get(PDFName.of('AcroForm')));
  const fields = pdf.lookupArray(acro?.get(PDFName.of('Fields')));
  const out: FieldNode[] = [];
  const seen = new Set<string>();
  const walk = (obj: PDFObject, prefix: string, ft: PDFObject | undefined, depth: number) => {
    if (!(obj instanceof PDFRef) || seen.has(obj.tag) || depth > 32) return;
    seen.add(obj.tag);
    const dict = pdf.lookupDict(obj);
    if (!dict) return;
    const t = dict.get(PDFName.of('T'));
    const partial = t instanceof PDFString || t instanceof PDFHexString ? t.decodeText() : undefined;
    const name = partial === undefined ? prefix : prefix ? `${prefix}.${partial}` : partial;
    const myFt = dict.get(PDFName.of('FT')) ?? ft;
    const kids = pdf.lookupArray(dict.get(PDFName.of('Kids')));
    const fieldKids = kids?.asArray().filter((k) => pdf.lookupDict(k)?.has(PDFName.of('T')));
    if (fieldKids && fieldKids.length > 0) fieldKids.forEach((k) => walk(k, name, myFt, depth + 1));
    else out.push({ ref: obj, dict, name, inheritedFT: myFt });
  };
  fields?.asArray().forEach((f) => walk(f, '', undefined, 0));
  return out;
}

/** A field name not yet used in the document: the one asked for (refused if taken), else SealN. */
export function uniqueFieldName(pdf: PdfFile, wanted?: string): string {
  const taken = new Set(allFields(pdf).map((f) => f.name));
  if (wanted !== undefined) {
    if (wanted === '' || wanted.includes('.')) throw unprocessable('bad-field-name', 'A field name must be non-empty and contain no period.', { field: 'fieldName' });
    if (taken.has(wanted)) throw unprocessable('field-name-taken', `The document already has a field named "${wanted}".`, { field: 'fieldName' });
    return wanted;
  }
  for (let i = 1; ; i++) if (!taken.has(`Seal${i}`)) return `Seal${i}`;
}

export interface NewFieldArgs {
  page: { ref: PDFRef; dict: PDFDict };
  rect: Rect;
  name: string;
  sigRef: PDFRef;
  /** Appearance stream; omitted for an invisible field (document time-stamp). */
  appearance?: PDFRef;
  /** Lock this field itself after signing (/Lock /Action /Include /Fields [name]). */
  lock?: boolean;
}

/**
 * Adds a merged signature field + widget, registers it in /AcroForm /Fields (creating the AcroForm when missing,
 * /SigFlags 3) and in the page's /Annots. Changed containers are copied before editing so the reader's cached
 * objects (the document as signed) stay as they were.
 */
export function addSignatureField(u: IncrementalUpdate, args: NewFieldArgs): PDFRef {
  const ctx = u.pdf.context;
  const fieldRef = u.newRef();
  const field = PDFDict.withContext(ctx);
  field.set(PDFName.of('Type'), PDFName.of('Annot'));
  field.set(PDFName.of('Subtype'), PDFName.of('Widget'));
  fillSignatureField(field, args);
  fillWidget(field, args);
  if (args.lock) field.set(PDFName.of('Lock'), fieldLock(u, args.name));
  u.set(fieldRef, field);
  appendToPageAnnots(u, args.page, fieldRef);
  appendToAcroFormFields(u, fieldRef);
  return fieldRef;
}

export interface WidgetArgs {
  page: { ref: PDFRef; dict: PDFDict };
  rect: Rect;
  appearance: PDFRef;
}

/**
 * One signature field shown by several widgets (its /Kids), each in its own page's /Annots: how a riding seal
 * (骑缝章) shows one signature on every page. The standard shape, so a verifier's change analysis clears it
 * like any new signature field.
 */
export function addSignatureFieldWithWidgets(
  u: IncrementalUpdate,
  args: { name: string; sigRef: PDFRef; lock?: boolean; widgets: WidgetArgs[] },
): PDFRef {
  const ctx = u.pdf.context;
  const fieldRef = u.newRef();
  const field = PDFDict.withContext(ctx);
  fillSignatureField(field, args);
  if (args.lock) field.set(PDFName.of('Lock'), fieldLock(u, args.name));
  const kids = PDFArray.withContext(ctx);
  for (const w of args.widgets) {
    const ref = u.newRef();
    const widget = PDFDict.withContext(ctx);
    fillWidget(widget, w);
    widget.set(PDFName.of('Parent'), fieldRef);
    // The signature again on each widget: poppler up to 22.x takes a widget kid that has a /Parent for a field
    // of its own and reads /V from it without inheriting, so without this pdfsig would list every slice as an
    // unsigned field. Later poppler, pdf.js and the verifier here take the kids as the field's widgets.
    widget.set(PDFName.of('V'), args.sigRef);
    u.set(ref, widget);
    kids.push(ref);
    appendToPageAnnots(u, w.page, ref);
  }
  field.set(PDFName.of('Kids'), kids);
  u.set(fieldRef, field);
  appendToAcroFormFields(u, fieldRef);
  return fieldRef;
}

function fillSignatureField(field: PDFDict, args: { name: string; sigRef: PDFRef }): void {
  field.set(PDFName.of('FT'), PDFName.of('Sig'));
  field.set(PDFName.of('T'), PDFHexString.fromText(args.name));
  field.set(PDFName.of('V'), args.sigRef);
}

function fillWidget(widget: PDFDict, args: { page: { ref: PDFRef }; rect: Rect; appearance?: PDFRef }): void {
  const ctx = widget.context;
  widget.set(PDFName.of('Type'), PDFName.of('Annot'));
  widget.set(PDFName.of('Subtype'), PDFName.of('Widget'));
  widget.set(PDFName.of('F'), PDFNumber.of(args.appearance ? 4 : 4 | 128)); // Print (+ Locked when invisible)
  widget.set(PDFName.of('P'), args.page.ref);
  const rect = PDFArray.withContext(ctx);
  for (const x of args.rect) rect.push(PDFNumber.of(round3(x)));
  widget.set(PDFName.of('Rect'), rect);
  if (args.appearance) {
    const ap = PDFDict.withContext(ctx);
    ap.set(PDFName.of('N'), args.appearance);
    widget.set(PDFName.of('AP'), ap);
  }
}

/** The page's /Annots: an indirect array is rewritten as that object; an inline one, or none, in the page. */
function appendToPageAnnots(u: IncrementalUpdate, page: { ref: PDFRef; dict: PDFDict }, annotRef: PDFRef): void {
  const pdf = u.pdf;
  const ctx = pdf.context;
  const pageDict = (u.get(page.ref) as PDFDict | undefined) ?? page.dict;
  const annots = pageDict.get(PDFName.of('Annots'));
  if (annots instanceof PDFRef && pdf.lookupArray(u.get(annots))) {
    const arr = (u.get(annots) as PDFArray).clone(ctx);
    arr.push(annotRef);
    u.set(annots, arr);
  } else {
    const copy = pageDict.clone(ctx);
    const arr = annots instanceof PDFArray ? annots.clone(ctx) : PDFArray.withContext(ctx);
    arr.push(annotRef);
    copy.set(PDFName.of('Annots'), arr);
    u.set(page.ref, copy);
  }
}

/** /AcroForm /Fields gains the field; the AcroForm is made when missing; /SigFlags 3. */
function appendToAcroFormFields(u: IncrementalUpdate, fieldRef: PDFRef): void {
  const pdf = u.pdf;
  const ctx = pdf.context;
  const catalog = (u.get(pdf.catalogRef) as PDFDict).clone(ctx);
  const acroEntry = catalog.get(PDFName.of('AcroForm'));
  let acro: PDFDict;
  let acroRef: PDFRef | undefined;
  if (acroEntry instanceof PDFRef && u.get(acroEntry) instanceof PDFDict) {
    acroRef = acroEntry;
    acro = (u.get(acroEntry) as PDFDict).clone(ctx);
  } else if (acroEntry instanceof PDFDict) {
    acro = acroEntry.clone(ctx);
  } else {
    acro = PDFDict.withContext(ctx);
    acroRef = u.newRef();
    catalog.set(PDFName.of('AcroForm'), acroRef);
    u.set(pdf.catalogRef, catalog);
  }
  const fieldsEntry = acro.get(PDFName.of('Fields'));
  if (fieldsEntry instanceof PDFRef && u.get(fieldsEntry) instanceof PDFArray) {
    const arr = (u.get(fieldsEntry) as PDFArray).clone(ctx);
    arr.push(fieldRef);
    u.set(fieldsEntry, arr);
  } else {
    const arr = fieldsEntry instanceof PDFArray ? fieldsEntry.clone(ctx) : PDFArray.withContext(ctx);
    arr.push(fieldRef);
    acro.set(PDFName.of('Fields'), arr);
  }
  acro.set(PDFName.of('SigFlags'), PDFNumber.of(3));
  if (acroRef) u.set(acroRef, acro);
  else {
    catalog.set(PDFName.of('AcroForm'), acro);
    u.set(pdf.catalogRef, catalog);
  }
}

function fieldLock(u: IncrementalUpdate, name: string): PDFDict {
  const ctx = u.pdf.context;
  const lock = PDFDict.withContext(ctx);
  lock.set(PDFName.of('Type'), PDFName.of('SigFieldLock'));
  lock.set(PDFName.of('Action'), PDFName.of('Include'));
  const fields = PDFArray.withContext(ctx);
  fields.push(PDFHexString.fromText(name));
  lock.set(PDFName.of('Fields'), fields);
  return lock;
}
