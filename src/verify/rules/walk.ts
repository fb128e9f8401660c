/**
 * Small walks the rules share: the changed objects under a value (pyHanko's `collect_dependencies` with
 * `since_revision`), equality of an object across two revisions with references followed, and a form
 * field's fully qualified name.
 */
import { PDFArray, PDFBool, PDFDict, PDFHexString, PDFName, PDFNull, PDFNumber, PDFObject, PDFRawStream, PDFRef, PDFString } from 'pdf-lib';
import { decodeStream } from '../../pdf/reader.js';
import { N, textOf } from '../pdf-objects.js';
import type { Change, Cleared, RevisionView, UpdateView, Usage } from './api.js';

/**
 * The objects under `value` that this revision adds or overwrites, following references only into such
 * objects (an unchanged object cannot point to a new one except through a dangling reference, which the
 * policy refuses on its own).
 */
export function changedUnder(update: UpdateView, value: PDFObject | undefined, limit = 100_000): Change[] {
  const out: Change[] = [];
  const seen = new Set<string>();
  const stack: PDFObject[] = value === undefined ? [] : [value];
  while (stack.length && seen.size < limit) {
    const o = stack.pop()!;
    if (o instanceof PDFRef) {
      if (seen.has(o.tag)) continue;
      seen.add(o.tag);
      const c = update.changes.get(o.tag);
      if (!c || c.kind === 'freed') continue;
      out.push(c);
      if (c.after) stack.push(c.after);
    } else if (o instanceof PDFArray) {
      stack.push(...o.asArray());
    } else if (o instanceof PDFRawStream) {
      for (const [, v] of o.dict.entries()) stack.push(v);
    } else if (o instanceof PDFDict) {
      for (const [, v] of o.entries()) stack.push(v);
    }
  }
  return out;
}

/** Clearances for everything changed under `value`: new objects freely, overwritten ones through `usage` only. */
export function clearUnder(update: UpdateView, value: PDFObject | undefined, usage: Usage[], extra: Omit<Cleared, 'tag' | 'usages'> = {}): Cleared[] {
  return changedUnder(update, value).map((c) => ({ tag: c.tag, usages: usage, ...extra }));
}

/**
 * Whether `a` (as the earlier revision sees it) and `b` (as the newer one does) mean the same: equal values,
 * references to the same object, or references to different objects whose contents are equivalent (a writer
 * that rewrote an object under a new number, or turned a direct value into an indirect one). Streams compare
 * by decoded data when their encodings differ. Bounded: past the budget the answer is "not equivalent".
 */
export function equivalent(old: RevisionView, a: PDFObject | undefined, update: RevisionView, b: PDFObject | undefined, budget = { left: 2000 }, depth = 0): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || depth > 32 || --budget.left < 0) return false;
  if (a instanceof PDFRef && b instanceof PDFRef && a.tag === b.tag) {
    // Same object: whether it changed is judged on its own (as an overwritten object).
    return true;
  }
  if (a instanceof PDFRef || b instanceof PDFRef) {
    return equivalent(old, a instanceof PDFRef ? old.get(a) : a, update, b instanceof PDFRef ? update.get(b) : b, budget, depth + 1);
  }
  if (a instanceof PDFName) return b instanceof PDFName && a.asString() === b.asString();
  if (a instanceof PDFNumber) return b instanceof PDFNumber && a.asNumber() === b.asNumber();
  if (a instanceof PDFBool) return b instanceof PDFBool && a.asBoolean() === b.asBoolean();
  if (a === PDFNull || b === PDFNull) return a === b;
  if ((a instanceof PDFString || a instanceof PDFHexString) && (b instanceof PDFString || b instanceof PDFHexString)) {
    return Buffer.from(a.asBytes()).equals(Buffer.from(b.asBytes()));
  }
  if (a instanceof PDFArray) {
    if (!(b instanceof PDFArray) || a.size() !== b.size()) return false;
    for (let i = 0; i < a.size(); i++) if (!equivalent(old, a.get(i), update, b.get(i), budget, depth + 1)) return false;
    return true;
  }
  if (a instanceof PDFRawStream) {
    if (!(b instanceof PDFRawStream)) return false;
    if (!sameData(a, b)) return false;
    return equivalentDicts(old, a.dict, update, b.dict, budget, depth, ['Length', 'Filter', 'DecodeParms']);
  }
  if (a instanceof PDFDict) return b instanceof PDFDict && !(b instanceof PDFRawStream) && equivalentDicts(old, a, update, b, budget, depth);
  return false;
}

