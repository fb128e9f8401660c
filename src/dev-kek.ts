import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';

/**
 * The key-encryption key: SEAL_KEK in production. For development only, when it is unset, one is
 * generated once into the data directory (mode 0600), with a loud warning: whoever reads that file
 * can unwrap every private key in the database.
 */
export function resolveKek(config: Config, logger: Logger): Buffer {
  if (config.kek) return config.kek;
  const file = join(config.dataDir, 'dev-kek.b64');
  mkdirSync(config.dataDir, { recursive: true });
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  logger.warn(
    { file },
    'SEAL_KEK is not set: using a development key-encryption key stored beside the data. Never do this in production.',
  );
  const kek = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (kek.length !== 32) throw new Error(`${file} does not hold base64 of 32 bytes`);
  return kek;
}
