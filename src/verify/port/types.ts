/**
 * The verifier's crypto port (DESIGN.md "One ASN.1 layer"): the only things the verifier needs from its
 * platform — hashing, signature verification and inflate — behind one interface with a Node implementation
 * (node:crypto, node:zlib) and a browser one (WebCrypto where it serves, pure-JS libraries for the rest).
 * Everything else in src/verify, src/asn1 and the src/pdf reader is platform-free and reaches the platform
 * only through `verifierPort()` (./index.ts).
 *
 * Hashing is synchronous (a document is hashed as a stream of byte ranges, and certificate identifiers are
 * hashed in the middle of path building); signature verification is asynchronous because WebCrypto is.
 */
import type { Curve, HashName } from '../../algorithms/table.js';

export type { Curve, HashName } from '../../algorithms/table.js';

/** An incremental hash: update with parts in order, then digest once. */
export interface Hasher {
  update(data: Uint8Array): Hasher;
  digest(): Uint8Array;
}

/**
 * One signature check, already dispatched by the algorithm table (src/verify/signature-algorithms.ts):
 * the port verifies, it does not decide which algorithms are acceptable.
 */
export type SignatureCheckRequest =
  | {
      scheme: 'ecdsa'; curve: Curve; hash: HashName;
      /** 'der': SEQUENCE { r, s } (X9.62, CMS); 'ieee-p1363': r ‖ s (BSI TR-03111 "plain"). */
      encoding: 'der' | 'ieee-p1363';
      spki: Uint8Array; data: Uint8Array[]; signature: Uint8Array;
    }
  | { scheme: 'rsa-pkcs1'; hash: HashName; spki: Uint8Array; data: Uint8Array[]; signature: Uint8Array }
  /** MGF1 with the same hash (the only combination the dispatcher passes on). */
  | { scheme: 'rsa-pss'; hash: HashName; saltLength: number; spki: Uint8Array; data: Uint8Array[]; signature: Uint8Array }
  | { scheme: 'ed25519' | 'ed448'; spki: Uint8Array; data: Uint8Array[]; signature: Uint8Array }
  /** SM2 with SM3 (GB/T 32918.2) and the user ID 1234567812345678 (GM/T 0009); `point` is 04 ‖ x ‖ y. */
  | { scheme: 'sm2'; point: Uint8Array; spki: Uint8Array; data: Uint8Array[]; signature: Uint8Array };

/**
 * 'valid' / 'invalid': the signature was checked. 'unsupported': this platform cannot check it (an OpenSSL
 * without SM3, a browser without a curve); the verifier reports that as INDETERMINATE, never INVALID.
 */
export type SignatureVerdict = 'valid' | 'invalid' | 'unsupported';

/** Thrown by `inflate` when the data is corrupt or would expand beyond the bound. */
export class InflateError extends Error {
  constructor(readonly reason: 'corrupt' | 'too-large', message: string) {
    super(message);
    this.name = 'InflateError';
  }
}

export interface VerifierPort {
  /** 'node' or 'browser', for tests and diagnostics only: no verifier code branches on it. */
  readonly platform: string;
  /** Throws for a hash the platform lacks (every HashName is available in both implementations). */
  hasher(hash: HashName): Hasher;
  verifySignature(req: SignatureCheckRequest): Promise<SignatureVerdict>;
  /**
   * zlib (RFC 1950) inflate, tolerant of a missing end marker (what PDF readers accept), refusing output
   * longer than `maxOutputBytes` (a decompression bomb) with InflateError('too-large').
   */
  inflate(data: Uint8Array, maxOutputBytes: number): Uint8Array;
}
