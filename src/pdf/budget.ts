/**
 * The per-document work budget: what every decode of one document's streams has used so far, and the first
 * limit it passed. Keyed by the document's PDFContext (every parsed object knows its context), so the free
 * function `decodeStream(stream)` charges the right document without threading a parameter through every caller.
 *
 * `tripped` remembers a passed document limit even when a caller swallowed the error (several analyses treat an
 * unreadable object as "unknown" and go on); verification refuses such a document as a whole at the end.
 */
import type { PDFContext } from 'pdf-lib';
import { LimitExceeded, LIMITS, type Limit } from '../limits.js';

export interface DocumentBudget {
  inflated: number;
  tripped?: LimitExceeded;
}

const budgets = new WeakMap<PDFContext, DocumentBudget>();

export function budgetOf(context: PDFContext): DocumentBudget {
  let b = budgets.get(context);
  if (!b) { b = { inflated: 0 }; budgets.set(context, b); }
  return b;
}

/** Throws (and remembers) LimitExceeded for `which`. */
export function exceed(context: PDFContext | undefined, which: Limit, what?: string): never {
  const e = new LimitExceeded(which, what);
  if (context && which.scope === 'document') budgetOf(context).tripped ??= e;
  throw e;
}

/** Throws (and remembers) when `n` passes `which`. */
export function charge(context: PDFContext | undefined, which: Limit, n: number, what?: string): void {
  if (n > which.value) exceed(context, which, what);
}

/** How many more bytes this document may inflate, capped per stream. */
export function inflateAllowance(context: PDFContext): number {
  return Math.max(0, Math.min(LIMITS.inflatePerStream.value, LIMITS.inflatePerDocument.value - budgetOf(context).inflated));
}
