/**
 * Forms that ask viewers to redraw their fields (/NeedAppearances true, as LibreOffice writes them): poppler-based
 * viewers (pdftoppm, many Linux and mobile readers) then regenerate every field's appearance, the seal's own
 * widget included, and the seal is not on the page at all. Before signing, as Acrobat does when it saves such a
 * form, the seal's update writes an appearance for each text and choice field widget that has none (its value in
 * the field's default appearance /DA, with the form's /DR fonts) and clears /NeedAppearances. Field values are not
 * touched: only widgets' /AP and the AcroForm flag change, in the signed revision itself.
 *
 * Values are drawn as single lines (multi-line and comb layouts are drawn on one line); only widgets without an
 * appearance get ours. A value in Latin-1 is text in the DA font; any other value (Chinese, as most of this
 * city's forms are filled) is drawn as the glyph outlines of the seals' own Noto Serif SC face, filled in the DA's
 * colour: no font has to be embedded, and every viewer shows the same shapes.
 */
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFNumber, PDFObject, PDFRawStream, PDFRef, PDFString } from 'pdf-lib';
import { LIMITS } from '../limits.js';
import { charge } from './budget.js';
import type { IncrementalUpdate } from './incremental-writer.js';
import type { SealFont } from '../render/font.js';
import { signatureFields } from './signature-field.js';

const N = (s: string) => PDFName.of(s);

/**
 * `valueFace` gives the outline face for values outside Latin-1 (the service's workers and `seal sign` pass the seal
 * face; it is given, not imported, so that the offline verifier bundle, which carries the sealing code through the
 * job runner but never seals, holds no font package). Without it such values are drawn as "?".
 */
export async function settleFieldAppearances(u: IncrementalUpdate, valueFace?: () => Promise<SealFont>): Promise<void> {
  const pdf = u.pdf;
  const catalog = u.get(pdf.catalogRef);
  if (!(catalog instanceof PDFDict)) return;
  const acroEntry = catalog.get(N('AcroForm'));
  const acro = acroEntry instanceof PDFRef ? u.get(acroEntry) : acroEntry;
  if (!(acro instanceof PDFDict)) return;
  const need = pdf.resolve(acro.get(N('NeedAppearances')));
  if (!(need && need.toString() === 'true')) return;
  // A document already signed keeps its fields as they are: new appearances for other fields would be changes
  // after that signature which validators (ours included) do not allow. (The first seal of a form settles it.)
  if (signatureFields(pdf).some((f) => f.value)) return;

  const formDa = text(pdf.resolve(acro.get(N('DA'))));
  const dr = pdf.lookupDict(acro.get(N('DR')));
  const seen = new Set<string>();
  const widgets: { ref: PDFRef; value: string; da: string }[] = [];
  const walk = (obj: PDFObject, inherited: { ft?: string; v?: PDFObject; da?: string }, depth: number) => {
    if (!(obj instanceof PDFRef) || seen.has(obj.tag) || depth > 32) return;
    seen.add(obj.tag);
    charge(pdf.context, LIMITS.walkObjects, seen.size, 'the form fields walk');
    const field = pdf.lookupDict(obj);
    if (!field) return;
    const here = {
      ft: pdf.lookupName(field.get(N('FT'))) ?? inherited.ft,
      v: field.get(N('V')) ?? inherited.v,
      da: text(pdf.resolve(field.get(N('DA')))) ?? inherited.da,
    };
    const kids = pdf.lookupArray(field.get(N('Kids')))?.asArray() ?? [];
    const childFields = kids.filter((k) => pdf.lookupDict(k)?.has(N('T')));
    if (childFields.length) { for (const k of childFields) walk(k, here, depth + 1); return; }
    if (here.ft !== 'Tx' && here.ft !== 'Ch') return;
    const value = valueText(pdf.resolve(here.v));
    for (const ref of field.has(N('Rect')) ? [obj] : kids.filter((k): k is PDFRef => k instanceof PDFRef)) {
      widgets.push({ ref, value, da: here.da ?? formDa ?? '/Helv 0 Tf 0 g' });
    }
  };
  for (const f of pdf.lookupArray(acro.get(N('Fields')))?.asArray() ?? []) walk(f, {}, 0);
  // The outline face is loaded (a 15 MB font, once per process) only when a value needs it.
  const font = valueFace && widgets.some((w) => !isLatin1(w.value)) ? await valueFace() : undefined;
  for (const w of widgets) drawWidget(u, w.ref, w.value, w.da, dr, font);

  const settled = acro.clone(pdf.context);
  settled.delete(N('NeedAppearances'));
  if (acroEntry instanceof PDFRef) u.set(acroEntry, settled);
  else {
    const c = catalog.clone(pdf.context);
    c.set(N('AcroForm'), settled);
    u.set(pdf.catalogRef, c);
  }
}

function text(o: PDFObject | undefined): string | undefined {
  return o instanceof PDFString || o instanceof PDFHexString ? o.decodeText() : undefined;
}

/** A field value as the text a viewer shows: a string, or a choice field's (first) selected option. */
function valueText(v: PDFObject | undefined): string {
  if (v instanceof PDFArray) return valueText(v.get(0));
  return text(v) ?? (v instanceof PDFName ? v.decodeText() : '');
}

