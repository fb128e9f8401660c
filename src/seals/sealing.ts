import type { CaHandle } from '../ca/authority.js';
import type { Config } from '../config.js';
import type { KeyVault } from '../crypto/key-vault.js';
import { forbidden, unprocessable } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { httpTimestamper, type CmsSigner, type Timestamper } from '../pdf/cms.js';
import type { PadesLevel, SealAppearance, SealPdfOptions } from '../pdf/seal.js';
import { encodeSealImage } from '../pdf/appearance.js';
import { sha256Of } from '../pdf/received-digest.js';
import { documentWorkers } from '../isolation/document-workers.js';
import { canonicalPixels } from '../render/index.js';
import { auditActor, type Actor } from './actor.js';
import { appendAudit } from './audit.js';
import type { RegisterDeps } from './deps.js';
import { findUnit, wrongState, type SealStatus } from './records.js';
import { authorizeSealing, operatorMayUse, sealImagePng } from './seal-actions.js';

/** 用印 using a seal on a document: authorised, sealed as PAdES, written to the usage register. */
export interface SealingDeps {
  register: RegisterDeps;
  ca: CaHandle;
  vault: KeyVault;
  config: Pick<Config, 'tsaUrl'>;
}

export interface SealingRequest {
  /** Without it: page 1 for x and y; the last page with text for placement=auto. */
  page?: number;
  xMm?: number;
  yMm?: number;
  /** GB/T 9704-2012 §7.3.5: over the unit's name and the date of writing, found in the text (src/placement). */
  placement?: 'auto';
  /** 骑缝章: also split across the right edge of every page (alone when no position is given). */
  riding?: boolean;
  level: PadesLevel;
  reason?: string;
  /** Art. 6: the exchange carries no classified documents; only `none` is accepted. */
  classification: string;
  title?: string;
  certify?: 1 | 2 | 3;
  /** The operator a platform acts for (header Seal-Operator). */
  onBehalfOf?: string;
  /** SM2 seals: `ses` (default) a GB/T 38540 SES_Signature, `cms` an SM2 CMS; ECDSA seals make CAdES only. */
  format?: 'ses' | 'cms';
}

/**
 * The seal's appearance does not depend on the document: decoded and encoded as the PDF's image streams once per
 * seal and kept, so a sealing hands the worker a few KB of compressed image, not ~4 MB of pixels to copy and hash.
 * A seal's image never changes after it is made, so the cache needs no invalidation; it is bounded.
 */
const appearances = new Map<string, Promise<SealAppearance>>();
function appearanceOf(deps: SealingDeps, seal: { id: string; width_mm: number; height_mm: number }): Promise<SealAppearance> {
  let a = appearances.get(seal.id);
  if (!a) {
    a = sealImagePng(deps.register, seal.id).then(async (png) => {
      const { width, height, rgba } = await canonicalPixels(png);
      const size = { width, height, widthMm: seal.width_mm, heightMm: seal.height_mm };
      return { ...size, encoded: encodeSealImage({ ...size, rgba: Buffer.from(rgba) }) };
    });
    a.catch(() => appearances.delete(seal.id));
    if (appearances.size >= 256) appearances.delete(appearances.keys().next().value!);
    appearances.set(seal.id, a);
  }
  return a;
}

/** One timestamper per CA and TSA address, so the token size learnt by a trial request is learnt once, not per sealing. */
const timestampers = new WeakMap<object, Map<string, Timestamper>>();

/** Our TSA in-process, or the external one configured (SEAL_TSA_URL); the same function every time for the same service. */
export function timestamperOf(deps: Pick<SealingDeps, 'ca' | 'config'>): Timestamper {
  let byUrl = timestampers.get(deps.ca);
  if (!byUrl) timestampers.set(deps.ca, (byUrl = new Map()));
  const url = deps.config.tsaUrl ?? '';
  let t = byUrl.get(url);
  if (!t) {
    const tsaUrl = deps.config.tsaUrl;
    t = tsaUrl ? httpTimestamper(tsaUrl) : (imprint, hash) => deps.ca.timestamp(imprint, hash);
    byUrl.set(url, t);
  }
  return t;
}

