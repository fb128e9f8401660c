#!/usr/bin/env node
/**
 * `seal` — the command line of the e-seal service (package.json bin).
 * Each subcommand lives in src/cli/commands/ and returns its exit code.
 */
import { auditCommand } from './commands/audit.js';
import { caCommand } from './commands/ca.js';
import { extendCommand } from './commands/extend.js';
import { renderCommand } from './commands/render.js';
import { renderImprintCommand } from './commands/render-imprint.js';
import { serveCommand } from './commands/serve.js';
import { signCommand } from './commands/sign.js';
import { tokenCommand } from './commands/token.js';
import { verifyCommand } from './commands/verify.js';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  token: tokenCommand,
  sign: signCommand,
  render: (args) => (args.includes('--imprint') ? renderImprintCommand(args) : renderCommand(args)),
  ca: caCommand,
  audit: auditCommand,
  verify: verifyCommand,
  extend: extendCommand,
};

const USAGE = `usage: seal <command> [options]

commands:
  serve                                  run the HTTP service (what npm start runs)
  token create --role ROLE [--name N] [--unit UNIT_ID]
                                         print a new API token once (before first start, or against PostgreSQL)
  ca init [--dir D]                      key ceremony: root, seal-issuing CA, OCSP responder, TSA
  ca department --name N --code C [--dir D]
                                         a unit's department sub-CA (needs the root key)
  render --imprint SCAN (--diameter MM | --width MM --height MM | --template NAME) [--dpi N] -o seal.png [--report r.json]
                                         a seal image extracted from a scan or photo of the physical imprint
  render --template NAME --text "UNIT NAME" [--bottom-text TEXT] [--dpi N] -o seal.png
                                         a seal image from a template (no database needed)
  verify FILE.pdf --trust ROOT.pem [--json] [--online] [--at ISO-TIME]
                                         offline verification for auditors (exit 0 only when every signature is VALID),
                                         as of now or of --at (e.g. 2045-01-01)
  extend FILE.pdf [-o OUT.pdf]           add the revocation data its signatures lack and a fresh archive time-stamp (B-LTA)
  audit verify [--export FILE.ndjson --trust ROOT.pem]
                                         check the seal usage register: hash chain, signed checkpoints (exit 1 when broken)
  sign IN.pdf --key K --cert C [--chain P] --page N --x MM --y MM --image PNG [--size-mm W[xH]]
       [--level B-B|B-T|B-LT|B-LTA] [--tsa URL] -o OUT.pdf
                                         seal a PDF with a local key file (no service needed; B-LT when --tsa is given)
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
