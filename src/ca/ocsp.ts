import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { embeddableCertificate } from '../asn1/cms.js';
import { arrayBuffer, Asn1Error, decodeAs, encode, REQUEST_LIMITS } from '../asn1/der.js';
import { OID } from '../asn1/oids.js';
import { generalizedTime, integerBytes, serialHex, wholeSeconds } from '../asn1/values.js';
import { signTbs, type Signer } from './cert.js';
import { REVOCATION_REASONS, type RevocationReason } from './revocation-reasons.js';

/** OCSPResponseStatus (RFC 6960 4.2.1). */
export const OCSP_STATUS = { successful: 0, malformedRequest: 1, internalError: 2, tryLater: 3, sigRequired: 5, unauthorized: 6 } as const;

export interface OcspCertRequest {
  /** The CertID as received (re-encoded from a DER request it is the same bytes): echoed in the response. */
  certId: pkijs.CertID;
  hashAlgOid: string;
  /** true when the hash AlgorithmIdentifier carried (NULL) parameters. */
  hashAlgHasParams: boolean;
  issuerNameHash: Buffer;
  issuerKeyHash: Buffer;
  serialHex: string;
}

export interface OcspRequestInfo {
  requests: OcspCertRequest[];
  /** extnValue of id-pkix-ocsp-nonce, echoed verbatim (RFC 8954). */
  nonce?: Buffer;
}

const MAX_REQUESTS = 20;
const MAX_NONCE = 128;

/** Parses an untrusted OCSPRequest (RFC 6960 4.1.1) with pkijs, within REQUEST_LIMITS; throws Asn1Error on anything malformed. Signatures on requests are ignored. */
export function parseOcspRequest(der: Buffer): OcspRequestInfo {
  const req = decodeAs(pkijs.OCSPRequest, der, 'OCSPRequest', REQUEST_LIMITS);
  try {
    const list = req.tbsRequest.requestList;
    if (list.length === 0 || list.length > MAX_REQUESTS) throw new Asn1Error('requestList must hold 1 to 20 requests');
    const requests = list.map((r): OcspCertRequest => {
      const id = r.reqCert;
      const params = id.hashAlgorithm.algorithmParams as asn1js.BaseBlock | undefined;
      const hasParams = params !== undefined && !(params instanceof asn1js.Any);
      if (hasParams && !(params instanceof asn1js.Null)) throw new Asn1Error('unexpected hash parameters');
      const serial = integerBytes(id.serialNumber);
      if (serial.length === 0 || serial[0]! & 0x80) throw new Asn1Error('negative serial');
      return {
        certId: id,
        hashAlgOid: id.hashAlgorithm.algorithmId,
        hashAlgHasParams: hasParams,
        issuerNameHash: Buffer.from(id.issuerNameHash.valueBlock.valueHexView),
        issuerKeyHash: Buffer.from(id.issuerKeyHash.valueBlock.valueHexView),
        serialHex: serialHex(serial),
      };
    });
    let nonce: Buffer | undefined;
    for (const ext of req.tbsRequest.requestExtensions ?? []) {
      if (ext.extnID !== OID.ocspNonce) continue;
      nonce = Buffer.from(ext.extnValue.valueBlock.valueHexView);
      if (nonce.length === 0 || nonce.length > MAX_NONCE) throw new Asn1Error('nonce length out of range');
    }
    return { requests, ...(nonce ? { nonce } : {}) };
  } catch (e) {
    if (e instanceof Asn1Error) throw e;
    throw new Asn1Error(`OCSPRequest: ${(e as Error).message}`);
  }
}

export type CertStatus = { kind: 'good' } | { kind: 'unknown' } | { kind: 'revoked'; revokedAt: Date; reason: RevocationReason };

export interface SingleStatus {
  certId: pkijs.CertID;
  status: CertStatus;
}

export interface BasicResponseInput {
  /** SHA-1 of the responder's public key bits (ResponderID byKey). */
  responderKeyHash: Buffer;
  producedAt: Date;
  thisUpdate: Date;
  nextUpdate: Date;
  responses: SingleStatus[];
  nonce?: Buffer;
  /** Certificates carried in the response: the responder's, so a client can check the delegation. */
  certs: Buffer[];
}

/** CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL } */
function certStatus(s: CertStatus): asn1js.BaseBlock {
  if (s.kind !== 'revoked') return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: s.kind === 'good' ? 0 : 2 }, valueHex: new Uint8Array(0) });
  return new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 1 },
    value: [
      generalizedTime(s.revokedAt),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Enumerated({ value: REVOCATION_REASONS[s.reason] })] }),
    ],
  });
}

/** A successful OCSPResponse carrying a BasicOCSPResponse built with pkijs and signed through the vault. */
export async function buildOcspResponse(input: BasicResponseInput, signer: Signer): Promise<Buffer> {
  const data = new pkijs.ResponseData({
    responderID: new asn1js.OctetString({ valueHex: input.responderKeyHash }),
    producedAt: wholeSeconds(input.producedAt),
    responses: input.responses.map(
      (r) =>
        new pkijs.SingleResponse({
          certID: r.certId,
          certStatus: certStatus(r.status),
          thisUpdate: wholeSeconds(input.thisUpdate),
          nextUpdate: wholeSeconds(input.nextUpdate),
        }),
    ),
    ...(input.nonce ? { responseExtensions: [new pkijs.Extension({ extnID: OID.ocspNonce, extnValue: arrayBuffer(input.nonce) })] } : {}),
  });
  const certs = input.certs.length
    ? [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Sequence({ value: input.certs.map((c) => embeddableCertificate(c).toSchema()) })] })]
    : [];
  const basic = await signTbs(data.toSchema(true), signer, certs);
  return encode(
    new pkijs.OCSPResponse({
      responseStatus: new asn1js.Enumerated({ value: OCSP_STATUS.successful }),
      responseBytes: new pkijs.ResponseBytes({ responseType: OID.ocspBasic, response: new asn1js.OctetString({ valueHex: basic }) }),
    }),
  );
}

/** An unsuccessful OCSPResponse: status only, no responseBytes. */
export const ocspErrorResponse = (status: Exclude<(typeof OCSP_STATUS)[keyof typeof OCSP_STATUS], 0>): Buffer =>
  encode(new pkijs.OCSPResponse({ responseStatus: new asn1js.Enumerated({ value: status }) }));

/** A CertID for one of our certificates (SHA-1, parameters absent), as revocationDataFor asks itself. */
export function certIdFor(hashes: { issuerNameHash: Buffer; issuerKeyHash: Buffer }, serial: asn1js.Integer): pkijs.CertID {
  return new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha1 }),
    issuerNameHash: new asn1js.OctetString({ valueHex: hashes.issuerNameHash }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: hashes.issuerKeyHash }),
    serialNumber: serial,
  });
}

