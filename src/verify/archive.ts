/**
 * Long-term validation: what the document's archive (document) time-stamps prove at the validation time.
 *
 * A document time-stamp is a proof of existence (POE): everything in the revisions before it — signatures,
 * their time-stamps, DSS validation data — existed at its time. That proof is worth something at the
 * validation time T only if the time-stamp itself can be relied on at T: its TSA's certificates are still
 * valid at T, or a later archive time-stamp, itself relied on, proves that this one existed while they
 * were (ETSI EN 319 102-1 §5.6, the chain of archive time-stamps that `seal extend` renews).
 */
import type { ParsedCertificate } from './certificate.js';
import type { TimestampResult } from './timestamp.js';

export interface ArchiveStamp {
  /** The revision the document time-stamp is in (it covers every revision before it). */
  revision: number;
  result: TimestampResult;
}

/** The earliest notAfter among the certificates of a path below its trust anchor (leaf first, anchor last). */
export function pathExpiry(path: ParsedCertificate[]): Date {
  let min = Infinity;
  for (const c of path.slice(0, -1)) min = Math.min(min, c.notAfter.getTime());
  return new Date(min);
}

/** The first certificate below the anchor that is not valid at `at`, if any. */
export function expiredIn(path: ParsedCertificate[], at: Date): ParsedCertificate | undefined {
  return path.slice(0, -1).find((c) => at.getTime() > c.notAfter.getTime() || at.getTime() < c.notBefore.getTime());
}

export class ArchiveTimestamps {
  private readonly trustedSet = new Set<ArchiveStamp>();

  constructor(readonly stamps: ArchiveStamp[], readonly at: Date) {
    // Newest first: a stamp is relied on when its TSA is still valid at T, or a newer relied-on stamp
    // was made before this one's TSA certificates expired.
    const newestFirst = [...stamps].sort((a, b) => b.revision - a.revision);
    for (const s of newestFirst) {
      if (!s.result.ok) continue;
      if (!expiredIn(s.result.path, at)) {
        this.trustedSet.add(s);
        continue;
      }
      const expiry = pathExpiry(s.result.path).getTime();
      const renewed = newestFirst.some((n) => n.revision > s.revision && this.trustedSet.has(n) && n.result.ok && n.result.genTime.getTime() <= expiry);
      if (renewed) this.trustedSet.add(s);
    }
  }

  /** Whether the stamp can be relied on at the validation time. */
  trusted(stamp: ArchiveStamp): boolean {
    return this.trustedSet.has(stamp);
  }

  /**
   * The earliest time at which a relied-on archive time-stamp proves that the bytes of `revision` existed
   * (it must come after that revision), or undefined when none does.
   */
  poe(revision: number): Date | undefined {
    let best: number | undefined;
    for (const s of this.trustedSet) {
      if (s.revision <= revision || !s.result.ok) continue;
      const t = s.result.genTime.getTime();
      if (best === undefined || t < best) best = t;
    }
    return best === undefined ? undefined : new Date(best);
  }
}
