// Builds dist/seal-verify.mjs: the offline verifier (`seal verify`) as ONE self-contained ES module that
// runs with plain `node dist/seal-verify.mjs FILE.pdf --trust root.pem` on a machine with nothing else.
// Usage: node scripts/build-verifier.mjs [--outfile PATH]
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--outfile');
const outfile = i > 0 && process.argv[i + 1] ? process.argv[i + 1] : join(root, 'dist', 'seal-verify.mjs');

await build({
  stdin: {
    contents: `import { verifyCommand } from './src/cli/commands/verify.ts';
verifyCommand(process.argv.slice(2)).then((code) => { process.exitCode = code; },
  (err) => { process.stderr.write('seal verify: ' + (err && err.message ? err.message : String(err)) + '\\n'); process.exitCode = 1; });`,
    resolveDir: root,
    sourcefile: 'seal-verify-entry.ts',
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outfile,
  // ESM output of CommonJS dependencies needs a require() for node built-ins.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __sealCreateRequire } from 'node:module'; const require = __sealCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
process.stdout.write(`built ${outfile}\n`);
