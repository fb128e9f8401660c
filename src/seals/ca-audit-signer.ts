import type { CaHandle } from '../ca/authority.js';
import type { AuditAnchorSigner } from './audit-anchor.js';

/** Audit anchoring on the municipal CA: the audit key (made by the ceremony) signs, our TSA stamps. */
export function caAuditSigner(ca: CaHandle): AuditAnchorSigner {
  return {
    sign: (data) => ca.signAuditRecord(data),
    timestamp: (hash) => ca.timestamp(hash, 'SHA-256'),
  };
}
