import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { signatureAlgorithmId } from '../asn1/cms.js';
import { nameFromDer } from '../asn1/name.js';
import { OID } from '../asn1/oids.js';
import { unsignedInteger, x509Time } from '../asn1/values.js';
import { signatureAlgorithmOf, signTbs, type Signer } from './cert.js';
import { authorityKeyIdentifier, extension } from './extensions.js';
import { REVOCATION_REASONS, type RevocationReason } from './revocation-reasons.js';

export interface RevokedEntry {
  serialHex: string;
  revokedAt: Date;
  reason: RevocationReason;
}

export interface CrlInput {
  /** The issuer's subject Name as encoded in its certificate. */
  issuerName: Buffer;
  issuerKeyId: Buffer;
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: RevokedEntry[];
}

/** A v2 CRL (RFC 5280 5.1) with cRLNumber and authorityKeyIdentifier, built with pkijs and signed through the vault. */
export async function buildCrl(input: CrlInput, signer: Signer): Promise<Buffer> {
  const revoked = input.revoked.map((r) => {
    const code = REVOCATION_REASONS[r.reason];
    return new pkijs.RevokedCertificate({
      userCertificate: unsignedInteger(Buffer.from(r.serialHex, 'hex')),
      revocationDate: x509Time(r.revokedAt),
      // RFC 5280 5.3.1: the reasonCode entry extension is left out rather than written as unspecified.
      ...(code === 0 ? {} : { crlEntryExtensions: new pkijs.Extensions({ extensions: [extension(OID.reasonCode, false, new asn1js.Enumerated({ value: code }))] }) }),
    });
  });
  const crl = new pkijs.CertificateRevocationList({
    version: 1,
    signature: signatureAlgorithmId(signatureAlgorithmOf(signer)),
    issuer: nameFromDer(input.issuerName),
    thisUpdate: x509Time(input.thisUpdate),
    nextUpdate: x509Time(input.nextUpdate),
    ...(revoked.length ? { revokedCertificates: revoked } : {}),
    crlExtensions: new pkijs.Extensions({
      extensions: [authorityKeyIdentifier(input.issuerKeyId), extension(OID.cRLNumber, false, unsignedInteger(input.crlNumber))],
    }),
  });
  // toSchema(true) encodes the TBSCertList afresh (pkijs keeps encodeTBS protected); the vault signs that part.
  return signTbs((crl.toSchema(true) as asn1js.Sequence).valueBlock.value[0]!, signer);
}
