import { createHash } from 'node:crypto';
import type { CaHandle } from '../ca/authority.js';
import type { Config } from '../config.js';
import type { KeyVault } from '../crypto/key-vault.js';
import { forbidden, unprocessable } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { httpTimestamper, type CmsSigner, type Timestamper } from '../pdf/cms.js';
import { sealPdf, type PadesLevel, type SealAppearance } from '../pdf/seal.js';
import { canonicalPixels } from '../render/index.js';
import { auditActor, type Actor } from './actor.js';
import { appendAudit } from './audit.js';
import type { RegisterDeps } from './deps.js';
import { wrongState, type SealStatus } from './records.js';
import { authorizeSealing, sealImagePng } from './seal-actions.js';

/** 用印 using a seal on a document: authorised, sealed as PAdES, written to the usage register. */
export interface SealingDeps {
  register: RegisterDeps;
  ca: CaHandle;
  vault: KeyVault;
  config: Pick<Config, 'tsaUrl'>;
}

export interface SealingRequest {
  page: number;
  xMm: number;
  yMm: number;
  level: PadesLevel;
  reason?: string;
  /** Art. 6: the exchange carries no classified documents; only `none` is accepted. */
  classification: string;
  title?: string;
  certify?: 1 | 2 | 3;
  /** The operator a platform acts for (header Seal-Operator). */
  onBehalfOf?: string;
}

/**
 * The seal's appearance does not depend on the document: decoded once per seal and kept. A seal's
 * image never changes after it is made, so the cache needs no invalidation; it is bounded.
 */
const appearances = new Map<string, Promise<SealAppearance>>();
function appearanceOf(deps: SealingDeps, seal: { id: string; width_mm: number; height_mm: number }): Promise<SealAppearance> {
  let a = appearances.get(seal.id);
  if (!a) {
    a = sealImagePng(deps.register, seal.id).then(async (png) => {
      const { width, height, rgba } = await canonicalPixels(png);
      return { rgba: Buffer.from(rgba), width, height, widthMm: seal.width_mm, heightMm: seal.height_mm };
    });
    a.catch(() => appearances.delete(seal.id));
    if (appearances.size >= 256) appearances.delete(appearances.keys().next().value!);
    appearances.set(seal.id, a);
  }
  return a;
}

function timestamperOf(deps: SealingDeps): Timestamper {
  if (deps.config.tsaUrl) return httpTimestamper(deps.config.tsaUrl);
  return (imprint, hash) => deps.ca.timestamp(imprint, hash);
}

export async function sealDocument(deps: SealingDeps, actor: Actor, sealId: string, pdf: Buffer, req: SealingRequest): Promise<Buffer> {
  if (req.classification !== 'none') {
    throw unprocessable('classified-document', 'The exchange carries no classified documents (Art. 6): classification must be "none".', {
      field: 'classification',
    });
  }
  const { seal, operatorId } = await authorizeSealing(deps.register, actor, sealId, req.onBehalfOf);
  const keyId = seal.key_id;
  const signer: CmsSigner = {
    certificates: [Buffer.from(seal.certificate), ...(await deps.ca.chain(seal.issuer_ca_id))],
    keyAlgorithm: await deps.vault.algorithm(keyId),
    digest: 'SHA-256',
    sign: (data) => deps.vault.sign(keyId, data, 'SHA-256'),
  };
  const signingTime = deps.register.clock.now();
  const sealed = await sealPdf(pdf, {
    page: req.page,
    xMm: req.xMm,
    yMm: req.yMm,
    appearance: await appearanceOf(deps, seal),
    signer,
    level: req.level,
    signingTime,
    reason: req.reason,
    timestamper: req.level === 'B-B' ? undefined : timestamperOf(deps),
    revocation: (cert) => deps.ca.revocationDataFor(cert),
    certify: req.certify,
    extraCertificates: [deps.ca.rootCertificate, deps.ca.tsaCertificate],
  });
  // The document is handed back only once its sealing is in the register, written in the same
  // transaction that finds the seal still active and its operator still authorised, with the seal's
  // row locked FOR SHARE: a return, destroy, rename or deregistration (FOR UPDATE) waits for this
  // commit, so no "seal used" ever follows "seal returned" and no 200 is sealed after a return.
  const details = {
    documentSha256: createHash('sha256').update(pdf).digest('hex'),
    sealedSha256: createHash('sha256').update(sealed).digest('hex'),
    title: req.title ?? null,
    bytes: pdf.length,
    page: req.page,
    xMm: req.xMm,
    yMm: req.yMm,
    level: req.level,
    reason: req.reason ?? null,
    certificateSerial: seal.cert_serial,
  };
  const entry = {
    ...auditActor(actor),
    unitId: seal.unit_id,
    sealId,
    onBehalfOf: actor.principal.role === 'platform' ? operatorId : null,
  };
  const refusal = await deps.register.db.transaction(async (tx) => {
    const now = await sealStateForUse(tx, sealId, operatorId);
    if (now.status !== 'active') return wrongState('seal', now.status, 'active');
    if (!now.authorised) return forbidden('This operator is no longer authorised to use this seal.');
    await appendAudit(tx, deps.register.clock, { ...entry, action: 'seal.used', details });
    return null;
  });
  if (refusal) {
    // Lost the race: the key was used (and a time-stamp issued) for a document nobody receives.
    await deps.register.db.transaction((tx) =>
      appendAudit(tx, deps.register.clock, {
        ...entry,
        action: 'seal.use-abandoned',
        outcome: 'refused',
        details: { ...details, refusedBecause: refusal.type, state: refusal.details.state ?? null, timestamped: req.level !== 'B-B' },
      }),
    );
    throw refusal;
  }
  return sealed;
}

/** The seal's state and the operator's authorisation, read with the seal's row locked FOR SHARE until commit. */
async function sealStateForUse(tx: Queryable, sealId: string, operatorId: string): Promise<{ status: SealStatus; authorised: boolean }> {
  const { rows } = await tx.query<{ status: SealStatus; authorised: boolean }>(
    `SELECT s.status,
            EXISTS (SELECT 1 FROM seal_operators o JOIN users u ON u.id = o.user_id
                     WHERE o.seal_id = s.id AND o.user_id = $2 AND o.revoked_at IS NULL AND u.disabled_at IS NULL AND u.unit_id = s.unit_id) AS authorised
       FROM seals s WHERE s.id = $1 FOR SHARE OF s`,
    [sealId, operatorId],
  );
  return rows[0] ?? { status: 'destroyed', authorised: false };
}
