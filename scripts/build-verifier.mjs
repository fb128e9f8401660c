// Builds dist/seal-verify.mjs: the offline verifier (`seal verify`) as ONE self-contained ES module that
// runs with plain `node dist/seal-verify.mjs FILE.pdf --trust root.pem` on a machine with nothing else.
// It also exports verifyCommand: `seal verify` (dist/cli/main.js) runs it from there when it was built beside it
// (`npm run build` does), because one file compiles and starts in a fraction of the time the module graph of
// node_modules takes (pdf-lib alone is some 140 CommonJS files).
// The file holds two programs: the command (arguments, the report; a few small modules) that runs on the main
// thread, and the verifier itself, the job runner built first as one CommonJS script and embedded as a string, which
// the command's document worker compiles from V8's code cache kept beside the file (src/isolation/script-worker.ts).
// So the main thread never compiles the verifier, and from the second run on the worker does not either.
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

// The verifier uses pdf-lib's object layer (es/core: objects, parser, context), never its document API (PDFDocument,
// forms, drawing), whose modules cost ~10 ms of CPU to evaluate at every start: 'pdf-lib' resolves to the core's
// exports only. Something that needs more fails this build ("No matching export"), it cannot slip in.
const pdfLibCoreIndex = join(root, 'node_modules', 'pdf-lib', 'es', 'core', 'index.js');
const pdfLibCore = {
  name: 'pdf-lib-core',
  setup(b) {
    b.onResolve({ filter: /^pdf-lib$/ }, () => ({ path: pdfLibCoreIndex }));
  },
};

// The job runner as one CommonJS script (a script, unlike an ES module on Node 20, compiles from a code cache).
const workerBuild = await build({
  stdin: {
    contents: `export { serveOneShotJob } from './src/isolation/one-shot.ts';`,
    resolveDir: root,
    sourcefile: 'seal-verify-worker-entry.ts',
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  mainFields: MAIN_FIELDS,
  write: false,
  outfile: 'seal-verify-worker.cjs',
  plugins: [noHeavy, pdfLibCore],
  // import.meta is read by one-shot.ts only where a worker is started from, never in this script.
  logOverride: { 'empty-import-meta': 'silent' },
  legalComments: 'none',
  logLevel: 'warning',
});
const workerSource = workerBuild.outputFiles[0].text;

// The command's side: the worker's script embedded, and no job runner (it runs in the worker only).
const commandSide = {
  name: 'command-side',
  setup(b) {
    b.onResolve({ filter: /^seal-verify-worker-source$/ }, () => ({ path: 'worker-source', namespace: 'seal-verify' }));
    b.onLoad({ filter: /^worker-source$/, namespace: 'seal-verify' }, () => ({ contents: `export default ${JSON.stringify(workerSource)};`, loader: 'js' }));
    b.onResolve({ filter: /\/run-job\.js$/ }, () => ({ path: 'run-job', namespace: 'seal-verify' }));
    b.onLoad({ filter: /^run-job$/, namespace: 'seal-verify' }, () => ({
      contents: `export function outcomeOf() { throw new Error('the verifier runs in the document worker, from the script embedded in this file'); }`,
      loader: 'js',
    }));
  },
};

await build({
  stdin: {
    contents: `import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { verifyCommand as command } from './src/cli/commands/verify.ts';
import { workerScriptIn } from './src/isolation/script-worker.ts';
import workerSource from 'seal-verify-worker-source';
export const verifyCommand = (argv: string[]) => command(argv, { worker: workerScriptIn(fileURLToPath(import.meta.url), workerSource) });
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
  // Packages' ES module builds where they have one (pdf-lib's es/ beside cjs/): esbuild then leaves
  // out what is never imported, and the bundle starts about 30 ms of CPU sooner.
  mainFields: MAIN_FIELDS,
  outfile,
  plugins: [noHeavy, pdfLibCore, commandSide],
  // ESM output of CommonJS dependencies needs a require() for node built-ins.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __sealCreateRequire } from 'node:module'; const require = __sealCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
rmSync(`${outfile}.v8cache`, { force: true }); // made for the file this build replaced
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
      bundle: true, platform: 'node', target: 'node20', format: 'cjs', mainFields: MAIN_FIELDS, outfile: entry, plugins: [noHeavy, pdfLibCore], legalComments: 'none', logLevel: 'warning',
    });
    const blob = resolve(outfile).replace(/\.m?js$/, '') + '.blob';
    execFileSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
    process.stdout.write(`built ${blob} (run: node --snapshot-blob ${blob} FILE.pdf --trust ROOT.pem)\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