function equivalentDicts(old: RevisionView, a: PDFDict, update: RevisionView, b: PDFDict, budget: { left: number }, depth: number, ignore: string[] = []): boolean {
  const keys = new Set<string>([...a.keys(), ...b.keys()].map((k) => k.decodeText()));
  for (const k of keys) {
    if (ignore.includes(k)) continue;
    if (!equivalent(old, a.get(N(k)), update, b.get(N(k)), budget, depth + 1)) return false;
  }
  return true;
}

function sameData(a: PDFRawStream, b: PDFRawStream): boolean {
  if (Buffer.from(a.contents).equals(Buffer.from(b.contents)) && sameEncoding(a, b)) return true;
  try {
    return Buffer.from(decodeStream(a)).equals(Buffer.from(decodeStream(b)));
  } catch {
    return false; // a filter we do not decode: only byte-identical data counts as equal
  }
}

function sameEncoding(a: PDFRawStream, b: PDFRawStream): boolean {
  const f = (s: PDFRawStream) => `${String(s.dict.get(N('Filter')) ?? '')}|${String(s.dict.get(N('DecodeParms')) ?? '')}`;
  return f(a) === f(b);
}

/** Keys whose values are not equivalent between the two dictionaries. */
export function differingKeys(old: RevisionView, a: PDFDict, update: RevisionView, b: PDFDict): string[] {
  const keys = new Set<string>([...a.keys(), ...b.keys()].map((k) => k.decodeText()));
  return [...keys].filter((k) => !equivalent(old, a.get(N(k)), update, b.get(N(k))));
}

/** A form field's fully qualified name (partial names joined by "." up the /Parent chain). */
export function fieldNameOf(view: RevisionView, field: PDFDict): string {
  const parts: string[] = [];
  let node: PDFDict | undefined = field;
  for (let depth = 0; node && depth < 32; depth++) {
    const t = textOf(node.get(N('T')));
    if (t !== undefined) parts.unshift(t);
    node = view.dict(node.get(N('Parent')));
  }
  return parts.join('.');
}

/** The field type, inherited through /Parent. */
export function fieldTypeOf(view: RevisionView, field: PDFDict): string | undefined {
  let node: PDFDict | undefined = field;
  for (let depth = 0; node && depth < 32; depth++) {
    const ft = node.get(N('FT'));
    if (ft instanceof PDFName) return ft.decodeText();
    node = view.dict(node.get(N('Parent')));
  }
  return undefined;
}

/** True when the annotation (or any widget of the field) has a non-empty /Rect. */
export function isVisible(view: RevisionView, annotOrField: PDFDict): boolean {
  const area = (d: PDFDict | undefined) => {
    const r = view.array(d?.get(N('Rect')))?.asArray().map((x) => (x instanceof PDFNumber ? x.asNumber() : 0));
    return r && r.length === 4 ? Math.abs((r[2]! - r[0]!) * (r[3]! - r[1]!)) : 0;
  };
  if (area(annotOrField) > 0) return true;
  return (view.array(annotOrField.get(N('Kids')))?.asArray() ?? []).some((k) => area(view.dict(k)) > 0);
}

export const refTags = (arr: PDFArray | undefined): string[] => (arr?.asArray() ?? []).map((x) => (x instanceof PDFRef ? x.tag : '?'));
