/**
 * Writing a revision that carries a signature (or a document time-stamp): the signature dictionary gets a
 * fixed-width /ByteRange and a zero-filled /Contents placeholder; after the update is written into its one
 * buffer, the ranges are patched in, the ranges are hashed with one streaming hash over subarrays, and the
 * CMS (or time-stamp token) is written as hex into the placeholder.
 */
import { createHash } from 'node:crypto';
import { PDFDict, PDFInvalidObject, PDFName, PDFRef } from 'pdf-lib';
import { DIGESTS, type DigestName } from '../algorithms/table.js';
import { AppError } from '../errors.js';
import type { IncrementalUpdate, WriteOptions } from './incremental-writer.js';

/** Room for offsets up to 10 digits (9.3 GB), written over by the real ranges padded with spaces. */
const BYTE_RANGE_PLACEHOLDER = '[0 0000000000 0000000000 0000000000]';

export type { DigestName } from '../algorithms/table.js';

/** Sets /ByteRange and /Contents placeholders on a signature dictionary (put them before other entries). */
export function setPlaceholders(sig: PDFDict, contentsBytes: number): void {
  sig.set(PDFName.of('ByteRange'), PDFInvalidObject.of(Buffer.from(BYTE_RANGE_PLACEHOLDER, 'latin1')));
  sig.set(PDFName.of('Contents'), PDFInvalidObject.of(Buffer.from(`<${'0'.repeat(contentsBytes * 2)}>`, 'latin1')));
}

/** Thrown when the produced CMS/token does not fit; the caller retries with `needed` bytes. */
export class PlaceholderTooSmall extends Error {
  constructor(readonly needed: number) {
    super(`signature needs ${needed} bytes`);
  }
}

export interface SignedRevision {
  bytes: Buffer;
  byteRange: [number, number, number, number];
  digest: Buffer;
  /** The DER written into /Contents (without padding). */
  contents: Buffer;
}

/**
 * Writes the update `u` (which holds `sigRef` with placeholders), then fills the ByteRange and /Contents.
 * `produce` turns the ByteRange digest into the DER to embed.
 */
export async function writeSignedRevision(
  u: IncrementalUpdate,
  sigRef: PDFRef,
  digestName: DigestName,
  produce: (digest: Buffer, byteRange: readonly [number, number, number, number]) => Promise<Buffer>,
  writeOptions: WriteOptions = {},
): Promise<SignedRevision> {
  const written = u.write(writeOptions);
  const out = written.bytes;
  const span = written.spans.get(sigRef.objectNumber);
  if (!span) throw new Error('the signature dictionary was not written');
  const region = out.subarray(span.start, span.end);
  const brAt = region.indexOf('/ByteRange ' + BYTE_RANGE_PLACEHOLDER);
  const ctAt = region.indexOf('/Contents <');
  if (brAt < 0 || ctAt < 0) throw new Error('signature placeholders not found');
  const brStart = span.start + brAt + '/ByteRange '.length;
  const contentsStart = span.start + ctAt + '/Contents '.length; // at '<'
  const contentsEnd = out.indexOf(0x3e /* > */, contentsStart) + 1; // after '>'
  const byteRange: [number, number, number, number] = [0, contentsStart, contentsEnd, out.length - contentsEnd];
  const text = `[${byteRange.join(' ')}]`;
  out.write(text.padEnd(BYTE_RANGE_PLACEHOLDER.length, ' '), brStart, 'latin1');

  const hash = createHash(DIGESTS[digestName].node);
  hash.update(out.subarray(0, contentsStart));
  hash.update(out.subarray(contentsEnd));
  const digest = hash.digest();

  const contents = await produce(digest, byteRange);
  const room = (contentsEnd - contentsStart - 2) / 2;
  if (contents.length > room) throw new PlaceholderTooSmall(contents.length);
  out.write(contents.toString('hex').toUpperCase(), contentsStart + 1, 'latin1');
  return { bytes: out, byteRange, digest, contents };
}

/** Runs `attempt(size)`, retrying once with a larger placeholder if the first guess was short. */
export async function withPlaceholderRetry<T>(size: number, attempt: (size: number) => Promise<T>): Promise<T> {
  try {
    return await attempt(size);
  } catch (e) {
    if (!(e instanceof PlaceholderTooSmall)) throw e;
    try {
      return await attempt(e.needed + 256);
    } catch (e2) {
      if (e2 instanceof PlaceholderTooSmall) {
        throw new AppError(500, 'signature-size', 'The signature did not fit its placeholder twice.');
      }
      throw e2;
    }
  }
}
