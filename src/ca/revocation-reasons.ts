/** CRLReason (RFC 5280 5.3.1); the names are the ones callers pass to revoke(). */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
} as const;

export type RevocationReason = keyof typeof REVOCATION_REASONS;

export const isRevocationReason = (s: unknown): s is RevocationReason =>
  typeof s === 'string' && Object.prototype.hasOwnProperty.call(REVOCATION_REASONS, s);
