/**
 * What changed after a signature: an ALLOW-LIST in the manner of pyHanko's diff_analysis. Every object a
 * later revision adds, overwrites or frees must be cleared by one of the rules in POLICY (./rules/, one file
 * per topic, each rule saying which signers write what it clears and why that is harmless); whatever no
 * rule clears is a modification at level `other`, named by revision and object. An attack nobody has
 * thought of yet is therefore refused too.
 *
 * Two vetoes sit above the rules:
 *   - an overwritten object is cleared only when every way the earlier revision reached it passes through a
 *     place its rule vouched for (./rules/usages.ts): an appearance stream that a page also draws, or a DSS
 *     object the catalog also points to, cannot be rewritten under the cover of a signature or a DSS;
 *   - a new object may not give a value to a reference the earlier revision made to an object it did not
 *     have (dangling-reference-filled): that is a shadow attack, whatever the object claims to be.
 *
 * The result of a revision is the highest level among its changes plus anything unexplained. Whether that
 * level was permitted (DocMDP of a certification, FieldMDP locks) is decided afterwards, by ./permissions.ts.
 */
import { PDFArray, PDFDict, PDFObject, PDFRawStream, PDFRef } from 'pdf-lib';
import type { PdfFile, XrefEntry } from '../pdf/reader.js';
import { N, nameOf, reachable, sameObject } from './pdf-objects.js';
import { eofMarkEnd } from './pdf-signatures.js';
import { levelRank, maxLevel, type Change, type Cleared, type DiffRule, type ModificationLevel, type RevisionView, type UpdateView, type Usage } from './rules/api.js';
import { acroForm } from './rules/acroform.js';
import { annotations } from './rules/annotations.js';
import { catalog, catalogDifferences, extensions, rootIsReplacedByExisting } from './rules/catalog.js';
import { dss } from './rules/dss.js';
import { formFilling } from './rules/form-fill.js';
import { documentInfo, xmpMetadata } from './rules/metadata.js';
import { pageAnnotations } from './rules/page-annotations.js';
import { signatureFields } from './rules/signature-fields.js';
import { crossReferenceStreams, orphans, unchangedRewrites, unusedObjectsFreed } from './rules/structure.js';
import { UsageGraph } from './rules/usages.js';

export type { ModificationLevel } from './rules/api.js';

/** The allow-list, read top to bottom. */
export const POLICY: readonly DiffRule[] = [
  crossReferenceStreams, // structure: the revision's own xref and object streams
  unchangedRewrites, // objects written again with the same meaning
  orphans, // new objects nothing points to
  unusedObjectsFreed, // objects freed (or renumbered) that nothing used
  catalog, // the catalog written again, only delegated keys differing
  extensions, // /Extensions declared
  documentInfo, // /Info
  xmpMetadata, // XMP /Metadata
  dss, // the Document Security Store
  signatureFields, // new signatures and document time-stamps, filled or added signature fields
  acroForm, // /AcroForm: fields gained, /SigFlags, /DR and /DA
  pageAnnotations, // pages that only gained annotations
  formFilling, // field values
  annotations, // notes, stamps, links
];

export interface RevisionModification {
  revision: number;
  /** What the change is: a rule's name when cleared ("dss", "signature", …), else what a reader sees ("page-content", …). */
  kind: string;
  level: ModificationLevel;
  /** Objects involved ("12 0"), for changes no rule explains. */
  objects?: string[];
  /** Form fields whose value or appearance the change touches. */
  fields?: string[];
}

export interface RevisionAnalysis {
  revision: number;
  /** The highest level among the revision's changes ('none' when it changed nothing). */
  level: ModificationLevel;
  entries: RevisionModification[];
}

function sameEntry(a: XrefEntry | undefined, b: XrefEntry | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.type === 'offset' && b.type === 'offset') return a.offset === b.offset && a.gen === b.gen;
  if (a.type === 'compressed' && b.type === 'compressed') return a.stream === b.stream && a.index === b.index;
  return a.type === 'free' && b.type === 'free';
}

const genOf = (e: XrefEntry): number => (e.type === 'offset' || e.type === 'free' ? e.gen : 0);

