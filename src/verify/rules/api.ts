/**
 * The vocabulary of the change analysis (after pyHanko's `rules_api`): what a revision changed, the two
 * views a rule compares, and what a rule answers — the objects it clears, at which modification level.
 *
 * A rule is a small object: a name, the level it clears at, and one method from (old revision, update)
 * to the objects it clears. It never decides whether a change is allowed: the policy (../modifications.ts)
 * adds up what the rules cleared, and DocMDP/FieldMDP are compared with the resulting level afterwards.
 */
import type { PDFArray, PDFDict, PDFObject, PDFRef } from 'pdf-lib';
import type { PdfFile } from '../../pdf/reader.js';
import type { ModificationLevel } from '../types.js';

export type { ModificationLevel } from '../types.js';

/** pyHanko's modification levels, in order; `other` is never allowed. */
export const LEVELS: readonly ModificationLevel[] = ['none', 'lta-updates', 'form-filling', 'annotations', 'other'];
export const levelRank = (l: ModificationLevel): number => LEVELS.indexOf(l);
export const maxLevel = (a: ModificationLevel, b: ModificationLevel): ModificationLevel => (levelRank(a) >= levelRank(b) ? a : b);

/** One object that a revision adds, overwrites or frees, by its number and generation ("12 0 R"). */
export interface Change {
  tag: string;
  num: number;
  gen: number;
  kind: 'new' | 'overwritten' | 'freed';
  /** The object as the earlier revision saw it (overwritten and freed objects). */
  before?: PDFObject;
  /** The object as this revision defines it (new and overwritten objects). */
  after?: PDFObject;
}

/**
 * A place in the EARLIER revision through which an overwritten object is reached: the value of `key` in the
 * indirect object `from` (or in the trailer). An overwritten object is cleared only when every way the earlier
 * revision reached it passes through a place its rule vouched for — so a rule for one field's appearance cannot
 * clear an object that a page also draws.
 */
export interface Usage { from: string | 'trailer'; key: string }

export interface Cleared {
  tag: string;
  /** The level this object needs, when it differs from the rule's own (an invisible time-stamp field, say). */
  level?: ModificationLevel;
  /** The kind reported for this object, when it differs from the rule's name. */
  kind?: string;
  /**
   * For an overwritten object: the usages in the earlier revision the rule vouched for, or 'all' when the
   * rule compared the object itself and every usage sees the same harmless change (the catalog, a page that
   * only gained annotations). Ignored for new objects.
   */
  usages?: Usage[] | 'all';
  /** Form fields (fully qualified names) whose value or appearance this change touches, for FieldMDP. */
  fields?: string[];
}

/** One revision as a rule reads it. */
export interface RevisionView {
  readonly pdf: PdfFile;
  readonly index: number;
  readonly trailer: PDFDict;
  readonly rootRef: PDFRef | undefined;
  readonly catalog: PDFDict | undefined;
  get(o: PDFObject | undefined): PDFObject | undefined;
  dict(o: PDFObject | undefined): PDFDict | undefined;
  array(o: PDFObject | undefined): PDFArray | undefined;
  /** Every indirect object reachable from `o` in this revision (tags), bounded. */
  reachable(o: PDFObject | undefined): Set<string>;
}

/** The newer revision, with what it changed relative to the older one. */
export interface UpdateView extends RevisionView {
  readonly changes: ReadonlyMap<string, Change>;
  /** True when `tag` is an object this revision defines and the earlier one did not have. */
  isNew(tag: string): boolean;
  /** True when the signature dictionary's /ByteRange ends with this very revision (it was signed by it). */
  signedHere(sig: PDFDict): boolean;
}

export interface DiffRule {
  /** Also the kind reported for what it clears ("dss", "signature", …). */
  readonly name: string;
  readonly level: ModificationLevel;
  clears(old: RevisionView, update: UpdateView): Iterable<Cleared>;
}
