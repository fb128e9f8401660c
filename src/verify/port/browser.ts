/**
 * The verifier's crypto port in a browser (the verification page), usable in Node too (Node 20 has
 * globalThis.crypto.subtle), which is how the tests hold it to the same results as ./node.ts:
 * - signatures: WebCrypto where it serves (ECDSA on P-256/384/521, RSA PKCS#1 v1.5 and PSS with SHA-1/2,
 *   Ed25519), @noble/curves for what WebCrypto lacks (ECDSA with other digests or on brainpool curves, Ed448,
 *   Ed25519 in a browser without it), sm-crypto-v2 for SM2 (src/algorithms/sm2-pure.ts);
 * - hashing: @noble/hashes and sm-crypto-v2's SM3, synchronous because the verifier hashes inside its
 *   synchronous parts (WebCrypto's digest is asynchronous only);
 * - inflate: fflate, fed in slices so that a decompression bomb is stopped at the bound, not after it.
 * RSA with SHA-224 or SHA-3 digests has no WebCrypto and no maintained pure-JS verifier here: 'unsupported'.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import { brainpoolP256r1, brainpoolP384r1, brainpoolP512r1 } from '@noble/curves/misc.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { sha3_256, sha3_384, sha3_512, shake256_64 } from '@noble/hashes/sha3.js';
import { Unzlib } from 'fflate';
import * as pkijs from 'pkijs';
import { decodeAs } from '../../asn1/der.js';
import { sm2VerifyPure, sm3Pure } from '../../algorithms/sm2-pure.js';
import { CURVES, type Curve, type HashName } from '../../algorithms/table.js';
import { InflateError, type Hasher, type SignatureCheckRequest, type SignatureVerdict, type VerifierPort } from './types.js';

type NobleHash = { create(): { update(d: Uint8Array): unknown; digest(): Uint8Array } };
const NOBLE: Record<Exclude<HashName, 'SM3'>, NobleHash> = {
  'SHA-1': sha1, 'SHA-224': sha224, 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512,
  'SHA3-256': sha3_256, 'SHA3-384': sha3_384, 'SHA3-512': sha3_512, SHAKE256: shake256_64,
};

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function hasher(hash: HashName): Hasher {
  if (hash === 'SM3') {
    // sm-crypto-v2 hashes a whole message; the parts are kept and hashed once.
    const parts: Uint8Array[] = [];
    const self: Hasher = { update(d) { parts.push(Uint8Array.from(d)); return self; }, digest: () => sm3Pure(concat(parts)) };
    return self;
  }
  const h = NOBLE[hash].create();
  const self: Hasher = { update(d) { h.update(d); return self; }, digest: () => h.digest() };
  return self;
}
const digestOf = (hash: HashName, parts: Uint8Array[]): Uint8Array => {
  const h = hasher(hash);
  for (const p of parts) h.update(p);
  return h.digest();
};

const subtle = (): SubtleCrypto | undefined => globalThis.crypto?.subtle;
/** WebCrypto's digest names, for the digests it has. */
const WEB_HASH: Partial<Record<HashName, string>> = { 'SHA-1': 'SHA-1', 'SHA-256': 'SHA-256', 'SHA-384': 'SHA-384', 'SHA-512': 'SHA-512' };
const WEB_CURVE: Partial<Record<Curve, string>> = { 'P-256': 'P-256', 'P-384': 'P-384', 'P-521': 'P-521' };
const NOBLE_CURVE: Partial<Record<Curve, typeof p256>> = { 'P-256': p256, 'P-384': p384, 'P-521': p521, brainpoolP256r1, brainpoolP384r1, brainpoolP512r1 };

/** Copies into a fresh ArrayBuffer-backed array (WebCrypto's BufferSource typing refuses shared buffers). */
const own = (b: Uint8Array): Uint8Array<ArrayBuffer> => Uint8Array.from(b);

/** The subjectPublicKey bits and the key's algorithm OID. */
function rawKey(spki: Uint8Array): { oid: string; bits: Uint8Array } {
  const info = decodeAs(pkijs.PublicKeyInfo, spki, 'SubjectPublicKeyInfo');
  return { oid: info.algorithm.algorithmId, bits: new Uint8Array(info.subjectPublicKey.valueBlock.valueHexView) };
}

