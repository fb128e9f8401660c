/**
 * Every object identifier the service writes or reads, in one table (certificates, CRLs, OCSP, TSP,
 * CMS, and the national algorithms). Our own arc is 2.25.307863011571226879859732574380042958433
 * (ca/README.md); its OIDs come from ca/profiles.json, except the seal-image binding, which the
 * offline verifier needs without data files (a test checks both agree).
 */
import * as asn1js from 'asn1js';

export const OID = {
  // name attributes (X.520)
  countryName: '2.5.4.6',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  localityName: '2.5.4.7',
  stateOrProvinceName: '2.5.4.8',
  organizationIdentifier: '2.5.4.97',
  // certificate and CRL extensions (RFC 5280)
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  cRLNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
  nameConstraints: '2.5.29.30',
  cRLDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  // access methods and key purposes
  adOcsp: '1.3.6.1.5.5.7.48.1',
  adCaIssuers: '1.3.6.1.5.5.7.48.2',
  kpEmailProtection: '1.3.6.1.5.5.7.3.4',
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
  kpOcspSigning: '1.3.6.1.5.5.7.3.9',
  kpDocumentSigning: '1.3.6.1.5.5.7.3.36', // RFC 9336
  kpAuditLogSigning: '2.25.307863011571226879859732574380042958433.3.1', // ours: signs audit log checkpoints (ca/README.md)
  // OCSP (RFC 6960)
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  // CMS, ESS and TSP (RFC 5652, RFC 5035, RFC 3161)
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  // digests
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sm3: '1.2.156.10197.1.401', // GB/T 32905
  // public keys and curves
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',
  sm2Curve: '1.2.156.10197.1.301', // GB/T 32918 recommended curve (also "SM2" in SPKI parameters)
  rsaEncryption: '1.2.840.113549.1.1.1',
  // signature algorithms
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  sm2Sign: '1.2.156.10197.1.301.1', // GM/T 0006 "sm2-1", the SM2 signature scheme as a CMS signatureAlgorithm
  sm3WithSm2: '1.2.156.10197.1.501', // GB/T 35276: SM2 signature with SM3, as in X.509
  // GM/T 0010-2012 (SM2 cryptographic message syntax): its own content types for data and signedData
  gmData: '1.2.156.10197.6.1.4.2.1',
  gmSignedData: '1.2.156.10197.6.1.4.2.2',
  // our arc: the seal image binding extension (ca/README.md)
  sealImageBinding: '2.25.307863011571226879859732574380042958433.2.1',
} as const;

export const NAME_ATTRIBUTE_OIDS = {
  C: OID.countryName,
  O: OID.organizationName,
  OU: OID.organizationalUnitName,
  CN: OID.commonName,
  serialNumber: OID.serialNumber,
  L: OID.localityName,
  ST: OID.stateOrProvinceName,
  organizationIdentifier: OID.organizationIdentifier,
} as const;

export type NameAttributeType = keyof typeof NAME_ATTRIBUTE_OIDS;

/** Short names for display (like OpenSSL's), by attribute OID. */
export const NAME_ATTRIBUTE_SHORT: Record<string, string> = Object.fromEntries(Object.entries(NAME_ATTRIBUTE_OIDS).map(([k, v]) => [v, k]));

export const KEY_PURPOSE_OIDS = {
  timeStamping: OID.kpTimeStamping,
  ocspSigning: OID.kpOcspSigning,
  documentSigning: OID.kpDocumentSigning,
  auditLogSigning: OID.kpAuditLogSigning,
  // NSS (and so poppler's pdfsig) accepts a document signer only with emailProtection beside documentSigning.
  emailProtection: OID.kpEmailProtection,
} as const;

/** KeyUsage bit numbers (RFC 5280 4.2.1.3). */
export const KEY_USAGE_BITS = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;
export type KeyUsageBit = keyof typeof KEY_USAGE_BITS;

const asParsedCache = new Map<string, string>();
/**
 * An OID as asn1js (and so pkijs, e.g. `Extension.extnID`) prints it after parsing. asn1js writes
 * arcs beyond 2^53 (our 2.25 UUID arc) in its own `{hex}` notation, so identifiers read from
 * parsed structures are compared with this form of the dotted OID.
 */
export function asParsed(dotted: string): string {
  let v = asParsedCache.get(dotted);
  if (v === undefined) {
    v = new asn1js.ObjectIdentifier({ value: dotted }).getValue();
    asParsedCache.set(dotted, v);
  }
  return v;
}
