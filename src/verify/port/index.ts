/**
 * Which crypto port the verifier uses: the platform's default (./default.ts: Node's; the verification page's build
 * resolves it to ./default-browser.ts, so the page's bundle holds no node:crypto). Tests switch ports with
 * useVerifierPort to hold both implementations to the same results.
 */
import { defaultVerifierPort } from './default.js';
import type { HashName, VerifierPort } from './types.js';

export type { Hasher, SignatureCheckRequest, SignatureVerdict, VerifierPort } from './types.js';
export { InflateError } from './types.js';

let current: VerifierPort = defaultVerifierPort;

export const verifierPort = (): VerifierPort => current;

/** Sets the port; returns the previous one (to restore it). */
export function useVerifierPort(port: VerifierPort): VerifierPort {
  const previous = current;
  current = port;
  return previous;
}

/** The digest of `data` (or of its parts in order, hashed as one stream). */
export function digestBytes(hash: HashName, data: Uint8Array | Uint8Array[]): Uint8Array {
  const h = current.hasher(hash);
  for (const part of Array.isArray(data) ? data : [data]) h.update(part);
  return h.digest();
}
