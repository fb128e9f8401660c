#!/usr/bin/env node
/**
 * `seal` — the command line of the e-seal service (package.json bin).
 * Each subcommand lives in src/cli/commands/ and returns its exit code.
 */
import { existsSync } from 'node:fs';

type Command = (args: string[]) => Promise<number>;

/**
 * Each command is imported when it runs, not before: `seal --help` loads nothing but this file, and `seal verify`
 * only the verifier (no sharp, pg, PGlite, express or pdfjs: start-up is part of what an auditor waits for).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  token: async () => (await import('./commands/token.js')).tokenCommand,
  sign: async () => (await import('./commands/sign.js')).signCommand,
  render: async () => async (args) => (args.includes('--imprint')
    ? (await import('./commands/render-imprint.js')).renderImprintCommand(args)
    : (await import('./commands/render.js')).renderCommand(args)),
  ca: async () => (await import('./commands/ca.js')).caCommand,
  audit: async () => (await import('./commands/audit.js')).auditCommand,
  verify: async () => {
    // The one-file verifier that `npm run build` puts beside dist/cli/ starts several times faster than the
    // module graph (scripts/build-verifier.mjs); from the sources (no such file), the command module itself.
    const bundle = new URL('../seal-verify.mjs', import.meta.url);
    if (existsSync(bundle)) return ((await import(bundle.href)) as { verifyCommand: Command }).verifyCommand;
    return (await import('./commands/verify.js')).verifyCommand;
  },
  extend: async () => (await import('./commands/extend.js')).extendCommand,
};

const USAGE = `usage: seal <command> [options]      (seal <command> --help, or seal help <command>, for one command)

commands:
  serve                                  run the HTTP service (what npm start runs)
  token create --role ROLE [--name N] [--unit UNIT_ID] [--url http://HOST:PORT]
                                         print a new API token once: over HTTP to a running service (the caller's
                                         token in SEAL_TOKEN), or into a database no running service holds
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
                                         seal a PDF with a local key file (no service needed; B-LT when --tsa is given;
                                         the TSA's bearer token, if it needs one, from SEAL_TSA_TOKEN)
`;

/** `seal X --help`, `seal X -h` and `seal help X` all print X's help and exit 0; each command prints its own. */
const wantsHelp = (args: string[]): boolean => args.includes('--help') || args.includes('-h');

async function main(argv: string[]): Promise<number> {
  let [name, ...rest] = argv;
  if (name === 'help' && rest[0]) [name, rest] = [rest[0], ['--help']];
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`seal: unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  // Help is the command's own text; the flag goes first so that no command mistakes it for work to do.
  return (await load())(wantsHelp(rest) ? ['--help', ...rest.filter((a) => a !== '--help' && a !== '-h')] : rest);
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
