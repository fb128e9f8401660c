/**
 * Bytes after the last revision's %%EOF that no cross-reference section accounts for. A reader that follows
 * startxref never sees them, but a viewer that reconstructs a damaged file does: an update appended with new
 * object definitions and no xref or trailer shows those objects there and nowhere else. Whitespace and zero
 * padding (some writers pad files to a block size) are harmless; anything else is reported as a change of
 * level `other` after every signature.
 */
import type { PdfFile } from '../pdf/reader.js';

const PADDING = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);

export interface UnaccountedBytes {
  start: number;
  length: number;
  /** Object definitions ("12 0") found among them, at most 20. */
  objects: string[];
}

export function unaccountedBytes(pdf: PdfFile): UnaccountedBytes | undefined {
  const last = pdf.revisions[pdf.revisions.length - 1];
  if (!last) return undefined;
  const bytes = pdf.bytes;
  let start = last.end;
  while (start < bytes.length && PADDING.has(bytes[start]!)) start++;
  if (start >= bytes.length) return undefined;
  // Read at most 1 MiB of the tail for object headers; the verdict does not depend on finding them.
  const tail = Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.min(bytes.length - start, 1 << 20)).toString('latin1');
  const objects: string[] = [];
  for (const m of tail.matchAll(/(?:^|[^\d])(\d{1,10})[ \t\r\n\f\0]+(\d{1,5})[ \t\r\n\f\0]+obj\b/g)) {
    const label = `${m[1]} ${m[2]}`;
    if (!objects.includes(label)) objects.push(label);
    if (objects.length >= 20) break;
  }
  return { start, length: bytes.length - start, objects };
}
