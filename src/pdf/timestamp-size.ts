/**
 * How many bytes a time-stamp token from a given TSA takes, so placeholders are sized from the real token:
 * one trial request per Timestamper (cached), plus a margin for what varies between tokens (serial number,
 * the TSA's signature, the time's fraction digits).
 */
import type { DigestName, Timestamper } from './cms.js';
import { DIGESTS } from './cms.js';

const MARGIN = 96;
const sizes = new WeakMap<Timestamper, number>();

export async function timestampTokenSize(timestamper: Timestamper, digest: DigestName): Promise<number> {
  const known = sizes.get(timestamper);
  if (known !== undefined) return known;
  const trial = await timestamper(Buffer.alloc(DIGESTS[digest].length, 0x5a), digest);
  const size = trial.length + MARGIN;
  sizes.set(timestamper, size);
  return size;
}

/** After a real token came back bigger than the cached estimate, remember the larger size. */
export function noteTimestampTokenSize(timestamper: Timestamper, tokenLength: number): void {
  const known = sizes.get(timestamper) ?? 0;
  if (tokenLength + MARGIN > known) sizes.set(timestamper, tokenLength + MARGIN);
}