function view(pdf: PdfFile, index: number): RevisionView {
  const trailer = pdf.revisions[index]!.trailer;
  const root = trailer.get(N('Root'));
  const rootRef = root instanceof PDFRef ? root : undefined;
  const get = (o: PDFObject | undefined) => {
    try {
      return pdf.resolve(o, index);
    } catch {
      return undefined;
    }
  };
  const catalogDict = get(rootRef);
  return {
    pdf, index, trailer, rootRef,
    catalog: catalogDict instanceof PDFDict && !(catalogDict instanceof PDFRawStream) ? catalogDict : undefined,
    get,
    dict: (o) => { const v = get(o); return v instanceof PDFDict ? v : undefined; },
    array: (o) => { const v = get(o); return v instanceof PDFArray ? v : undefined; },
    reachable: (o) => reachable(pdf, o, index),
  };
}

/** Every object revision `r` adds, overwrites (with a different value) or frees, relative to revision r-1. */
export function changesOf(pdf: PdfFile, r: number): Change[] {
  const prevXref = pdf.xrefAt(r - 1);
  const out: Change[] = [];
  const get = (num: number, gen: number, at: number) => {
    try {
      return pdf.getObject(PDFRef.of(num, gen), at);
    } catch {
      return undefined;
    }
  };
  for (const [num, entry] of pdf.revisions[r]!.objects) {
    const before = prevXref.get(num);
    if (sameEntry(entry, before)) continue;
    const inUse = before !== undefined && before.type !== 'free';
    if (entry.type === 'free') {
      if (inUse) out.push({ tag: `${num} ${genOf(before)} R`, num, gen: genOf(before), kind: 'freed', before: get(num, genOf(before), r - 1) });
      continue;
    }
    const gen = genOf(entry);
    const after = get(num, gen, r);
    if (inUse && genOf(before) !== gen) {
      // The number reused under another generation: the old object is gone (references to it now resolve to
      // null) and this is a new one.
      out.push({ tag: `${num} ${genOf(before)} R`, num, gen: genOf(before), kind: 'freed', before: get(num, genOf(before), r - 1) });
      out.push({ tag: `${num} ${gen} R`, num, gen, kind: 'new', after });
      continue;
    }
    if (!inUse) {
      out.push({ tag: `${num} ${gen} R`, num, gen, kind: 'new', after });
      continue;
    }
    const old = get(num, gen, r - 1);
    if (old && after && sameObject(old, after)) continue;
    out.push({ tag: `${num} ${gen} R`, num, gen, kind: 'overwritten', before: old, after });
  }
  return out;
}

/** The two views the rules compare: revision r-1, and revision r with what it changed. */
export function revisionPair(pdf: PdfFile, r: number, changes: Change[] = changesOf(pdf, r)): { old: RevisionView; update: UpdateView } {
  const old = view(pdf, r - 1);
  const base = view(pdf, r);
  const byTag = new Map(changes.map((c) => [c.tag, c]));
  const revEnd = pdf.revisions[r]!.end;
  const revEofEnd = eofMarkEnd(pdf, r);
  const update: UpdateView = {
    ...base,
    changes: byTag,
    isNew: (tag) => byTag.get(tag)?.kind === 'new',
    signedHere: (sig) => {
      const n = base.array(sig.get(N('ByteRange')))?.asArray().map((x) => Number((x as { asNumber?: () => number }).asNumber?.()));
      if (!n || n.length !== 4 || n.some((x) => !Number.isFinite(x))) return false;
      const end = n[2]! + n[3]!;
      return end >= revEofEnd && end <= revEnd;
    },
  };
  return { old, update };
}

interface Verdict { rule: DiffRule; cleared: Cleared }