/** DER SEQUENCE { r INTEGER, s INTEGER } to r ‖ s of `size` bytes each, or undefined when it is not exactly that. */
export function derToP1363(der: Uint8Array, size: number): Uint8Array | undefined {
  let i = 0;
  const len = (): number | undefined => {
    const first = der[i++];
    if (first === undefined) return undefined;
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n === 0 || n > 2) return undefined;
    let v = 0;
    for (let k = 0; k < n; k++) { const b = der[i++]; if (b === undefined) return undefined; v = v * 256 + b; }
    return v;
  };
  if (der[i++] !== 0x30) return undefined;
  const seqLen = len();
  if (seqLen === undefined || i + seqLen !== der.length) return undefined;
  const out = new Uint8Array(size * 2);
  for (const at of [0, size]) {
    if (der[i++] !== 0x02) return undefined;
    const l = len();
    if (l === undefined || l === 0 || i + l > der.length) return undefined;
    let v = der.subarray(i, i + l);
    i += l;
    if (v[0]! & 0x80) return undefined; // negative
    while (v.length > 1 && v[0] === 0) v = v.subarray(1);
    if (v.length > size) return undefined;
    out.set(v, at + size - v.length);
  }
  return i === der.length ? out : undefined;
}

async function webVerify(algorithm: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams, params: AlgorithmIdentifier | EcdsaParams | RsaPssParams,
  spki: Uint8Array, signature: Uint8Array, data: Uint8Array[]): Promise<boolean | undefined> {
  const s = subtle();
  if (!s) return undefined;
  let key: CryptoKey;
  try {
    key = await s.importKey('spki', own(spki), algorithm, false, ['verify']);
  } catch {
    return undefined; // this browser cannot import the key: let a pure-JS path or 'unsupported' decide
  }
  return s.verify(params, key, own(signature), own(concat(data)));
}

async function check(req: SignatureCheckRequest): Promise<SignatureVerdict> {
  const verdict = (ok: boolean | undefined): SignatureVerdict => (ok === undefined ? 'unsupported' : ok ? 'valid' : 'invalid');
  switch (req.scheme) {
    case 'sm2':
      return verdict(sm2VerifyPure(req.point, concat(req.data), req.signature));
    case 'ed448':
      return verdict(ed448.verify(req.signature, concat(req.data), rawKey(req.spki).bits));
    case 'ed25519': {
      const web = await webVerify({ name: 'Ed25519' }, { name: 'Ed25519' }, req.spki, req.signature, req.data);
      return verdict(web ?? ed25519.verify(req.signature, concat(req.data), rawKey(req.spki).bits));
    }
    case 'ecdsa': {
      const size = CURVES[req.curve].bytes;
      const p1363 = req.encoding === 'der' ? derToP1363(req.signature, size) : req.signature.length === size * 2 ? req.signature : undefined;
      if (!p1363) return 'invalid';
      const webCurve = WEB_CURVE[req.curve];
      const webHash = WEB_HASH[req.hash];
      if (webCurve && webHash) {
        const web = await webVerify({ name: 'ECDSA', namedCurve: webCurve }, { name: 'ECDSA', hash: webHash }, req.spki, p1363, req.data);
        if (web !== undefined) return verdict(web);
      }
      const curve = NOBLE_CURVE[req.curve];
      if (!curve) return 'unsupported';
      // ECDSA over any digest: the digest is computed here and truncated to the order's size by noble (bits2int).
      return verdict(curve.verify(p1363, digestOf(req.hash, req.data), rawKey(req.spki).bits, { prehash: false, lowS: false, format: 'compact' }));
    }
    case 'rsa-pkcs1':
    case 'rsa-pss': {
      const webHash = WEB_HASH[req.hash];
      if (!webHash) return 'unsupported';
      const name = req.scheme === 'rsa-pss' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
      const params = req.scheme === 'rsa-pss' ? { name, saltLength: req.saltLength } : { name };
      return verdict(await webVerify({ name, hash: webHash }, params, req.spki, req.signature, req.data));
    }
  }
}

/** Input slice fed to the inflater at a time: deflate expands at most ~1032:1, so one slice can overshoot the bound by ~16 MB at most. */
const INFLATE_SLICE = 16 * 1024;

export const browserVerifierPort: VerifierPort = {
  platform: 'browser',
  hasher,
  async verifySignature(req) {
    try {
      return await check(req);
    } catch {
      // Malformed keys or signatures throw in WebCrypto and noble alike: the signature does not verify.
      return 'invalid';
    }
  },
  inflate(data, maxOutputBytes) {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const z = new Unzlib((chunk) => {
      total += chunk.length;
      if (total > maxOutputBytes) throw new InflateError('too-large', `inflated data exceeds ${maxOutputBytes} bytes`);
      chunks.push(chunk);
    });
    try {
      // Never pushed as final: a stream without its end marker yields what it has, as with zlib's Z_SYNC_FLUSH.
      for (let at = 0; at < data.length; at += INFLATE_SLICE) z.push(data.subarray(at, at + INFLATE_SLICE), false);
    } catch (e) {
      if (e instanceof InflateError) throw e;
      throw new InflateError('corrupt', (e as Error).message);
    }
    return concat(chunks);
  },
};
