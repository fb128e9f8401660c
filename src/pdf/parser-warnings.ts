/**
 * Where the PDF parser's warnings go. pdf-lib's own parser writes them to the console (a file with half a million
 * huge numbers wrote a million lines to stdout whatever LOG_LEVEL said); ours never does: they go to this sink,
 * which the service points at its logger (debug level), at most WARNINGS_PER_DOCUMENT per document.
 */
import type { PDFContext } from 'pdf-lib';

export type WarningSink = (message: string) => void;

let sink: WarningSink = () => {};
const WARNINGS_PER_DOCUMENT = 10;
const counts = new WeakMap<PDFContext, number>();

export function setParserWarningSink(s: WarningSink): void {
  sink = s;
}

export function parserWarning(context: PDFContext, message: string): void {
  const n = (counts.get(context) ?? 0) + 1;
  counts.set(context, n);
  if (n <= WARNINGS_PER_DOCUMENT) sink(message);
  else if (n === WARNINGS_PER_DOCUMENT + 1) sink('further PDF parser warnings for this document are not logged');
}
