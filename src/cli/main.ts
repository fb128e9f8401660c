#!/usr/bin/env node
/**
 * `seal` — the command line of the e-seal service (package.json bin).
 * Each subcommand lives in src/cli/commands/ and returns its exit code.
 */
import { serveCommand } from './commands/serve.js';
import { tokenCommand } from './commands/token.js';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  token: tokenCommand,
};

const USAGE = `usage: seal <command> [options]

commands:
  serve                                  run the HTTP service (what npm start runs)
  token create --role ROLE [--name N] [--unit UNIT_ID]
                                         print a new API token once (before first start, or against PostgreSQL)
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`seal: unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`seal: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
