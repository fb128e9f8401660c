import type { Logger } from 'pino';
import type { CaHandle } from './ca/authority.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { KeyVault } from './crypto/key-vault.js';
import type { AuditAnchorDeps, AuditCheckpointer } from './seals/audit-anchor.js';
import type { RegisterDeps } from './seals/deps.js';
import type { Db } from './store/db.js';
import type { SharedState } from './store/shared-state.js';

/**
 * What the composition root (src/main.ts) builds once and hands to the HTTP layer and the services.
 */
export interface ServiceContext {
  config: Config;
  db: Db;
  state: SharedState;
  clock: Clock;
  logger: Logger;
  /** 密钥库 where every private key lives. */
  vault: KeyVault;
  /** The municipal CA: certificates, CRL, OCSP, TSA. */
  ca: CaHandle;
  /** The seal register: units, users, applications, seals, the audit log. */
  register: RegisterDeps;
  /** Anchoring the audit log: checkpoints and signed exports. */
  auditAnchor: AuditAnchorDeps;
  checkpointer: AuditCheckpointer;
}
