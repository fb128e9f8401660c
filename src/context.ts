import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Db } from './store/db.js';
import type { SharedState } from './store/shared-state.js';

/**
 * What the composition root (src/main.ts) builds once and hands to the HTTP layer and the services.
 * Service modules add their handles here as they arrive (the CA, the seal register, …).
 */
export interface ServiceContext {
  config: Config;
  db: Db;
  state: SharedState;
  clock: Clock;
  logger: Logger;
}
