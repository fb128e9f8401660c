/**
 * The verifier (验证 verification of incoming seals), pure: PDF bytes and trust anchors in, report out.
 * Used by POST /v1/verify, by `seal verify`, and by the offline bundle (dist/seal-verify.mjs).
 */
export { verifyPdf } from './verify-pdf.js';
export type {
  CheckOutcome, ModificationLevel, ModificationReport, PadesLevel, SignatureReport, SignatureStatus, SignerReport, VerificationReport, VerifyOptions,
} from './types.js';
