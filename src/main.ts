import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ensureBootstrapToken } from './auth/tokens.js';
import { ensureCa } from './ca/authority.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import type { ServiceContext } from './context.js';
import { DbKeyVault } from './crypto/db-key-vault.js';
import { resolveKek } from './dev-kek.js';
import { createRequestListener } from './http/app.js';
import { preloadRenderer, renderSeal } from './render/index.js';
import { AuditCheckpointer } from './seals/audit-anchor.js';
import { caAuditSigner } from './seals/ca-audit-signer.js';
import { caSealMaker } from './seals/ca-seal-maker.js';
import { startScheduledJobs } from './seals/scheduled.js';
import { ensureFirstAdministrator } from './seals/users.js';
import type { Db } from './store/db.js';
import { MemoryState } from './store/memory-state.js';
import { openStore } from './store/open.js';
import { openRedisState } from './store/redis-state.js';
import type { SharedState } from './store/shared-state.js';

export interface RunningService {
  ctx: ServiceContext;
  server: Server;
  url: string;
  /** Made on this start because the database was empty and no SEAL_BOOTSTRAP_TOKEN was set: show it once. */
  firstAdministrator: { id: string; token: string } | null;
  close(): Promise<void>;
}

/**
 * Builds every service on opened storage: the key vault, the CA (a development CA is created on
 * first start), the seal register. Shared by `seal serve` and the tests.
 */
export async function assembleContext(parts: { config: Config; db: Db; state: SharedState; clock: Clock; logger: Logger; kek: Buffer }): Promise<ServiceContext> {
  const { config, db, state, clock, logger } = parts;
  const vault = new DbKeyVault(db, parts.kek);
  const ca = await ensureCa({ db, vault, config, clock, state, onAnnounceFailed: (err) => logger.warn({ err }, 'a revocation could not be announced to other instances; their cached OCSP answers expire by themselves') });
  if (config.bootstrapToken) {
    const token = config.bootstrapToken;
    await db.transaction((tx) => ensureBootstrapToken(tx, token));
  }
  const register = {
    db,
    clock,
    maker: caSealMaker(ca, vault),
    renderer: { render: (req: { template: string; text: string; bottomText?: string }) => renderSeal(req) },
  };
  const auditAnchor = { db, clock, signer: caAuditSigner(ca), policy: config.auditCheckpoint, instance: `${hostname()}:${process.pid}` };
  const checkpointer = new AuditCheckpointer(auditAnchor, (err) => logger.warn({ err }, 'audit checkpoint not written; retried later'));
  return { config, db, state, clock, logger, vault, ca, register, auditAnchor, checkpointer };
}

/** Opens storage and shared state from the configuration, then assembles the services. */
export async function buildContext(config: Config, logger: Logger, clock: Clock = systemClock): Promise<ServiceContext> {
  const db = await openStore(config);
  let state: SharedState | undefined;
  try {
    state = config.redisUrl ? await openRedisState(config.redisUrl) : new MemoryState(clock);
    return await assembleContext({ config, db, state, clock, logger, kek: resolveKek(config, logger) });
  } catch (err) {
    await state?.close();
    await db.close();
    throw err;
  }
}

export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  // Templates and the font are read now: a broken template stops the start, not the first request.
  preloadRenderer();
  const ctx = await buildContext(config, logger);
  // Without a bootstrap token an empty database would leave nobody able to sign in: make the first administrator.
  const firstAdministrator = config.bootstrapToken ? null : await ensureFirstAdministrator(ctx.register);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = createServer(createRequestListener(ctx));
    s.once('error', reject);
    s.listen(config.port, '0.0.0.0', () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://127.0.0.1:${port}`;
  logger.info({ url, storage: ctx.db.kind, sharedState: ctx.state.kind }, 'e-seal service listening');
  // Audit checkpoints every M minutes, renames on their effective date: on every instance, each done once.
  ctx.checkpointer.start();
  const stopJobs = startScheduledJobs(ctx.register, 60_000, (err) => logger.warn({ err }, 'scheduled job failed; retried at the next run'));
  return {
    ctx,
    server,
    url,
    firstAdministrator,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopJobs();
      await ctx.checkpointer.stop();
      await ctx.ca.close();
      await ctx.state.close();
      await ctx.db.close();
    },
  };
}
