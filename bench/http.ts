/**
 * What users wait for, measured from outside the process (issue 18):
 *   - sealing over HTTP: POST /v1/seals/{id}/sign to the running service (compiled dist/, as `npm start` runs it;
 *     bench/service.ts, a child process on 127.0.0.1), B-T with a visible seal, the same documents as the in-process row;
 *   - OCSP GET responses per second: wrk, 2 threads, 32 connections, against the same service;
 *   - whole processes: `seal verify` (the compiled CLI and the one-file bundle), `seal --help`, poppler's `pdfsig`
 *     verifying the same file, and plain `node -e 0`, each started afresh and timed to its exit.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BENCH_DIR, OUT_DIR } from './setup.js';

const ROOT = join(BENCH_DIR, '..');

import type { BenchService } from './service.js';
export type RunningService = BenchService;
/** The service as `npm start` runs it (bench/service.ts). */
export { startBenchService as startService } from './service.js';

let clockTicks: number | undefined;
/**
 * CPU time (user + system, ms) a process has used so far, all its threads (the document workers too), from
 * /proc/PID/stat. On a machine shared with other work the CPU time is steadier than the wall time.
 */
export function serviceCpuMs(pid: number): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

/**
 * Sealing through the service: B-T, visible seal on page 1, as the in-process row does. The client is node:http,
 * not fetch: undici's fetch added 10-30 ms of its own to each 7.6 MB round trip here (measured against node:http and
 * curl on the same service), which is the client's cost, not the service's.
 */
export function httpSealRun(svc: RunningService) {
  const url = new URL(`${svc.url}/v1/seals/${svc.sealId}/sign?page=1&x=120&y=80&level=B-T`);
  return (pdf: Buffer) => new Promise<Buffer>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${svc.operator}`, 'Content-Type': 'application/pdf', 'Content-Length': pdf.length },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200) reject(new Error(`POST sign answered ${res.statusCode}: ${body.toString('utf8', 0, 300)}`));
        else if (body.length <= pdf.length) reject(new Error('the sealed document is not longer than the original'));
        else resolve(body);
      });
    });
    req.on('error', reject);
    req.end(pdf);
  });
}

export interface WrkResult { requestsPerSecond: number; requests: number; non2xx: number; seconds: number; error?: string }

/** wrk -t2 -c32 against one URL for `seconds`. */
export function wrk(url: string, seconds = 10): Promise<WrkResult> {
  return new Promise((resolve) => {
    execFile('wrk', ['-t2', '-c32', `-d${seconds}s`, '--latency', url], { timeout: (seconds + 30) * 1000 }, (err, stdout) => {
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
      const total = /(\d+) requests in/.exec(stdout);
      const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout);
      if (!rps || !total) return resolve({ requestsPerSecond: 0, requests: 0, non2xx: 0, seconds, error: err?.message ?? stdout.slice(-300) });
      resolve({ requestsPerSecond: Number(rps[1]), requests: Number(total[1]), non2xx: non2xx ? Number(non2xx[1]) : 0, seconds });
    });
  });
}

export interface ProcessTimes {
  /** Median wall time from start to exit (ms). */
  wall: number;
  /** Mean CPU time (user + system, ms) of one process: on a loaded machine a steadier measure than wall time. */
  cpu?: number;
}

/**
 * Times `runs` fresh processes after one checked run (its exit status and output must satisfy `ok`, so a command
 * that fails fast is not timed as fast): with hyperfine when it is installed (wall and CPU time), else by hand.
 */
/** `prepare`: a command (no shell) run before each timed run and not timed, e.g. removing a cache. */
export async function processTimes(cmd: string, args: string[], runs: number, ok: (status: number | null, stdout: string) => boolean, prepare?: string[]): Promise<ProcessTimes> {
  const before = () => { if (prepare) spawnSync(prepare[0]!, prepare.slice(1), { cwd: ROOT, stdio: 'ignore' }); };
  before();
  const check = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24, timeout: 120_000 });
  if (!ok(check.status, check.stdout ?? '')) throw new Error(`${cmd} ${args.join(' ')}: exit ${check.status} ${(check.stderr ?? '').slice(-300)}`);
  if (args.every((a) => !/\s/.test(a)) && spawnSync('hyperfine', ['--version']).status === 0) {
    const json = join(OUT_DIR, 'hyperfine.json');
    const r = spawnSync('hyperfine', ['-N', '-w', '1', '-r', String(runs), '-i', '--style', 'none', '--export-json', json,
      ...(prepare ? ['--prepare', prepare.join(' ')] : []), [cmd, ...args].join(' ')],
      { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
    if (r.status === 0) {
      const { readFile } = await import('node:fs/promises');
      const res = (JSON.parse(await readFile(json, 'utf8')) as { results: { median: number; user: number; system: number }[] }).results[0]!;
      return { wall: res.median * 1000, cpu: (res.user + res.system) * 1000 };
    }
  }
  const times = Array.from({ length: runs }, () => {
    before();
    const t0 = performance.now();
    spawnSync(cmd, args, { cwd: ROOT, stdio: 'ignore', timeout: 120_000 });
    return performance.now() - t0;
  }).sort((x, y) => x - y);
  return { wall: times[Math.floor(times.length / 2)]! };
}

/**
 * The programs the process rows start: the one-file bundle (scripts/build-verifier.mjs) and the CLI compiled
 * file by file (as `npm run build` makes dist/, here with esbuild into bench/out/dist so the bench needs no
 * build step of its own), both fresh from the sources.
 */
export async function buildCliForBench(): Promise<{ bundle: string; snapshot: string; cli: string }> {
  // Where `npm run build` puts it: beside dist/cli/, so `seal verify` runs it; and its V8 start-up snapshot.
  const bundle = join(OUT_DIR, 'dist', 'seal-verify.mjs');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-verifier.mjs'), '--outfile', bundle, '--snapshot'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-verifier failed: ${r.stderr}`);
  const { build } = await import('esbuild');
  const entries = await listTs(join(ROOT, 'src'));
  await build({ entryPoints: entries, outdir: join(OUT_DIR, 'dist'), outbase: join(ROOT, 'src'), platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  await writeFile(join(OUT_DIR, 'dist', 'package.json'), '{"type":"module"}\n');
  const cli = join(OUT_DIR, 'dist', 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error('the compiled CLI is missing');
  return { bundle, snapshot: bundle.replace(/\.mjs$/, '.blob'), cli };
}

async function listTs(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listTs(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}