function drawWidget(u: IncrementalUpdate, ref: PDFRef, value: string, da: string, dr: PDFDict | undefined, font: SealFont | undefined): void {
  const pdf = u.pdf;
  const widget = u.get(ref);
  if (!(widget instanceof PDFDict)) return;
  const ap = pdf.lookupDict(widget.get(N('AP')));
  if (ap?.get(N('N'))) return; // the producer's own appearance stays
  const rect = pdf.lookupArray(widget.get(N('Rect')))?.asArray().map((o) => pdf.lookupNumber(o) ?? 0);
  if (!rect || rect.length !== 4) return;
  const w = Math.abs(rect[2]! - rect[0]!);
  const h = Math.abs(rect[3]! - rect[1]!);
  // The DA's font size 0 means "fit": one line within the box.
  const sizeMatch = /([\d.]+)\s+Tf/.exec(da);
  const daSize = sizeMatch ? Number(sizeMatch[1]) : 0;
  const size = daSize > 0 ? daSize : Math.max(4, Math.min(12, h * 0.7));
  const daFixed = sizeMatch ? da.replace(/([\d.]+)(\s+Tf)/, `${size}$2`) : `/Helv ${size} Tf 0 g`;
  const y = Math.max(1, (h - size) / 2 + size * 0.22);
  const clip = `1 1 ${Math.max(0, w - 2)} ${Math.max(0, h - 2)} re W n\n`;
  const drawn = !value ? '' : isLatin1(value) || !font
    ? `BT\n${daFixed}\n2 ${y.toFixed(2)} Td\n${literal(value)} Tj\nET\n`
    : `${fillColour(da)}\n${outlines(font, value, 2, y, size)}`;
  const content = value ? `/Tx BMC\nq\n${clip}${drawn}Q\nEMC\n` : '/Tx BMC\nEMC\n';
  const ctx = pdf.context;
  const dict = PDFDict.withContext(ctx);
  dict.set(N('Type'), N('XObject'));
  dict.set(N('Subtype'), N('Form'));
  const bbox = PDFArray.withContext(ctx);
  for (const n of [0, 0, w, h]) bbox.push(PDFNumber.of(n));
  dict.set(N('BBox'), bbox);
  const resources = PDFDict.withContext(ctx);
  const drFonts = dr && pdf.lookupDict(dr.get(N('Font')));
  const fonts = drFonts ? drFonts.clone(ctx) : PDFDict.withContext(ctx);
  // The DA's font, when the form's /DR lacks it (forms often name /Helv without defining it): Helvetica, as viewers use.
  const fontName = /\/([^\s/]+)\s+[\d.]+\s+Tf/.exec(daFixed)?.[1];
  if (fontName && !fonts.has(N(fontName))) {
    const helv = PDFDict.withContext(ctx);
    helv.set(N('Type'), N('Font'));
    helv.set(N('Subtype'), N('Type1'));
    helv.set(N('BaseFont'), N('Helvetica'));
    helv.set(N('Encoding'), N('WinAnsiEncoding'));
    fonts.set(N(fontName), helv);
  }
  resources.set(N('Font'), fonts);
  dict.set(N('Resources'), resources);
  const bytes = Buffer.from(content, 'latin1');
  dict.set(N('Length'), PDFNumber.of(bytes.length));
  const streamRef = u.newRef();
  u.set(streamRef, PDFRawStream.of(dict, bytes));
  const apDict = PDFDict.withContext(ctx);
  apDict.set(N('N'), streamRef);
  const updated = widget.clone(ctx);
  updated.set(N('AP'), apDict);
  u.set(ref, updated);
}

const isLatin1 = (s: string): boolean => [...s].every((c) => c.charCodeAt(0) <= 255);

/** The DA's fill colour operator (`0 g`, `r g b rg`, `c m y k k`), black when it names none. */
function fillColour(da: string): string {
  return /((?:[\d.]+\s+){1,4})(g|rg|k)\b/.exec(da)?.[0] ?? '0 g';
}

const n2 = (v: number) => (Math.round(v * 100) / 100).toString();

/**
 * `value` as filled glyph outlines, baseline at (x, y) in the appearance's space, `size` points to the em; a character
 * the face lacks is left out (its advance stays, so the rest keep their places).
 */
function outlines(font: SealFont, value: string, x: number, y: number, size: number): string {
  const k = size / font.unitsPerEm;
  const out: string[] = [];
  let pen = x;
  for (const ch of value) {
    let glyph;
    try {
      glyph = font.glyph(ch, 'field value');
    } catch {
      pen += size / 2;
      continue;
    }
    // Outline commands are in font units with y down; quadratic segments become cubic ones (PDF has no quadratics).
    const X = (fx: number) => n2(pen + fx * k);
    const Y = (fy: number) => n2(y - fy * k);
    let cx = 0;
    let cy = 0;
    for (const c of glyph.commands) {
      if (c.type === 'M' || c.type === 'L') out.push(`${X(c.x)} ${Y(c.y)} ${c.type === 'M' ? 'm' : 'l'}`);
      else if (c.type === 'C') out.push(`${X(c.x1)} ${Y(c.y1)} ${X(c.x2)} ${Y(c.y2)} ${X(c.x)} ${Y(c.y)} c`);
      else if (c.type === 'Q') {
        const c1x = cx + (2 / 3) * (c.x1 - cx), c1y = cy + (2 / 3) * (c.y1 - cy);
        const c2x = c.x + (2 / 3) * (c.x1 - c.x), c2y = c.y + (2 / 3) * (c.y1 - c.y);
        out.push(`${X(c1x)} ${Y(c1y)} ${X(c2x)} ${Y(c2y)} ${X(c.x)} ${Y(c.y)} c`);
      } else out.push('h');
      if (c.type !== 'Z') [cx, cy] = [c.x, c.y];
    }
    if (glyph.commands.length) out.push('f');
    pen += glyph.advance * k;
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** A PDF literal string of `s` in PDFDocEncoding (latin1 for what it shares), with ( ) \ escaped. */
function literal(s: string): string {
  return `(${[...s].map((c) => (c.charCodeAt(0) > 255 ? '?' : c)).join('').replace(/[\\()]/g, (m) => `\\${m}`)})`;
}
