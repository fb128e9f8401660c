import { ConfigError, loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import { ListenError, startService } from '../../main.js';

export async function serveCommand(_args: string[]): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`seal: invalid setting ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let service;
  try {
    service = await startService(config, logger);
  } catch (err) {
    if (err instanceof ListenError) {
      process.stderr.write(`seal: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await service.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  // Keep running until a signal arrives.
  return new Promise<number>(() => {});
}
