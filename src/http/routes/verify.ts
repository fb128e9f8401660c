import { createHash } from 'node:crypto';
import { Router } from 'express';
import type { ServiceContext } from '../../context.js';
import { inProcessCaFetch } from '../../ca/in-process-fetch.js';
import { badRequest } from '../../errors.js';
import { appendAudit } from '../../seals/audit.js';
import { auditActor } from '../../seals/actor.js';
import { documentWorkers } from '../../isolation/document-workers.js';
import { actorOf } from '../actor.js';
import { requireRole } from '../auth.js';

/**
 * POST /v1/verify[?at=TIME]: the verification report for an incoming PDF, against our root, at the validation time. Revocation comes
 * from the document's DSS first; for our own certificates the verifier then asks our CA in-process,
 * never the network. Every verification is written to the register.
 */
export function verifyRoutes(ctx: ServiceContext): Router {
  const r = Router();
  const fetch = inProcessCaFetch(ctx.ca, ctx.config.publicUrl);
  r.post('/v1/verify', requireRole(), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw badRequest('missing-document', 'The body must be the PDF (application/pdf).', { field: 'body' });
    const actor = actorOf(req, res);
    const at = typeof req.query.at === 'string' ? new Date(req.query.at) : ctx.clock.now();
    if (Number.isNaN(at.getTime())) throw badRequest('invalid-time', 'at must be an ISO 8601 date and time.', { field: 'query.at' });
    // Read in the document worker pool, never on this thread (DESIGN.md, "Untrusted documents"); both hierarchies'
    // roots, since a document may carry ECDSA and SM2 seals side by side.
    const report = await documentWorkers().verify(req.body, { trustAnchors: [ctx.ca.rootCertificate, ctx.ca.rootCertificateOf('SM2')], now: at, online: { fetch } });
    // The classification mark (Art. 6) at the top left of the first page; null when there is none (or no text).
    const classification = await documentWorkers().examine(req.body, {}).then((e) => e.classification, () => null);
    await ctx.db.transaction((tx) =>
      appendAudit(tx, ctx.clock, {
        ...auditActor(actor),
        action: 'document.verified',
        details: {
          documentSha256: createHash('sha256').update(req.body as Buffer).digest('hex'),
          valid: report.valid,
          validationTime: report.validationTime,
          classification: classification?.text ?? null,
          signatures: report.signatures.map((s) => ({ field: s.field, status: s.status, serial: s.signer?.certificateSerial ?? null })),
        },
      }),
    );
    res.json({ ...report, classification });
  });
  return r;
}
