/**
 * Reading an X.509 certificate, the one way every part of the service does it (the CA for its
 * issuers and records, the CMS builder for the signer's identifiers, the verifier for paths):
 * pkijs's Certificate plus the fields as they were encoded, because signer identifiers, OCSP
 * CertIDs and issuer names must reuse the received bytes, never a re-encoding.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { buf, decodeAs, encode, REQUEST_LIMITS, type DecodeLimits } from './der.js';
import { Lru } from '../lru.js';
import { asParsed, OID } from './oids.js';
import { serialHex } from './values.js';

export interface CertificateFields {
  der: Buffer;
  cert: pkijs.Certificate;
  /** The TBSCertificate as encoded (what the issuer signed). */
  tbs: Buffer;
  serial: asn1js.Integer;
  /** Lower-case hex without leading zero octets. */
  serialHex: string;
  issuerDer: Buffer;
  subjectDer: Buffer;
  spki: Buffer;
  /** The subjectPublicKey BIT STRING's bits (key identifiers, OCSP issuerKeyHash). */
  publicKeyBits: Buffer;
  notBefore: Date;
  notAfter: Date;
  selfIssued: boolean;
  subjectKeyId?: Buffer;
}

/**
 * Certificates already read, by their bytes: a CA's or a seal's certificate is read on every signature
 * it makes (from a fresh buffer each time, in the service). Callers treat the result as immutable.
 */
const read = new Lru<string, CertificateFields>(512);

export function readCertificate(der: Uint8Array, limits: DecodeLimits = REQUEST_LIMITS): CertificateFields {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1');
  return read.getOr(key, () => readUncached(der, limits));
}

function readUncached(der: Uint8Array, limits: DecodeLimits): CertificateFields {
  const cert = decodeAs(pkijs.Certificate, der, 'certificate', limits);
  const issuerDer = buf(cert.issuer.valueBeforeDecode);
  const subjectDer = buf(cert.subject.valueBeforeDecode);
  const ski = cert.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier)?.parsedValue;
  return {
    der: buf(der),
    cert,
    tbs: buf(cert.tbsView),
    serial: cert.serialNumber,
    serialHex: serialHex(cert.serialNumber),
    issuerDer,
    subjectDer,
    spki: encode(cert.subjectPublicKeyInfo),
    publicKeyBits: buf(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    selfIssued: issuerDer.equals(subjectDer),
    ...(ski instanceof asn1js.OctetString ? { subjectKeyId: buf(ski.valueBlock.valueHexView) } : {}),
  };
}

/** The extension with this OID (any arc size), if the certificate has it. */
export function extensionOf(cert: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  const id = asParsed(oid);
  return cert.extensions?.find((e) => e.extnID === id);
}

/** An extension's extnValue bytes. */
export const extensionValue = (ext: pkijs.Extension): Buffer => buf(ext.extnValue.valueBlock.valueHexView);
