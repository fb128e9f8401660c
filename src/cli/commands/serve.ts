import { ConfigError, loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import { ListenError, startService } from '../../main.js';

const USAGE = `usage: seal serve

  Runs the HTTP service (what \`npm start\` runs) on HOST:PORT (default 127.0.0.1:8080), with PostgreSQL
  when DATABASE_URL is set and the embedded database in SEAL_DATA_DIR (default ./data) otherwise.
  Every setting is an environment variable; the README lists them. On the first start with an empty
  database and no SEAL_BOOTSTRAP_TOKEN it prints a municipal administrator's token, once.
`;

export async function serveCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.length > 0) {
    process.stderr.write(`seal serve: takes no arguments (settings are environment variables), got "${args[0]}"\n${USAGE}`);
    return 2;
  }
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
  if (service.firstAdministrator) process.stderr.write(firstAdministratorNotice(service.firstAdministrator.token, service.url));
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

/**
 * The first administrator's token, boxed so that it stands out of the log lines around it; printed on the one start
 * that made it (never logged: the logger censors tokens, and a log store is no place for it).
 */
export function firstAdministratorNotice(token: string, url: string): string {
  const lines = [
    'First start: a municipal administrator was created. Its token is shown only this once:',
    '',
    `    ${token}`,
    '',
    `Sign in to the console at ${url}/console/ with it, or call the API with`,
    '    Authorization: Bearer <token>',
    'Make more users from there (POST /v1/users, POST /v1/units/{id}/users), or while the',
    'service runs:  SEAL_TOKEN=<token> npx seal token create --url ' + url + ' --role auditor',
    'Replace this token any time with POST /v1/me/token.',
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const bar = '─'.repeat(width + 2);
  return ['', `┌${bar}┐`, ...lines.map((l) => `│ ${l.padEnd(width)} │`), `└${bar}┘`, ''].join('\n') + '\n';
}