/**
 * The names placement=auto looks for: first the name this seal reads (a seal made before a rename announced for a
 * later date still reads the old name, and the documents it seals meanwhile are signed with it), then the unit's
 * registered name and its aliases.
 */
export function placementNames(sealReads: string | null, unit: { name: string; aliases: string[] }): string[] {
  return [...new Set([...(sealReads ? [sealReads] : []), unit.name, ...unit.aliases])];
}

export interface SealedDocument {
  pdf: Buffer;
  /** Where the seal went (absent for a riding seal alone). */
  placement?: { page: number; xMm: number; yMm: number };
}

export async function sealDocument(deps: SealingDeps, actor: Actor, sealId: string, received: Buffer, req: SealingRequest): Promise<SealedDocument> {
  if (req.classification !== 'none') {
    throw unprocessable('classified-document', 'The exchange carries no classified documents (Art. 6): classification must be "none".', {
      field: 'classification',
    });
  }
  const { seal, operatorId } = await authorizeSealing(deps.register, actor, sealId, req.onBehalfOf);
  const sm2 = seal.algorithm === 'SM2';
  if (!sm2 && req.format !== undefined) {
    throw unprocessable('format-not-available', 'format (ses or cms) is for SM2 seals; an ECDSA seal makes a CAdES signature.', { field: 'format' });
  }
  const format = sm2 ? (req.format ?? 'ses') : undefined;
  // The unit's registered name and aliases, which placement=auto looks for (not read for a sealing at x and y).
  const unit = req.placement === 'auto' ? await findUnit(deps.register.db, seal.unit_id) : undefined;
  // Hashed for the register before it goes to a worker (a request body's hash was taken as it arrived).
  const hashes = hashAlong(received);
  const keyId = seal.key_id;
  // An SM2 seal signs with SM3 (its profile's only digest), every other with SHA-256.
  const digest = sm2 ? 'SM3' : 'SHA-256';
  const hierarchy = sm2 ? 'SM2' : 'ECDSA';
  // What the sealing needs that does not depend on the document, gathered while a worker reads it; used (and any
  // error of it thrown) only once the examination has let the sealing go ahead.
  const prepared = (async (): Promise<Omit<SealPdfOptions, 'page' | 'xMm' | 'yMm' | 'signingTime'>> => {
    const chain = await deps.ca.chain(seal.issuer_ca_id);
    const signer: CmsSigner = {
      certificates: [Buffer.from(seal.certificate), ...chain],
      keyAlgorithm: await deps.vault.algorithm(keyId),
      digest,
      sign: (data) => deps.vault.sign(keyId, data, digest),
    };
    return {
      riding: req.riding,
      appearance: await appearanceOf(deps, seal),
      signer,
      ...(format === 'ses' ? { ses: { certificate: Buffer.from(seal.certificate), seseal: await sesealOf(deps, seal.id) } } : {}),
      ...(format === 'cms' ? { cmsSubFilter: 'adbe.pkcs7.detached' as const } : {}),
      level: req.level,
      reason: req.reason,
      timestamper: req.level === 'B-B' ? undefined : timestamperOf(deps),
      revocation: (cert) => deps.ca.revocationDataFor(cert),
      certify: req.certify,
      // The DSS of an SES signature needs the seal's chain and the seal maker's (the SES_Signature carries neither).
      extraCertificates: [
        deps.ca.rootCertificateOf(hierarchy),
        deps.ca.tsaCertificateOf(hierarchy),
        ...(format === 'ses' ? [...chain, ...(await deps.ca.sealMakerChain())] : []),
      ],
    };
  })();
  prepared.catch(() => undefined); // awaited below when the examination lets the sealing go ahead
  let position: { page: number; xMm: number; yMm: number } | undefined;
  // One job on one worker: the document's own classification mark (Art. 6) and where the seal goes are read from
  // it, then it is sealed from the same reading. It goes to the worker and back by transfer, not copy: `received`
  // is empty after this, `sealed` holds it.
  const { pdf: sealed } = await documentWorkers().examineAndSeal(received, {
    ...(unit
      ? {
          auto: {
            names: placementNames(seal.unit_name, unit), seal: { widthMm: seal.width_mm, heightMm: seal.height_mm },
            ...(req.page ? { page: req.page } : {}), riding: req.riding === true,
          },
        }
      : {}),
  }, async (examined) => {
    // Before the seal is used: a classified document is refused here, before anything is signed or time-stamped.
    if (examined.classification) {
      const mark = examined.classification;
      throw unprocessable('classified-document', `The document is marked ${mark.text} (${mark.level}) at the top left of its first page: the exchange carries no classified documents (Art. 6).`, {
        classification: mark,
      });
    }
    position = examined.placement ?? (req.xMm !== undefined && req.yMm !== undefined ? { page: req.page ?? 1, xMm: req.xMm, yMm: req.yMm } : undefined);
    return {
      ...(await prepared),
      signingTime: deps.register.clock.now(),
      page: position?.page ?? 1,
      ...(position ? { xMm: position.xMm, yMm: position.yMm } : {}),
    };
  }, { handOver: true });
  // The document is handed back only once its sealing is in the register, written in the same
  // transaction that finds the seal still active and its operator still authorised, with the seal's
  // row locked FOR SHARE: a return, destroy, rename or deregistration (FOR UPDATE) waits for this
  // commit, so no "seal used" ever follows "seal returned" and no 200 is sealed after a return.
  const { documentSha256, sealedSha256, bytes } = hashes.sealed(sealed);
  const details = {
    documentSha256,
    sealedSha256,
    title: req.title ?? null,
    bytes,
    page: position?.page ?? null,
    xMm: position?.xMm ?? null,
    yMm: position?.yMm ?? null,
    placement: req.placement ?? null,
    riding: req.riding ?? false,
    level: req.level,
    ...(format ? { format } : {}),
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
  return { pdf: sealed, ...(position ? { placement: { page: position.page, xMm: position.xMm, yMm: position.yMm } } : {}) };
}

/**
 * SHA-256 of the document and of the sealed document, reading the document once: a sealing appends an
 * incremental update and leaves the document's bytes as they were before it, so the sealed file's hash
 * continues from the document's. Taken before the document is handed over to a worker (it is gone after); for a
 * request body, the document's hash was taken while it arrived (sha256Of).
 */
function hashAlong(pdf: Uint8Array): { sealed(sealed: Buffer): { documentSha256: string; sealedSha256: string; bytes: number } } {
  const bytes = pdf.length;
  const h = sha256Of(pdf);
  const documentSha256 = h.copy().digest('hex');
  return {
    sealed(sealed) {
      if (sealed.length < bytes) throw new Error('the sealed document is shorter than the document');
      return { documentSha256, sealedSha256: h.update(sealed.subarray(bytes)).digest('hex'), bytes };
    },
  };
}

/** An SM2 seal's SESeal (it never changes once made). */
async function sesealOf(deps: SealingDeps, sealId: string): Promise<Buffer> {
  const { rows } = await deps.register.db.query<{ seseal: Uint8Array | null }>('SELECT seseal FROM seals WHERE id = $1', [sealId]);
  if (!rows[0]?.seseal) throw unprocessable('seal-data-missing', 'This SM2 seal has no GB/T 38540 seal data; it cannot make an SES signature.', { field: 'format' });
  return Buffer.from(rows[0].seseal);
}

/** The seal's state and the operator's authorisation, read with the seal's row locked FOR SHARE until commit. */
async function sealStateForUse(tx: Queryable, sealId: string, operatorId: string): Promise<{ status: SealStatus; authorised: boolean }> {
  const { rows } = await tx.query<{ status: SealStatus; authorised: boolean }>(
    `SELECT s.status, ${operatorMayUse('s', '$2')} AS authorised
       FROM seals s WHERE s.id = $1 FOR SHARE OF s`,
    [sealId, operatorId],
  );
  return rows[0] ?? { status: 'destroyed', authorised: false };
}
