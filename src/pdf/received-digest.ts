/**
 * SHA-256 of a document taken while its bytes arrive, so that the register's hash of it costs no pass of its own over
 * a large document once it is whole (~10-20 ms of the HTTP thread for 8 MB here, where the thread would otherwise
 * wait for the network). Kept per document buffer; taken once; used only if it covered exactly the buffer's bytes.
 */
import { createHash, type Hash } from 'node:crypto';

const digests = new WeakMap<Uint8Array, { hash: Hash; length: number }>();

/** A running SHA-256 for a document being received: update() with each chunk in order, then finish() with its buffer. */
export function receivingDigest(): { update(chunk: Uint8Array): void; finish(document: Uint8Array): void } {
  const hash = createHash('sha256');
  let length = 0;
  return {
    update(chunk) {
      hash.update(chunk);
      length += chunk.length;
    },
    finish(document) {
      digests.set(document, { hash, length });
    },
  };
}

/**
 * A SHA-256 over exactly `document`'s bytes, not yet digested: the one taken while it was received, else one made
 * now. The received one is handed out once (a Hash can be finished once).
 */
export function sha256Of(document: Uint8Array): Hash {
  const taken = digests.get(document);
  digests.delete(document);
  if (taken && taken.length === document.length) return taken.hash;
  return createHash('sha256').update(document);
}
