/** Object identifiers and digest names shared by the CMS and RFC 3161 code. */
export type DigestName = 'SHA-256' | 'SHA-384' | 'SHA-512';

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
} as const;

export interface DigestInfo { oid: string; node: 'sha256' | 'sha384' | 'sha512'; length: number }
export const DIGESTS: Record<DigestName, DigestInfo> = {
  'SHA-256': { oid: OID.sha256, node: 'sha256', length: 32 },
  'SHA-384': { oid: OID.sha384, node: 'sha384', length: 48 },
  'SHA-512': { oid: OID.sha512, node: 'sha512', length: 64 },
};

/** The digest name for a digest OID, or undefined when it is not one we use. */
export function digestByOid(dotted: string): DigestName | undefined {
  return (Object.keys(DIGESTS) as DigestName[]).find((d) => DIGESTS[d].oid === dotted);
}
