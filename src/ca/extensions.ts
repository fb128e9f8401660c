import { createHash } from 'node:crypto';
import { bool, explicit, implicitConstructed, implicitPrimitive, integer, namedBits, nullDer, octets, oid, seq } from './der.js';
import { KEY_PURPOSE_OIDS, KEY_USAGE_BITS, OID } from './oids.js';

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
export function extension(extnId: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(extnId), bool(true), octets(value)) : seq(oid(extnId), octets(value));
}

export const basicConstraints = (pathLen: number | null): Buffer =>
  extension(OID.basicConstraints, true, pathLen === null ? seq() : seq(bool(true), integer(pathLen)));

export const keyUsage = (usages: (keyof typeof KEY_USAGE_BITS)[]): Buffer =>
  extension(OID.keyUsage, true, namedBits(usages.map((u) => KEY_USAGE_BITS[u])));

export const extKeyUsage = (purposes: (keyof typeof KEY_PURPOSE_OIDS)[], critical: boolean): Buffer =>
  extension(OID.extKeyUsage, critical, seq(...purposes.map((p) => oid(KEY_PURPOSE_OIDS[p]))));

/** Key identifier, RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
export const keyIdentifier = (publicKeyBits: Buffer): Buffer => createHash('sha1').update(publicKeyBits).digest();

export const subjectKeyIdentifier = (keyId: Buffer): Buffer => extension(OID.subjectKeyIdentifier, false, octets(keyId));

export const authorityKeyIdentifier = (keyId: Buffer): Buffer =>
  extension(OID.authorityKeyIdentifier, false, seq(implicitPrimitive(0, keyId)));

export const certificatePolicies = (policyOids: string[]): Buffer =>
  extension(OID.certificatePolicies, false, seq(...policyOids.map((p) => seq(oid(p)))));

/** GeneralName uniformResourceIdentifier [6] IA5String. */
const uri = (u: string): Buffer => implicitPrimitive(6, Buffer.from(u, 'ascii'));

export const authorityInfoAccess = (ocspUrl: string | null, caIssuersUrl: string | null): Buffer =>
  extension(
    OID.authorityInfoAccess,
    false,
    seq(...(ocspUrl ? [seq(oid(OID.adOcsp), uri(ocspUrl))] : []), ...(caIssuersUrl ? [seq(oid(OID.adCaIssuers), uri(caIssuersUrl))] : [])),
  );

/** DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames } } */
export const crlDistributionPoints = (crlUrl: string): Buffer =>
  extension(OID.cRLDistributionPoints, false, seq(seq(explicit(0, implicitConstructed(0, uri(crlUrl))))));

/** NameConstraints { permittedSubtrees [0] { GeneralSubtree { base directoryName [4] Name } } }, critical (RFC 5280 4.2.1.10). */
export const nameConstraints = (permittedNames: Buffer[]): Buffer =>
  extension(OID.nameConstraints, true, seq(implicitConstructed(0, Buffer.concat(permittedNames.map((n) => seq(explicit(4, n)))))));

export const ocspNoCheck = (): Buffer => extension(OID.ocspNoCheck, false, nullDer());

