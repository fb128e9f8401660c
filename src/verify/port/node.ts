/**
 * The verifier's crypto port on Node (the service, `seal verify`, the one-file bundle): node:crypto and
 * node:zlib. SM2 goes through node:crypto where its OpenSSL has SM2 and SM3 (Debian's and Node's own builds
 * do; a FIPS build does not, and then an SM2 signature is 'unsupported'), with Z_A computed and prepended
 * by hand (src/algorithms/sm2.ts), which OpenSSL's EVP interface does not do for us.
 */
import { createHash, createPublicKey, createVerify, constants, getHashes, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { inflateSync, constants as zlibConstants } from 'node:zlib';
import { sm2Za } from '../../algorithms/sm2.js';
import { CURVES, HASHES, type HashName } from '../../algorithms/table.js';
import { Lru } from '../../lru.js';
import { InflateError, type Hasher, type SignatureCheckRequest, type SignatureVerdict, type VerifierPort } from './types.js';

const keyCache = new Lru<string, KeyObject>(1024);

/** A node:crypto key object for a SubjectPublicKeyInfo (cached: a CA's key checks every certificate it issued). */
export function publicKeyFromSpki(spki: Uint8Array): KeyObject {
  const buf = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength);
  return keyCache.getOr(buf.toString('latin1'), () => createPublicKey({ key: Buffer.from(buf), format: 'der', type: 'spki' }));
}

const nodeHasSm3 = getHashes().includes('sm3');
const sm3 = (d: Uint8Array): Uint8Array => createHash('sm3').update(d).digest();

function hasher(hash: HashName): Hasher {
  const h = createHash(HASHES[hash].node, hash === 'SHAKE256' ? { outputLength: HASHES.SHAKE256.length } : undefined);
  const self: Hasher = {
    update(d) { h.update(d); return self; },
    digest: () => h.digest(),
  };
  return self;
}

/** node:crypto's streaming verify over the parts (RSA, ECDSA); EdDSA signs the whole message at once. */
function verifyParts(hash: string | null, parts: Uint8Array[], key: KeyObject | { key: KeyObject; [k: string]: unknown }, signature: Uint8Array): boolean {
  if (hash === null) return cryptoVerify(null, parts.length === 1 ? parts[0]! : Buffer.concat(parts), key as KeyObject, signature);
  if (parts.length === 1) return cryptoVerify(hash, parts[0]!, key as KeyObject, signature);
  const v = createVerify(hash);
  for (const p of parts) v.update(p);
  return v.verify(key as KeyObject, signature);
}

function check(req: SignatureCheckRequest): SignatureVerdict {
  if (req.scheme === 'sm2') {
    if (!nodeHasSm3) return 'unsupported';
    const v = createVerify('SM3').update(sm2Za(req.point, sm3));
    for (const p of req.data) v.update(p);
    return v.verify(publicKeyFromSpki(req.spki), req.signature) ? 'valid' : 'invalid';
  }
  let key: KeyObject;
  try {
    key = publicKeyFromSpki(req.spki);
  } catch {
    return 'unsupported';
  }
  const ok = (b: boolean): SignatureVerdict => (b ? 'valid' : 'invalid');
  switch (req.scheme) {
    case 'ed25519':
    case 'ed448':
      if (key.asymmetricKeyType !== req.scheme) return 'unsupported';
      return ok(verifyParts(null, req.data, key, req.signature));
    case 'ecdsa':
      if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== CURVES[req.curve].node) return 'unsupported';
      return ok(verifyParts(HASHES[req.hash].node, req.data, { key, dsaEncoding: req.encoding }, req.signature));
    case 'rsa-pss':
      if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return 'unsupported';
      return ok(verifyParts(HASHES[req.hash].node, req.data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: req.saltLength }, req.signature));
    case 'rsa-pkcs1':
      if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return 'unsupported';
      return ok(verifyParts(HASHES[req.hash].node, req.data, { key, padding: constants.RSA_PKCS1_PADDING }, req.signature));
  }
}

export const nodeVerifierPort: VerifierPort = {
  platform: 'node',
  hasher,
  async verifySignature(req) {
    try {
      return check(req);
    } catch {
      // node:crypto throws on malformed signatures and keys; for a verifier that is simply "does not verify".
      return 'invalid';
    }
  },
  inflate(data, maxOutputBytes) {
    try {
      return inflateSync(data, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: maxOutputBytes });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
        throw new InflateError('too-large', `inflated data exceeds ${maxOutputBytes} bytes`);
      throw new InflateError('corrupt', (e as Error).message);
    }
  },
};
