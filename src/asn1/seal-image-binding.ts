/**
 * 印章图像绑定 seal image binding: our private, non-critical certificate extension that binds the
 * seal image to the key (ca/README.md). The CA writes it; the verifier reads it to compare the image
 * shown on a page. OID 2.25.307863011571226879859732574380042958433.2.1:
 *
 *   SealImageBinding ::= SEQUENCE {
 *     hashAlgorithm  AlgorithmIdentifier,          -- sha256, parameters absent
 *     imageHash      OCTET STRING,                 -- hash of the image's canonical pixels
 *     widthMm        [0] IMPLICIT INTEGER OPTIONAL, -- physical size of the seal, whole millimetres
 *     heightMm       [1] IMPLICIT INTEGER OPTIONAL }
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { digestByOid, DIGESTS, isSha2Digest, type DigestName } from '../algorithms/table.js';
import { AppError } from '../errors.js';
import { buf, decode, encode } from './der.js';
import { smallInteger, unsignedInteger } from './values.js';

export interface SealImageBinding {
  hashAlg: DigestName;
  hash: Buffer;
  widthMm?: number;
  heightMm?: number;
}

function checkMm(v: number | undefined, field: string): void {
  if (v !== undefined && !(Number.isInteger(v) && v > 0 && v <= 1000)) {
    throw new AppError(422, 'invalid-seal-size', `${field} must be a whole number of millimetres (1-1000).`, { field });
  }
}

/** [n] IMPLICIT INTEGER: the INTEGER's content octets under a context tag. */
const implicitInteger = (n: number, v: number) =>
  new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: n }, valueHex: unsignedInteger(v).valueBlock.valueHexView });

/** The DER of the SealImageBinding value (what goes in extnValue). */
export function encodeSealImageBinding(b: SealImageBinding): Buffer {
  if (!isSha2Digest(b.hashAlg) || b.hash.length !== DIGESTS[b.hashAlg].length) {
    throw new AppError(422, 'invalid-image-hash', `The seal image hash must be ${DIGESTS[b.hashAlg]?.length ?? 32} bytes for ${b.hashAlg}.`);
  }
  checkMm(b.widthMm, 'widthMm');
  checkMm(b.heightMm, 'heightMm');
  return encode(
    new asn1js.Sequence({
      value: [
        new pkijs.AlgorithmIdentifier({ algorithmId: DIGESTS[b.hashAlg].oid }).toSchema(),
        new asn1js.OctetString({ valueHex: b.hash }),
        ...(b.widthMm !== undefined ? [implicitInteger(0, b.widthMm)] : []),
        ...(b.heightMm !== undefined ? [implicitInteger(1, b.heightMm)] : []),
      ],
    }),
  );
}

/** Decodes an extnValue; null when it is not a well-formed binding. */
export function decodeSealImageBinding(value: Uint8Array): SealImageBinding | null {
  try {
    const top = decode(value, 'SealImageBinding');
    if (!(top instanceof asn1js.Sequence)) return null;
    const [alg, hash, ...sizes] = top.valueBlock.value;
    if (!(alg instanceof asn1js.Sequence) || !(hash instanceof asn1js.OctetString)) return null;
    const hashAlg = digestByOid(new pkijs.AlgorithmIdentifier({ schema: alg }).algorithmId);
    const bytes = buf(hash.valueBlock.valueHexView);
    if (!hashAlg || !isSha2Digest(hashAlg) || bytes.length !== DIGESTS[hashAlg].length) return null;
    const out: SealImageBinding = { hashAlg, hash: Buffer.from(bytes) };
    let last = -1;
    for (const s of sizes) {
      const tag = s.idBlock.tagNumber;
      if (s.idBlock.tagClass !== 3 || s.idBlock.isConstructed || tag <= last || tag > 1) return null;
      last = tag;
      if (!(s instanceof asn1js.Primitive)) return null;
      const mm = smallInteger(new asn1js.Integer({ valueHex: s.valueBlock.valueHexView }));
      if (mm === undefined) return null;
      if (tag === 0) out.widthMm = mm;
      else out.heightMm = mm;
    }
    return out;
  } catch {
    // Asn1Error, or a pkijs schema mismatch inside: either way not a binding we can read.
    return null;
  }
}
