/** Small helpers over pdf-lib objects for the verifier: typed reads, text, deep equality, reachability. */
import {
  PDFArray, PDFBool, PDFDict, PDFHexString, PDFName, PDFNull, PDFNumber, PDFObject, PDFRawStream, PDFRef, PDFString,
} from 'pdf-lib';
import type { PdfFile } from '../pdf/reader.js';

export const N = (s: string): PDFName => PDFName.of(s);

export function textOf(o: PDFObject | undefined): string | undefined {
  if (o instanceof PDFString || o instanceof PDFHexString) return o.decodeText();
  return undefined;
}
export function nameOf(o: PDFObject | undefined): string | undefined {
  return o instanceof PDFName ? o.decodeText() : undefined;
}
export function dictOf(o: PDFObject | undefined): PDFDict | undefined {
  if (o instanceof PDFRawStream) return o.dict;
  return o instanceof PDFDict ? o : undefined;
}

/** Structural equality of two parsed objects (references compared by number and generation). */
export function sameObject(a: PDFObject | undefined, b: PDFObject | undefined, depth = 0): boolean {
  if (a === b) return true;
  if (!a || !b || depth > 100) return false;
  if (a instanceof PDFRef) return b instanceof PDFRef && a.objectNumber === b.objectNumber && a.generationNumber === b.generationNumber;
  if (a instanceof PDFName) return b instanceof PDFName && a.asString() === b.asString();
  if (a instanceof PDFNumber) return b instanceof PDFNumber && a.asNumber() === b.asNumber();
  if (a instanceof PDFBool) return b instanceof PDFBool && a.asBoolean() === b.asBoolean();
  if (a === PDFNull || b === PDFNull) return false;
  if ((a instanceof PDFString || a instanceof PDFHexString) && (b instanceof PDFString || b instanceof PDFHexString))
    return Buffer.from(a.asBytes()).equals(Buffer.from(b.asBytes()));
  if (a instanceof PDFArray) {
    if (!(b instanceof PDFArray) || a.size() !== b.size()) return false;
    for (let i = 0; i < a.size(); i++) if (!sameObject(a.get(i), b.get(i), depth + 1)) return false;
    return true;
  }
  if (a instanceof PDFRawStream) {
    return b instanceof PDFRawStream && sameDict(a.dict, b.dict, depth, ['Length']) && Buffer.from(a.contents).equals(Buffer.from(b.contents));
  }
  if (a instanceof PDFDict) return b instanceof PDFDict && !(b instanceof PDFRawStream) && sameDict(a, b, depth);
  return false;
}

function sameDict(a: PDFDict, b: PDFDict, depth: number, ignore: string[] = []): boolean {
  return differingKeys(a, b, depth).every((k) => ignore.includes(k));
}

/** Keys whose values differ (present in one only, or unequal). */
function differingKeys(a: PDFDict, b: PDFDict, depth = 0): string[] {
  const keys = new Set<string>();
  for (const [k] of a.entries()) keys.add(k.decodeText());
  for (const [k] of b.entries()) keys.add(k.decodeText());
  return [...keys].filter((k) => !sameObject(a.get(N(k)), b.get(N(k)), depth + 1));
}

/**
 * Every indirect object reachable from `root` as seen by `revision` (bounded). References to objects that
 * do not exist in that revision (dangling: null for a reader) are added to `missing` when given.
 */
export function reachable(pdf: PdfFile, root: PDFObject | undefined, revision: number, limit = 20_000, missing?: Set<number>): Set<string> {
  const seen = new Set<string>();
  const stack: PDFObject[] = root ? [root] : [];
  while (stack.length && seen.size < limit) {
    const o = stack.pop()!;
    if (o instanceof PDFRef) {
      if (seen.has(o.tag)) continue;
      seen.add(o.tag);
      let v: PDFObject | undefined;
      try { v = pdf.getObject(o, revision); } catch { v = undefined; }
      if (v) stack.push(v);
      else if (missing) {
        const e = pdf.xrefAt(revision).get(o.objectNumber);
        if (!e || e.type === 'free') missing.add(o.objectNumber);
      }
    } else if (o instanceof PDFArray) {
      stack.push(...o.asArray());
    } else if (o instanceof PDFRawStream) {
      for (const [, v] of o.dict.entries()) stack.push(v);
    } else if (o instanceof PDFDict) {
      for (const [, v] of o.entries()) stack.push(v);
    }
  }
  return seen;
}

/** A PDF date (D:YYYYMMDDHHmmSSOHH'mm') as a Date, or undefined. */
export function parsePdfDate(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(Z|[+-])?(\d{2})?'?(\d{2})?'?/.exec(s.trim());
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', se = '00', sign, oh = '00', om = '00'] = m;
  let t = Date.UTC(+y!, +mo - 1, +d, +h, +mi, +se);
  if (sign === '+' || sign === '-') t -= (sign === '+' ? 1 : -1) * ((+oh) * 60 + (+om)) * 60_000;
  return Number.isNaN(t) ? undefined : new Date(t);
}