/** Classify everything revision `r` changed relative to revision r-1. */
export function analyseRevision(pdf: PdfFile, r: number, rules: readonly DiffRule[] = POLICY): RevisionAnalysis {
  const changes = changesOf(pdf, r);
  const entries = new Map<string, RevisionModification>();
  const add = (kind: string, level: ModificationLevel, object?: string, fields?: string[]) => {
    const key = `${kind}|${level}`;
    let e = entries.get(key);
    if (!e) entries.set(key, (e = { revision: r, kind, level }));
    if (object && level === 'other') {
      e.objects ??= [];
      if (e.objects.length < 20 && !e.objects.includes(object)) e.objects.push(object);
    }
    for (const f of fields ?? []) {
      e.fields ??= [];
      if (!e.fields.includes(f)) e.fields.push(f);
    }
  };
  const { old, update } = revisionPair(pdf, r, changes);
  const byTag = update.changes;

  const replacedBy = rootIsReplacedByExisting(old, update);
  if (replacedBy) add('catalog-replaced', 'other', replacedBy.tag.replace(/ R$/, ''));
  if (!changes.length) return summarise(r, entries);

  // What the rules clear.
  const verdicts = new Map<string, Verdict[]>();
  for (const rule of rules) {
    let cleared: Cleared[];
    try {
      cleared = [...rule.clears(old, update)];
    } catch {
      cleared = []; // a rule that cannot read what it looks at explains nothing
    }
    for (const c of cleared) {
      if (!byTag.has(c.tag)) continue;
      let list = verdicts.get(c.tag);
      if (!list) verdicts.set(c.tag, (list = []));
      list.push({ rule, cleared: c });
    }
  }

  // The earlier revision's usages: each question costs only what answering it needs (./rules/usages.ts).
  const usages = new UsageGraph(pdf, r - 1);

  for (const c of changes) {
    const vs = verdicts.get(c.tag) ?? [];
    const label = `${c.num} ${c.gen}`;
    if (c.kind === 'new' && usages.dangling(c.num)) {
      add('dangling-reference-filled', 'other', label);
      continue;
    }
    const decided = decide(c, vs, usages);
    if (decided) {
      add(decided.kind, decided.level, undefined, decided.fields);
      continue;
    }
    if (old.rootRef && c.tag === update.rootRef?.tag) {
      const keys = catalogDifferences(old, update);
      add('catalog', 'other', `${label}${keys.length ? ` (/${keys.join(', /')})` : ''}`);
      continue;
    }
    add(c.kind === 'freed' ? 'object-deleted' : describe(pdf, c, r), 'other', label);
  }
  return summarise(r, entries);
}

/** The explanation a change gets from the rules' verdicts, or undefined. */
function decide(c: Change, vs: Verdict[], usages: UsageGraph): { kind: string; level: ModificationLevel; fields?: string[] } | undefined {
  if (!vs.length) return undefined;
  const levelOf = (v: Verdict) => v.cleared.level ?? v.rule.level;
  const kindOf = (v: Verdict) => v.cleared.kind ?? v.rule.name;
  const fields = [...new Set(vs.flatMap((v) => v.cleared.fields ?? []))];
  const withFields = (x: { kind: string; level: ModificationLevel }) => (fields.length ? { ...x, fields } : x);
  if (c.kind === 'new') {
    // The most lenient explanation wins (pyHanko: explained at LTA level means explained).
    const best = vs.reduce((a, b) => (levelRank(levelOf(b)) < levelRank(levelOf(a)) ? b : a));
    return { kind: kindOf(best), level: levelOf(best), ...(best.cleared.fields?.length ? { fields: best.cleared.fields } : {}) };
  }
  // Overwritten or freed: every usage in the earlier revision must be vouched for.
  let level: ModificationLevel = 'none';
  for (const v of vs) level = maxLevel(level, levelOf(v));
  const strongest = vs.find((v) => levelOf(v) === level) ?? vs[0]!;
  if (vs.some((v) => v.cleared.usages === 'all')) return withFields({ kind: kindOf(strongest), level });
  const allowed: Usage[] = vs.flatMap((v) => (Array.isArray(v.cleared.usages) ? v.cleared.usages : []));
  if (!usages.onlyThrough(c.tag, allowed)) return undefined;
  return withFields({ kind: kindOf(strongest), level });
}

function summarise(r: number, entries: Map<string, RevisionModification>): RevisionAnalysis {
  const list = [...entries.values()];
  // Unexplained changes first: they are what a reader needs to see.
  list.sort((a, b) => Number(b.level === 'other') - Number(a.level === 'other'));
  let level: ModificationLevel = 'none';
  for (const e of list) level = maxLevel(level, e.level);
  return { revision: r, level, entries: list };
}

/** A name for an unexplained change, for the report: what a reader would see differently. */
function describe(pdf: PdfFile, c: Change, r: number): string {
  const d = dictOf(c.after) ?? dictOf(c.before);
  const type = d && nameOf(d.get(N('Type')));
  const subtype = d && nameOf(d.get(N('Subtype')));
  if (type === 'Page') return c.kind === 'new' ? 'page-added' : 'page';
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

function dictOf(o: PDFObject | undefined): PDFDict | undefined {
  if (o instanceof PDFRawStream) return o.dict;
  return o instanceof PDFDict ? o : undefined;
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
