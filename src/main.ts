import { createServer, type RequestListener, type Server } from 'node:http';
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
import { closeDocumentWorkers, configureDocumentWorkers } from './isolation/document-workers.js';
import { setParserWarningSink } from './pdf/parser-warnings.js';
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
  // Untrusted documents are handled in the worker pool; its parser warnings come back to this logger, capped.
  const parserWarning = (message: string) => logger.debug({ pdf: message }, 'PDF parser warning');
  setParserWarningSink(parserWarning);
  configureDocumentWorkers(config.documentWorkers, parserWarning);
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
    defaultAlgorithm: config.defaultAlgorithm,
  };
  const auditAnchor = { db, clock, signer: caAuditSigner(ca), policy: config.auditCheckpoint, instance: `${hostname()}:${process.pid}` };
  const checkpointer = new AuditCheckpointer(auditAnchor, (err) => logger.warn({ err }, 'audit checkpoint not written; retried later'));
  return { config, db, state, clock, logger, vault, ca, register, auditAnchor, checkpointer };
}

/** The address or port cannot be had (in use, not ours to bind): `seal serve` says so in one line and exits 1. */
export class ListenError extends Error {
  constructor(readonly host: string, readonly port: number, readonly code: string | undefined) {
    super(
      code === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use`
        : code === 'EADDRNOTAVAIL'
          ? `address ${host} is not an address of this machine`
          : code === 'EACCES'
            ? `not allowed to listen on ${host}:${port}`
            : `cannot listen on ${host}:${port} (${code ?? 'unknown error'})`,
    );
    this.name = 'ListenError';
  }
}

/** Listens, or rejects with a ListenError (http.Server reports a failed bind as an 'error' event, not through listen's callback). */
function listen(listener: RequestListener, host: string, port: number): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const s = createServer(listener);
    s.once('error', (err: NodeJS.ErrnoException) => reject(new ListenError(host, port, err.code)));
    s.listen(port, host, () => resolve(s));
  });
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
  let server: Server;
  try {
    server = await listen(createRequestListener(ctx), config.host, config.port);
  } catch (err) {
    // Everything started so far is stopped, so that the process can exit with the one line.
    await ctx.ca.close();
    await closeDocumentWorkers();
    await ctx.state.close();
    await ctx.db.close();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // Listening on every address (0.0.0.0, ::): the URL to try from this machine is the loopback one.
  const local = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  const url = `http://${local.includes(':') ? `[${local}]` : local}:${port}`;
  // Without a bootstrap token an empty database would leave nobody able to sign in: make the first
  // administrator. Only once listening: a start that cannot listen must not make one whose token it never shows.
  let firstAdministrator: { id: string; token: string } | null = null;
  try {
    if (!config.bootstrapToken) firstAdministrator = await ensureFirstAdministrator(ctx.register);
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await ctx.ca.close();
    await closeDocumentWorkers();
    await ctx.state.close();
    await ctx.db.close();
    throw err;
  }
  logger.info({ url, host: config.host, port, storage: ctx.db.kind, sharedState: ctx.state.kind }, 'e-seal service listening');
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
      await closeDocumentWorkers();
      await ctx.state.close();
      await ctx.db.close();
    },
  };
}
