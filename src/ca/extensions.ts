import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { arrayBuffer, encode } from '../asn1/der.js';
import { KEY_PURPOSE_OIDS, KEY_USAGE_BITS, OID } from '../asn1/oids.js';
import { namedBits } from '../asn1/values.js';

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING (DER of `value`) } */
export const extension = (extnID: string, critical: boolean, value: Uint8Array | asn1js.BaseBlock | { toSchema(): asn1js.BaseBlock }): pkijs.Extension =>
  new pkijs.Extension({ extnID, critical, extnValue: arrayBuffer(value instanceof Uint8Array ? value : encode(value)) });

export const basicConstraints = (pathLen: number): pkijs.Extension =>
  extension(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: true, pathLenConstraint: pathLen }));

export const keyUsage = (usages: (keyof typeof KEY_USAGE_BITS)[]): pkijs.Extension =>
  extension(OID.keyUsage, true, namedBits(usages.map((u) => KEY_USAGE_BITS[u])));

export const extKeyUsage = (purposes: (keyof typeof KEY_PURPOSE_OIDS)[], critical: boolean): pkijs.Extension =>
  extension(OID.extKeyUsage, critical, new pkijs.ExtKeyUsage({ keyPurposes: purposes.map((p) => KEY_PURPOSE_OIDS[p]) }));

/** Key identifier, RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
export const keyIdentifier = (publicKeyBits: Uint8Array): Buffer => createHash('sha1').update(publicKeyBits).digest();

export const subjectKeyIdentifier = (keyId: Buffer): pkijs.Extension =>
  extension(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyId }));

export const authorityKeyIdentifier = (keyId: Buffer): pkijs.Extension =>
  extension(OID.authorityKeyIdentifier, false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: keyId }) }));

export const certificatePolicies = (policyOids: string[]): pkijs.Extension =>
  extension(
    OID.certificatePolicies,
    false,
    new pkijs.CertificatePolicies({ certificatePolicies: policyOids.map((p) => new pkijs.PolicyInformation({ policyIdentifier: p })) }),
  );

/** GeneralName uniformResourceIdentifier [6] IA5String. */
const uri = (u: string) => new pkijs.GeneralName({ type: 6, value: u });

export const authorityInfoAccess = (ocspUrl: string | null, caIssuersUrl: string | null): pkijs.Extension =>
  extension(
    OID.authorityInfoAccess,
    false,
    new pkijs.InfoAccess({
      accessDescriptions: [
        ...(ocspUrl ? [new pkijs.AccessDescription({ accessMethod: OID.adOcsp, accessLocation: uri(ocspUrl) })] : []),
        ...(caIssuersUrl ? [new pkijs.AccessDescription({ accessMethod: OID.adCaIssuers, accessLocation: uri(caIssuersUrl) })] : []),
      ],
    }),
  );

/** DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames } } */
export const crlDistributionPoints = (crlUrl: string): pkijs.Extension =>
  extension(
    OID.cRLDistributionPoints,
    false,
    new pkijs.CRLDistributionPoints({ distributionPoints: [new pkijs.DistributionPoint({ distributionPoint: [uri(crlUrl)] })] }),
  );

/** NameConstraints { permittedSubtrees [0] { GeneralSubtree { base directoryName [4] Name } } }, critical (RFC 5280 4.2.1.10). */
export const nameConstraints = (permittedNames: pkijs.RelativeDistinguishedNames[]): pkijs.Extension =>
  extension(
    OID.nameConstraints,
    true,
    new pkijs.NameConstraints({
      permittedSubtrees: permittedNames.map((n) => new pkijs.GeneralSubtree({ base: new pkijs.GeneralName({ type: 4, value: n }) })),
    }),
  );

export const ocspNoCheck = (): pkijs.Extension => extension(OID.ocspNoCheck, false, new asn1js.Null());
