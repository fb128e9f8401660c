import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { ensureBootstrapToken } from './auth/tokens.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import type { ServiceContext } from './context.js';
import { resolveKek } from './dev-kek.js';
import { createApp } from './http/app.js';
import { MemoryState } from './store/memory-state.js';
import { openStore } from './store/open.js';
import { openRedisState } from './store/redis-state.js';
import type { SharedState } from './store/shared-state.js';

export interface RunningService {
  ctx: ServiceContext;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Builds every service once from the configuration. Used by `seal serve` and by tests. */
export async function buildContext(config: Config, logger: Logger, clock: Clock = systemClock): Promise<ServiceContext> {
  const db = await openStore(config);
  let state: SharedState;
  try {
    state = config.redisUrl ? await openRedisState(config.redisUrl) : new MemoryState(clock);
  } catch (err) {
    await db.close();
    throw err;
  }
  const kek = resolveKek(config, logger);
  void kek; // handed to the key vault (src/crypto) once the CA lands
  if (config.bootstrapToken) {
    const token = config.bootstrapToken;
    await db.transaction((tx) => ensureBootstrapToken(tx, token));
  }
  return { config, db, state, clock, logger };
}

export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const ctx = await buildContext(config, logger);
  const app = createApp(ctx);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, '0.0.0.0', () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://127.0.0.1:${port}`;
  logger.info({ url, storage: ctx.db.kind, sharedState: ctx.state.kind }, 'e-seal service listening');
  return {
    ctx,
    server,
    url,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ctx.state.close();
      await ctx.db.close();
    },
  };
}
