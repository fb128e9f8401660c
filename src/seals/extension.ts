/**
 * 延展 extending a sealed document for long-term validation (POST /v1/extend, `seal extend`): whoever sealed
 * it, add the validation data its signatures lack and a fresh archive time-stamp (PAdES B-LTA). Revocation
 * data comes from our own CA, in-process, for the certificates it issued; for others' certificates the
 * document keeps what it has (fetching from addresses a document names would let any caller make the
 * service reach out to any host). Every extension is written to the register.
 */
import { createHash } from 'node:crypto';
import type { CaHandle } from '../ca/authority.js';
import type { Config } from '../config.js';
import { documentWorkers } from '../isolation/document-workers.js';
import type { ExtendResult } from '../pdf/extend.js';
import { auditActor, type Actor } from './actor.js';
import { appendAudit } from './audit.js';
import type { RegisterDeps } from './deps.js';
import { timestamperOf } from './sealing.js';

export interface ExtensionDeps {
  register: Pick<RegisterDeps, 'db' | 'clock'>;
  ca: CaHandle;
  config: Pick<Config, 'tsaUrl'>;
}

/** Room left after the DSS revision, so the time-stamp revision is appended in place. */
const TIMESTAMP_RESERVE = 256 * 1024;

export async function extendDocument(deps: ExtensionDeps, actor: Actor, pdf: Buffer): Promise<ExtendResult> {
  const result = await documentWorkers().extend(pdf, {
    revocation: (cert) => deps.ca.revocationDataFor(cert),
    timestamper: timestamperOf(deps),
    extraCertificates: [deps.ca.rootCertificate, deps.ca.tsaCertificate],
    writeOptions: { inPlace: true, reserve: TIMESTAMP_RESERVE },
  });
  await deps.register.db.transaction((tx) =>
    appendAudit(tx, deps.register.clock, {
      ...auditActor(actor),
      action: 'document.extended',
      details: {
        documentSha256: createHash('sha256').update(pdf).digest('hex'),
        extendedSha256: createHash('sha256').update(result.pdf).digest('hex'),
        added: result.added,
      },
    }),
  );
  return result;
}
