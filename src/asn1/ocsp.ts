/**
 * Reading an OCSPResponse (RFC 6960) someone else made or that a document carries: the verifier checks
 * it, the DSS writer collects the responder certificates it holds. Bounded like every untrusted decode.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { Asn1Error, decode, decodeAs, DOCUMENT_OBJECT_LIMITS, type DecodeLimits } from './der.js';
import { OID } from './oids.js';

export interface ReadOcspResponse {
  /** OCSPResponseStatus; 0 is successful. */
  status: number;
  /** The BasicOCSPResponse of a successful response. */
  basic?: pkijs.BasicOCSPResponse;
  /** The certificates the BasicOCSPResponse carries, each exactly as received. */
  certificates: Buffer[];
}

export function readOcspResponse(bytes: Uint8Array, limits: DecodeLimits = DOCUMENT_OBJECT_LIMITS): ReadOcspResponse {
  const resp = decodeAs(pkijs.OCSPResponse, bytes, 'OCSPResponse', limits);
  const status = resp.responseStatus.valueBlock.valueDec;
  if (status !== 0 || !resp.responseBytes) return { status, certificates: [] };
  if (resp.responseBytes.responseType !== OID.ocspBasic) throw new Asn1Error('OCSPResponse: not a basic response');
  const tree = decode(resp.responseBytes.response.valueBlock.valueHexView, 'BasicOCSPResponse', limits);
  let basic: pkijs.BasicOCSPResponse;
  try {
    basic = new pkijs.BasicOCSPResponse({ schema: tree });
  } catch (e) {
    throw new Asn1Error(`BasicOCSPResponse: ${(e as Error).message}`);
  }
  // certs [0] EXPLICIT SEQUENCE OF Certificate, read from the tree so each keeps its received bytes.
  const fields = tree instanceof asn1js.Sequence ? tree.valueBlock.value : [];
  const wrapper = fields.find((b) => b.idBlock.tagClass === 3 && b.idBlock.tagNumber === 0);
  const list = wrapper instanceof asn1js.Constructed ? wrapper.valueBlock.value[0] : undefined;
  const certificates = list instanceof asn1js.Sequence ? list.valueBlock.value.map((c) => Buffer.from(c.valueBeforeDecodeView)) : [];
  return { status, basic, certificates };
}
