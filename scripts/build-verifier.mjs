// Builds dist/seal-verify.mjs: the offline verifier (`seal verify`) as ONE self-contained ES module that
// runs with plain `node dist/seal-verify.mjs FILE.pdf --trust root.pem` on a machine with nothing else.
// It also exports verifyCommand: `seal verify` (dist/cli/main.js) runs it from there when it was built beside it
// (`npm run build` does), because one file compiles and starts in a fraction of the time the module graph of
// node_modules takes (pdf-lib alone is some 140 CommonJS files).
//
// With --snapshot it also writes a V8 start-up snapshot of the verifier beside it (seal-verify.blob): every
// module already evaluated, so a process skips compiling and initialising them, about a quarter of its CPU time
// on a 2000-page document. The blob only runs on the very Node binary that built it:
//   node --snapshot-blob dist/seal-verify.blob FILE.pdf --trust root.pem
// Usage: node scripts/build-verifier.mjs [--outfile PATH] [--snapshot]
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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

const MAIN_FIELDS = ['module', 'main'];

await build({
  stdin: {
    contents: `import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { verifyCommand } from './src/cli/commands/verify.ts';
export { verifyCommand };
// Run as a program (node seal-verify.mjs …), not when imported by the CLI.
const main = process.argv[1] && (() => { try { return pathToFileURL(realpathSync(process.argv[1])).href; } catch { return ''; } })();
// (Not in the document worker the command starts from this same file: that thread only runs its job.)
if (isMainThread && main === import.meta.url) {
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
  // Packages' ES module builds where they have one (pdf-lib's es/ beside cjs/): esbuild then leaves
  // out what is never imported, and the bundle starts about 30 ms of CPU sooner.
  mainFields: MAIN_FIELDS,
  outfile,
  plugins: [noHeavy],
  // ESM output of CommonJS dependencies needs a require() for node built-ins.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __sealCreateRequire } from 'node:module'; const require = __sealCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
process.stdout.write(`built ${outfile}\n`);

if (process.argv.includes('--snapshot')) {
  // The snapshot's entry is one CommonJS script (what node --build-snapshot takes) that registers the command as
  // the snapshot's main function; node passes the arguments after the blob as process.argv[1…].
  const work = mkdtempSync(join(tmpdir(), 'seal-verify-snapshot-'));
  try {
    const entry = join(work, 'entry.cjs');
    await build({
      stdin: {
        contents: `import v8 from 'node:v8';
import { verifyCommand } from './src/cli/commands/verify.ts';
// The job runner (the verifier itself) is loaded lazily by the command; in the snapshot it is evaluated now, so the
// snapshot's process starts with it ready (it verifies on its own thread).
import './src/isolation/run-job.ts';
v8.startupSnapshot.setDeserializeMainFunction(() => verifyCommand(process.argv.slice(1)).then((code) => { process.exitCode = code; },
  (err) => { process.stderr.write('seal verify: ' + (err && err.message ? err.message : String(err)) + '\\n'); process.exitCode = 1; }));`,
        resolveDir: root,
        sourcefile: 'seal-verify-snapshot-entry.ts',
        loader: 'ts',
      },
      bundle: true, platform: 'node', target: 'node20', format: 'cjs', mainFields: MAIN_FIELDS, outfile: entry, plugins: [noHeavy], legalComments: 'none', logLevel: 'warning',
    });
    const blob = resolve(outfile).replace(/\.m?js$/, '') + '.blob';
    execFileSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
    process.stdout.write(`built ${blob} (run: node --snapshot-blob ${blob} FILE.pdf --trust ROOT.pem)\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
