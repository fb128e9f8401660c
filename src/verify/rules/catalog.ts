/**
 * The document catalog. Every signer that adds a field, a DSS or metadata writes the catalog again; what
 * matters is that nothing else in it changed. The keys other rules look after may differ here; every other
 * key must mean the same as before (compared with references followed, so a catalog rewritten under a new
 * object number with the same content — as some writers do — passes, and one switching /Pages does not).
 */
import { PDFDict, PDFName, PDFRef } from 'pdf-lib';
import { N } from '../pdf-objects.js';
import type { Cleared, DiffRule, RevisionView, UpdateView } from './api.js';
import { acroFormChange } from './acroform.js';
import { clearUnder, differingKeys } from './walk.js';

/** Catalog keys whose changes other rules (or this one, below) judge. */
const DELEGATED = new Set(['AcroForm', 'DSS', 'Metadata', 'Extensions', 'Version']);

/**
 * The catalog itself, at lta-updates: written again by every signer (ours, pdfsig, PDFBox, @signpdf,
 * Acrobat) to reach the AcroForm, DSS or metadata. Cleared when it is the same object as before, or a new
 * object standing in for it, and no key outside DELEGATED differs.
 */
export const catalog: DiffRule = {
  name: 'catalog',
  level: 'lta-updates',
  *clears(old: RevisionView, update: UpdateView): Iterable<Cleared> {
    const rootNow = update.rootRef;
    if (!rootNow || !old.rootRef || !old.catalog || !update.catalog) return;
    const c = update.changes.get(rootNow.tag);
    if (!c) return;
    // The same catalog object, or a fresh one replacing it; never another object that already existed.
    if (!(rootNow.tag === old.rootRef.tag || c.kind === 'new')) return;
    if (!catalogKeysUnchanged(old, update)) return;
    yield { tag: rootNow.tag, usages: 'all' };
  },
};

/** Non-delegated catalog keys that differ (for the report) — empty when the catalog change is explainable. */
export function catalogDifferences(old: RevisionView, update: RevisionView): string[] {
  if (!old.catalog || !update.catalog) return ['(unreadable)'];
  const diff = differingKeys(old, old.catalog, update, update.catalog).filter((k) => !DELEGATED.has(k));
  const af = acroFormChange(old, update);
  if (af === 'refused') diff.push('AcroForm');
  return diff;
}

function catalogKeysUnchanged(old: RevisionView, update: UpdateView): boolean {
  return catalogDifferences(old, update).length === 0;
}

/**
 * /Extensions at lta-updates: PAdES signers (pyHanko, EU DSS, Acrobat) declare the ADBE or ESIC extension
 * level when they add a DSS or document time-stamp (and raise the catalog's /Version, a name the catalog rule
 * lets change). Both only tell a reader which features to expect. New objects under /Extensions are
 * cleared; an overwritten one only where the earlier catalog's /Extensions is its sole usage.
 */
export const extensions: DiffRule = {
  name: 'extensions',
  level: 'lta-updates',
  *clears(old: RevisionView, update: UpdateView): Iterable<Cleared> {
    const ext = update.catalog?.get(N('Extensions'));
    if (ext === undefined || !old.rootRef) return;
    const d = update.dict(ext);
    if (!(d instanceof PDFDict)) return;
    // Each entry a developer extension dictionary: /BaseVersion a name, /ExtensionLevel a number.
    for (const [, v] of d.entries()) {
      const e = update.dict(v) ?? (update.array(v)?.asArray().every((x) => update.dict(x)) ? undefined : null);
      if (e === null) return;
      if (e && !(e.get(N('BaseVersion')) instanceof PDFName)) return;
    }
    yield* clearUnder(update, ext, [{ from: old.rootRef.tag, key: 'Extensions' }]);
  },
};

export const rootIsReplacedByExisting = (old: RevisionView, update: UpdateView): PDFRef | undefined => {
  const now = update.rootRef;
  if (!now || !old.rootRef || now.tag === old.rootRef.tag) return undefined;
  return update.isNew(now.tag) ? undefined : now;
};
