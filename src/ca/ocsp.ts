import { bitString, enumerated, explicit, generalizedTime, implicitConstructed, implicitPrimitive, octets, oid, seq, wholeSeconds } from './der.js';
import { children, content, DerError, expectTag, parseTop, readIntegerBytes, readOid, serialHex, whole, type Node } from './der-read.js';
import { signatureAlgorithm, signWith, type Signer } from './cert.js';
import { extension } from './extensions.js';
import { OID } from './oids.js';
import { REVOCATION_REASONS, type RevocationReason } from './revocation-reasons.js';

/** OCSPResponseStatus (RFC 6960 4.2.1). */
export const OCSP_STATUS = { successful: 0, malformedRequest: 1, internalError: 2, tryLater: 3, sigRequired: 5, unauthorized: 6 } as const;

export interface OcspCertRequest {
  /** The CertID exactly as received: echoed in the response, so hash algorithm and encoding match. */
  certIdDer: Buffer;
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

/** Parses an OCSPRequest (RFC 6960 4.1.1); throws DerError on anything malformed. Signatures on requests are ignored. */
export function parseOcspRequest(der: Buffer): OcspRequestInfo {
  const top = children(expectTag(parseTop(der), 0x30, 'OCSPRequest'));
  const tbs = children(expectTag(top[0], 0x30, 'TBSRequest'));
  let i = 0;
  if (tbs[i]?.tag === 0xa0) i++; // version
  if (tbs[i]?.tag === 0xa1) i++; // requestorName
  const list = children(expectTag(tbs[i++], 0x30, 'requestList'));
  if (list.length === 0 || list.length > MAX_REQUESTS) throw new DerError('requestList must hold 1 to 20 requests');
  const requests = list.map((r) => {
    const certIdNode = expectTag(children(expectTag(r, 0x30, 'Request'))[0], 0x30, 'CertID');
    const f = children(certIdNode);
    const alg = children(expectTag(f[0], 0x30, 'AlgorithmIdentifier'));
    const hashAlgOid = readOid(alg[0]);
    if (alg[1] && alg[1].tag !== 0x05) throw new DerError('unexpected hash parameters');
    const serial = readIntegerBytes(f[3]);
    if (serial[0]! & 0x80) throw new DerError('negative serial');
    return {
      certIdDer: Buffer.from(whole(certIdNode)),
      hashAlgOid,
      hashAlgHasParams: alg.length > 1,
      issuerNameHash: Buffer.from(content(expectTag(f[1], 0x04, 'issuerNameHash'))),
      issuerKeyHash: Buffer.from(content(expectTag(f[2], 0x04, 'issuerKeyHash'))),
      serialHex: serialHex(serial),
    };
  });
  let nonce: Buffer | undefined;
  const extsNode: Node | undefined = tbs[i];
  if (extsNode) {
    expectTag(extsNode, 0xa2, 'requestExtensions');
    for (const ext of children(expectTag(children(extsNode)[0], 0x30, 'Extensions'))) {
      const parts = children(expectTag(ext, 0x30, 'Extension'));
      if (readOid(parts[0]) === OID.ocspNonce) {
        nonce = Buffer.from(content(expectTag(parts[parts.length - 1], 0x04, 'extnValue')));
        if (nonce.length === 0 || nonce.length > MAX_NONCE) throw new DerError('nonce length out of range');
      }
    }
  }
  return { requests, ...(nonce ? { nonce } : {}) };
}

export type CertStatus = { kind: 'good' } | { kind: 'unknown' } | { kind: 'revoked'; revokedAt: Date; reason: RevocationReason };

export interface SingleStatus {
  certIdDer: Buffer;
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

function certStatus(s: CertStatus): Buffer {
  if (s.kind === 'good') return implicitPrimitive(0, Buffer.alloc(0));
  if (s.kind === 'unknown') return implicitPrimitive(2, Buffer.alloc(0));
  const code = REVOCATION_REASONS[s.reason];
  return implicitConstructed(1, Buffer.concat([generalizedTime(wholeSeconds(s.revokedAt)), explicit(0, enumerated(code))]));
}

/** A successful OCSPResponse carrying a BasicOCSPResponse signed through the vault. */
export async function buildOcspResponse(input: BasicResponseInput, signer: Signer): Promise<Buffer> {
  const singles = input.responses.map((r) =>
    seq(r.certIdDer, certStatus(r.status), generalizedTime(wholeSeconds(input.thisUpdate)), explicit(0, generalizedTime(wholeSeconds(input.nextUpdate)))),
  );
  const tbs = seq(
    explicit(2, octets(input.responderKeyHash)),
    generalizedTime(wholeSeconds(input.producedAt)),
    seq(...singles),
    ...(input.nonce ? [explicit(1, seq(extension(OID.ocspNonce, false, input.nonce)))] : []),
  );
  const algId = signatureAlgorithm(signer);
  const basic = seq(tbs, algId, bitString(await signWith(signer, tbs)), ...(input.certs.length ? [explicit(0, seq(...input.certs))] : []));
  return seq(enumerated(OCSP_STATUS.successful), explicit(0, seq(oid(OID.ocspBasic), octets(basic))));
}

/** An unsuccessful OCSPResponse: status only, no responseBytes. */
export const ocspErrorResponse = (status: Exclude<(typeof OCSP_STATUS)[keyof typeof OCSP_STATUS], 0>): Buffer => seq(enumerated(status));
