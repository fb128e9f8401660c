// Builds dist/seal-verify.mjs: the offline verifier (`seal verify`) as ONE self-contained ES module that
// runs with plain `node dist/seal-verify.mjs FILE.pdf --trust root.pem` on a machine with nothing else.
// It also exports verifyCommand: `seal verify` (dist/cli/main.js) runs it from there when it was built beside it
// (`npm run build` does), because one file compiles and starts in a fraction of the time the module graph of
// node_modules takes (pdf-lib alone is some 140 CommonJS files).
// Usage: node scripts/build-verifier.mjs [--outfile PATH]
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--outfile');
const outfile = i > 0 && process.argv[i + 1] ? process.argv[i + 1] : join(root, 'dist', 'seal-verify.mjs');

// Verification needs none of the service's heavy packages; an import of one of them is a mistake that would slow
// every start (and break the offline bundle): refuse to build.
const HEAVY = /^(sharp|pg|@electric-sql\/pglite|express|express-openapi-validator|pdfjs-dist|redis|piscina|pino|opentype\.js)(\/|$)/;
const noHeavy = {
  name: 'no-heavy-packages',
  setup(b) {
    b.onResolve({ filter: HEAVY }, (args) => ({ errors: [{ text: `the verifier must not import ${args.path} (imported by ${args.importer})` }] }));
  },
};

await build({
  stdin: {
    contents: `import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { verifyCommand } from './src/cli/commands/verify.ts';
export { verifyCommand };
// Run as a program (node seal-verify.mjs …), not when imported by the CLI.
const main = process.argv[1] && (() => { try { return pathToFileURL(realpathSync(process.argv[1])).href; } catch { return ''; } })();
if (main === import.meta.url) {
  verifyCommand(process.argv.slice(2)).then((code) => { process.exitCode = code; },
    (err) => { process.stderr.write('seal verify: ' + (err && err.message ? err.message : String(err)) + '\\n'); process.exitCode = 1; });
}`,
    resolveDir: root,
    sourcefile: 'seal-verify-entry.ts',
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outfile,
  plugins: [noHeavy],
  // ESM output of CommonJS dependencies needs a require() for node built-ins.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __sealCreateRequire } from 'node:module'; const require = __sealCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
process.stdout.write(`built ${outfile}\n`);
