/**
 * How many bytes a time-stamp token from a given TSA takes, so placeholders are sized from the real token:
 * one trial request per Timestamper (cached), plus a margin for what varies between tokens (serial number,
 * the TSA's signature, the time's fraction digits).
 */
import type { DigestName, Timestamper } from './cms.js';
import { DIGESTS } from './cms.js';

const MARGIN = 96;
/** Per timestamper and digest: one TSA may answer SHA-2 and SM3 imprints with different signers (our ECDSA and SM2 TSAs). */
const sizes = new WeakMap<Timestamper, Map<DigestName, number>>();
const sizesOf = (t: Timestamper): Map<DigestName, number> => {
  let m = sizes.get(t);
  if (!m) sizes.set(t, (m = new Map()));
  return m;
};

export async function timestampTokenSize(timestamper: Timestamper, digest: DigestName): Promise<number> {
  const known = sizesOf(timestamper).get(digest);
  if (known !== undefined) return known;
  const trial = await timestamper(Buffer.alloc(DIGESTS[digest].length, 0x5a), digest);
  const size = trial.length + MARGIN;
  sizesOf(timestamper).set(digest, size);
  return size;
}

/** After a real token came back bigger than the cached estimate, remember the larger size. */
export function noteTimestampTokenSize(timestamper: Timestamper, tokenLength: number, digest: DigestName): void {
  const known = sizesOf(timestamper).get(digest) ?? 0;
  if (tokenLength + MARGIN > known) sizesOf(timestamper).set(digest, tokenLength + MARGIN);
}
