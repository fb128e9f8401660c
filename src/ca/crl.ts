import { bitString, enumerated, explicit, integer, seq, wholeSeconds, x509Time } from './der.js';
import { signatureAlgorithm, signWith, type Signer } from './cert.js';
import { authorityKeyIdentifier, extension } from './extensions.js';
import { OID } from './oids.js';
import { REVOCATION_REASONS, type RevocationReason } from './revocation-reasons.js';

export interface RevokedEntry {
  serialHex: string;
  revokedAt: Date;
  reason: RevocationReason;
}

export interface CrlInput {
  issuerName: Buffer;
  issuerKeyId: Buffer;
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: RevokedEntry[];
}

/** A v2 CRL (RFC 5280 5.1) with cRLNumber and authorityKeyIdentifier, signed through the vault. */
export async function buildCrl(input: CrlInput, signer: Signer): Promise<Buffer> {
  const algId = signatureAlgorithm(signer);
  const entries = input.revoked.map((r) => {
    const code = REVOCATION_REASONS[r.reason];
    // RFC 5280 5.3.1: the reasonCode entry extension is left out rather than written as unspecified.
    const exts = code === 0 ? [] : [seq(extension(OID.reasonCode, false, enumerated(code)))];
    return seq(integer(Buffer.from(r.serialHex, 'hex')), x509Time(wholeSeconds(r.revokedAt)), ...exts);
  });
  const tbs = seq(
    integer(1),
    algId,
    input.issuerName,
    x509Time(wholeSeconds(input.thisUpdate)),
    x509Time(wholeSeconds(input.nextUpdate)),
    ...(entries.length ? [seq(...entries)] : []),
    explicit(0, seq(authorityKeyIdentifier(input.issuerKeyId), extension(OID.cRLNumber, false, integer(input.crlNumber)))),
  );
  return seq(tbs, algId, bitString(await signWith(signer, tbs)));
}
