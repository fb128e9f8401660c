/**
 * What kind of key a SubjectPublicKeyInfo holds, read from its OIDs rather than from a crypto
 * library's key object (node:crypto reports an SM2 key's type as undefined, and a browser has no
 * such object): the CA checks subject keys with it, the CMS builder sizes signatures, and the
 * verifier picks the scheme.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { buf, decodeAs } from '../asn1/der.js';
import { OID } from '../asn1/oids.js';
import { curveByOid, KEY_ALGORITHMS, KEY_ALGORITHM_INFO, type Curve, type KeyAlgorithm } from './table.js';

export type PublicKeyDescription =
  | { kind: 'ec'; curve: Curve | undefined; curveOid: string | undefined; point: Buffer }
  | { kind: 'rsa'; modulusBits: number }
  | { kind: 'other'; algorithmOid: string };

// Keys recur (a CA's key checks every certificate it issued): remember the last few descriptions.
const described = new Map<string, PublicKeyDescription>();

/** Throws Asn1Error when `spki` is not a SubjectPublicKeyInfo. */
export function describePublicKey(spki: Uint8Array): PublicKeyDescription {
  const key = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString('latin1');
  let d = described.get(key);
  if (!d) {
    d = describeUncached(spki);
    if (described.size >= 256) described.delete(described.keys().next().value!);
    described.set(key, d);
  }
  return d;
}

function describeUncached(spki: Uint8Array): PublicKeyDescription {
  const info = decodeAs(pkijs.PublicKeyInfo, spki, 'SubjectPublicKeyInfo');
  const oid = info.algorithm.algorithmId;
  const bits = buf(info.subjectPublicKey.valueBlock.valueHexView);
  if (oid === OID.ecPublicKey) {
    const params = info.algorithm.algorithmParams;
    const curveOid = params instanceof asn1js.ObjectIdentifier ? params.getValue() : undefined;
    return { kind: 'ec', curve: curveOid ? curveByOid(curveOid) : undefined, curveOid, point: bits };
  }
  // An RSASSA-PSS key (RFC 4055) holds the same RSAPublicKey as an rsaEncryption one.
  if (oid === OID.rsaEncryption || oid === OID.rsassaPss) {
    const key = decodeAs(pkijs.RSAPublicKey, bits, 'RSAPublicKey');
    const n = buf(key.modulus.valueBlock.valueHexView);
    let i = 0;
    while (i < n.length - 1 && n[i] === 0) i++;
    const modulusBits = (n.length - i) * 8 - Math.clz32(n[i]!) + 24;
    return { kind: 'rsa', modulusBits };
  }
  return { kind: 'other', algorithmOid: oid };
}

/** The vault key algorithm a public key belongs to, or undefined for keys we do not make. */
export function keyAlgorithmOfSpki(spki: Uint8Array): KeyAlgorithm | undefined {
  let d: PublicKeyDescription;
  try {
    d = describePublicKey(spki);
  } catch {
    return undefined;
  }
  if (d.kind !== 'ec' || !d.curve) return undefined;
  return KEY_ALGORITHMS.find((a) => KEY_ALGORITHM_INFO[a].curve === d.curve);
}
