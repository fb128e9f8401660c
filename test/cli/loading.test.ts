/**
 * CLI start-up, tested by what is loaded, never by a stopwatch: the static import graph (esbuild's metafile,
 * following only `import` statements, as Node does before running a line) of `seal` itself and of each
 * command. `seal --help` loads main.ts alone; `seal verify` loads the verifier and none of the service's heavy
 * packages. And the same, observed in a real process: the modules Node actually loaded for `seal --help`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const HEAVY = ['sharp', 'pg', '@electric-sql/pglite', 'express', 'express-openapi-validator', 'pdfjs-dist', 'redis', 'piscina', 'pino', 'opentype.js'];

/** Every source file and package the entry loads before running, following static imports only. */
async function staticGraph(entry: string): Promise<{ files: string[]; packages: string[] }> {
  const r = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, packages: 'external', logLevel: 'silent' });
  const meta: Metafile = r.metafile;
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const i of meta.inputs[file]?.imports ?? []) {
      if (i.kind !== 'import-statement') continue; // import() runs later, when the command is chosen
      if (i.external) {
        if (!i.path.startsWith('node:')) packages.add(i.path.split('/').slice(0, i.path.startsWith('@') ? 2 : 1).join('/'));
      } else visit(i.path);
    }
  };
  visit(Object.keys(meta.inputs).find((f) => f.endsWith(entry))!);
  return { files: [...files], packages: [...packages] };
}

describe('what the CLI loads before it runs', () => {
  it('seal --help: main.ts and nothing else', async () => {
    const g = await staticGraph('src/cli/main.ts');
    expect(g.files).toEqual(['src/cli/main.ts']);
    expect(g.packages).toEqual([]);
  });

  it('seal verify: its main thread loads no package (the job goes to its worker); the worker\'s job runner loads the verifier, and none of sharp, pg, PGlite, express, pdfjs, redis, piscina, pino', async () => {
    const g = await staticGraph('src/cli/commands/verify.ts');
    expect(g.packages).toEqual([]);
    expect(g.files).not.toContain('src/isolation/run-job.ts');
    const job = await staticGraph('src/isolation/run-job.ts');
    expect(job.packages.sort()).toEqual(['asn1js', 'pdf-lib', 'pkijs']);
    for (const p of HEAVY) expect(job.packages).not.toContain(p);
    for (const files of [g.files, job.files]) {
      expect(files.filter((f) => /src\/(http|store|seals|ca|render\/canonical|imprint|placement)\b/.test(f))).toEqual([]);
    }
  });

  it('every other command still loads (the lazy table names real modules and exports)', async () => {
    const main = await readFile('src/cli/main.ts', 'utf8');
    const targets = [...main.matchAll(/import\('(\.\/commands\/[\w-]+\.js)'\)\)\.(\w+)/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(targets.length).toBeGreaterThanOrEqual(9);
    for (const [path, name] of targets) {
      const m = (await import(join('../../src/cli', path.replace(/\.js$/, '.ts')))) as Record<string, unknown>;
      expect(typeof m[name], `${path} exports ${name}`).toBe('function');
    }
  }, 120_000);

  it('in a real process, `seal --help` loads no module but its own (Node reports what it loaded)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seal-help-'));
    const log = join(dir, 'resolved.txt');
    await writeFile(log, '');
    // A resolve hook (it runs in Node's loader thread) appends every module URL Node resolves to `log`.
    const register = join(dir, 'register.mjs');
    await writeFile(register, `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); appendFileSync(file, r.url + '\\\\n'); return r; }
\`), { data: { file: ${JSON.stringify(log)} } });
`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', register, 'src/cli/main.ts', '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^usage: seal/);
    const resolved = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    expect(resolved.length).toBeGreaterThan(0);
    // Besides Node's built-ins, only the entry itself: no command module, no package.
    const files = [...new Set(resolved.filter((u) => !u.startsWith('node:')))];
    expect(files.map((u) => u.replace(/^.*\/src\//, 'src/'))).toEqual(['src/cli/main.ts']);
  }, 60_000);
});
