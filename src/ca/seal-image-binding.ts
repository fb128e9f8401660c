import { HASH_LENGTHS, HASH_OIDS, hashByOid, type HashAlgorithm } from '../crypto/algorithms.js';
import { AppError } from '../errors.js';
import { implicitPrimitive, octets, oid, seq, unsignedIntegerContent } from './der.js';
import { certParts, children, content, DerError, expectTag, parseTop, readOid, readSmallInteger, type Node } from './der-read.js';
import { extension } from './extensions.js';
import { loadCaPolicy } from './profiles.js';

/**
 * 印章图像绑定 seal image binding: our private, non-critical certificate extension that binds the
 * seal image to the key. OID 2.25.307863011571226879859732574380042958433.2.1 (ca/README.md):
 *
 *   SealImageBinding ::= SEQUENCE {
 *     hashAlgorithm  AlgorithmIdentifier,          -- sha256, parameters absent
 *     imageHash      OCTET STRING,                 -- hash of the image's canonical pixels
 *     widthMm        [0] IMPLICIT INTEGER OPTIONAL, -- physical size of the seal, whole millimetres
 *     heightMm       [1] IMPLICIT INTEGER OPTIONAL }
 */
export const SEAL_IMAGE_BINDING_OID = loadCaPolicy().extensions.sealImageBinding;

export interface SealImageBinding {
  hashAlg: HashAlgorithm;
  hash: Buffer;
  widthMm?: number;
  heightMm?: number;
}

function checkMm(v: number | undefined, field: string): void {
  if (v !== undefined && !(Number.isInteger(v) && v > 0 && v <= 1000)) {
    throw new AppError(422, 'invalid-seal-size', `${field} must be a whole number of millimetres (1-1000).`, { field });
  }
}

/** The DER of the SealImageBinding value (what goes in extnValue). */
export function encodeSealImageBinding(b: SealImageBinding): Buffer {
  if (b.hash.length !== HASH_LENGTHS[b.hashAlg]) {
    throw new AppError(422, 'invalid-image-hash', `The seal image hash must be ${HASH_LENGTHS[b.hashAlg]} bytes for ${b.hashAlg}.`);
  }
  checkMm(b.widthMm, 'widthMm');
  checkMm(b.heightMm, 'heightMm');
  return seq(
    seq(oid(HASH_OIDS[b.hashAlg])),
    octets(b.hash),
    ...(b.widthMm !== undefined ? [implicitPrimitive(0, unsignedIntegerContent(b.widthMm))] : []),
    ...(b.heightMm !== undefined ? [implicitPrimitive(1, unsignedIntegerContent(b.heightMm))] : []),
  );
}

export const sealImageBindingExtension = (b: SealImageBinding): Buffer => extension(SEAL_IMAGE_BINDING_OID, false, encodeSealImageBinding(b));

/** Decodes an extnValue; null when it is not a well-formed binding. */
export function decodeSealImageBinding(value: Buffer): SealImageBinding | null {
  try {
    const f = children(expectTag(parseTop(value), 0x30, 'SealImageBinding'));
    const hashAlg = hashByOid(readOid(children(expectTag(f[0], 0x30, 'AlgorithmIdentifier'))[0]));
    const hash = Buffer.from(content(expectTag(f[1], 0x04, 'OCTET STRING')));
    if (!hashAlg || hash.length !== HASH_LENGTHS[hashAlg]) return null;
    const out: SealImageBinding = { hashAlg, hash };
    const asInt = (n: Node) => readSmallInteger({ ...n, tag: 0x02 });
    for (const n of f.slice(2)) {
      if (n.tag === 0x80) out.widthMm = asInt(n);
      else if (n.tag === 0x81) out.heightMm = asInt(n);
      else return null;
    }
    return out;
  } catch (e) {
    if (e instanceof DerError) return null;
    throw e;
  }
}

/** Reads the seal image binding from a certificate; null when it has none (or the certificate is not DER). */
export function readSealImageBinding(certDer: Uint8Array): SealImageBinding | null {
  try {
    const ext = certParts(Buffer.from(certDer)).extensions.find((e) => e.oid === SEAL_IMAGE_BINDING_OID);
    return ext ? decodeSealImageBinding(ext.value) : null;
  } catch (e) {
    if (e instanceof DerError) return null;
    throw e;
  }
}
