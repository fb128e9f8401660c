/** Object identifiers used by the CA. Ours live under 2.25.307863011571226879859732574380042958433 (ca/README.md). */
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
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
  kpOcspSigning: '1.3.6.1.5.5.7.3.9',
  kpDocumentSigning: '1.3.6.1.5.5.7.3.36', // RFC 9336
  kpAuditLogSigning: '2.25.307863011571226879859732574380042958433.3.1', // ours: signs audit log checkpoints (ca/README.md)
  // OCSP (RFC 6960)
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  // CMS / TSP (RFC 5652, RFC 3161, RFC 5035)
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
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

export const KEY_PURPOSE_OIDS = {
  timeStamping: OID.kpTimeStamping,
  ocspSigning: OID.kpOcspSigning,
  documentSigning: OID.kpDocumentSigning,
  auditLogSigning: OID.kpAuditLogSigning,
  // NSS (and so poppler's pdfsig) accepts a document signer only with emailProtection beside documentSigning.
  emailProtection: '1.3.6.1.5.5.7.3.4',
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
} as const;
