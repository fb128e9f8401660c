/**
 * The limits every parser of untrusted input works within (DESIGN.md, "Untrusted documents"), in one place.
 * Each value is far above what a real document needs and far below what hurts the service; the reason for each
 * is next to it. Past a limit, `LimitExceeded` (422 `document-too-complex`, naming the limit) is thrown.
 *
 * Scope says what a limit guards: `document` limits guard the PDF's structure (the whole request is refused);
 * `signature` limits guard one signature's CMS and certification path (on verification that signature alone is
 * INDETERMINATE `document-too-complex`, the others are still reported).
 */
import { AppError } from './errors.js';

export interface Limit {
  readonly name: string;
  readonly value: number;
  readonly scope: 'document' | 'signature';
  /** Why this value: what real documents need, what an attacker would need. */
  readonly why: string;
}

const limit = (name: string, value: number, scope: Limit['scope'], why: string): Limit => ({ name, value, scope, why });

const MiB = 1024 * 1024;

export const LIMITS = {
  /** Decoded size of one stream (xref, object, metadata, image, DSS stream). */
  inflatePerStream: limit('inflate-per-stream', 32 * MiB, 'document',
    'the streams the service decodes are structural (xref and object streams: under 2 MB for a 10,000-page document), metadata, DSS entries and seal images (a few MB); 32 MB keeps one flate bomb (ratio ~1000:1, ~10^6 with chained filters) from holding gigabytes'),
  /** Decoded bytes of all streams of one document, summed over every decode. */
  inflatePerDocument: limit('inflate-per-document', 128 * MiB, 'document',
    'four times the per-stream cap: enough for a document whose object streams are re-read per revision, small enough that many bombs in one file cannot add up to gigabytes'),
  /** Cross-reference entries of one document, summed over every section. */
  objects: limit('objects', 500_000, 'document',
    'a 2,000-page document has about 10,000 objects and the largest real files a few hundred thousand; a million-object update took 28 s and 0.8 GB'),
  /** Entries of the per-revision merged cross-reference maps, summed over the revisions. */
  crossReferenceEntries: limit('cross-reference-entries', 4_000_000, 'document',
    'the reader keeps one merged map per revision (about 50 bytes an entry): 4 million entries, about 200 MB, is 100 revisions of a 40,000-object document'),
  /** Cross-reference sections on the /Prev chain. */
  revisions: limit('revisions', 1_000, 'document',
    'a B-LTA seal adds three revisions; a document sealed by 300 units stays below it'),
  /** Nesting of arrays and dictionaries inside one object. */
  nestingDepth: limit('nesting-depth', 100, 'document',
    'real PDFs nest a handful of levels (page -> resources -> font -> descriptor); deep nesting overflows the parser\'s stack'),
  /** Pages of the page tree (leaves reached by a walk). */
  pages: limit('pages', 100_000, 'document',
    'ten times the longest real document (a 10,000-page register); a page tree that lists kids again and again would otherwise be walked for ever'),
  /** Objects a walk over the reference graph (page tree, fields, modification analysis) may visit. */
  walkObjects: limit('walk-objects', 1_000_000, 'document',
    'twice the object limit: a walk that remembers what it visited never needs more'),
  /** Certificates in one CMS (signature or time-stamp token). */
  certificatesPerCms: limit('certificates-per-cms', 100, 'signature',
    'a CMS carries the signer and its chain (3 to 10 certificates, a few more with cross-certificates); 10,000 certificates took 22 s to parse'),
  /** Certificates in the document's DSS (all signatures' validation data). */
  certificatesPerDss: limit('certificates-per-dss', 2_000, 'document',
    'a DSS holds each signer\'s chain and the OCSP and CRL signers: 300 signers with 6 certificates each stay below it'),
  /** Depth of a certification path (leaf to anchor). */
  chainDepth: limit('chain-depth', 8, 'signature',
    'real paths are 2 to 4 certificates long; 8 allows bridge and cross-certified hierarchies'),
  /** Candidate issuers tried for one certificate (after deduplication by subject and key). */
  chainCandidates: limit('chain-candidates', 16, 'signature',
    'a CA rarely has more than 2 or 3 live certificates with one name (re-keying, cross-certificates)'),
  /** Issuer-signature checks during one path search: the chain-building work budget. */
  chainWork: limit('chain-work', 2_000, 'signature',
    'a real search checks under 20 links; 24 same-name CA certificates made the unbounded search try every ordering'),
} as const;

export type LimitName = keyof typeof LIMITS;

/** 422 `document-too-complex`: the input passed one of LIMITS. `details.limit` names it. */
export class LimitExceeded extends AppError {
  readonly limit: Limit;
  constructor(which: Limit, what?: string) {
    super(422, 'document-too-complex',
      `The document is too complex to process: ${what ?? which.name} passes the limit ${which.name} (${which.value}).`,
      { limit: which.name, value: which.value });
    this.limit = which;
  }
}

/** Throws LimitExceeded when `n` passes `which`. */
export function within(which: Limit, n: number, what?: string): void {
  if (n > which.value) throw new LimitExceeded(which, what);
}
