/**
 * `npm run bench`: one run, the same files (see bench/README.md).
 *   (a) ours      sealPdf, PAdES B-T, visible seal on page 1 (in-process TSA)
 *   (b) baseline  @signpdf/signpdf + @signpdf/placeholder-pdf-lib + @signpdf/signer-p12
 *   (c) floor     SHA-256 of the file + two ECDSA P-256 signatures (node:crypto)
 *   (a') ours SM2 sealPdf with an SM2 seal: a GB/T 38540 SES_Signature, B-T with an SM2 TSA, visible seal
 *   (c') SM2 floor SM3 of the file + two SM2 signatures (node:crypto), the SM2 row's own yardstick
 *   (and, for reference, poppler `pdfsig -add-signature` timed as a whole process)
 *   (d) verify    verifyPdf over the document (a) produced, the bench PKI's root as trust anchor
 *   (e) ours over HTTP  the same sealing through the running service (compiled dist/, bench/service.ts, a child process) on loopback,
 *                 with PGlite, and again with PostgreSQL (a fresh database on DATABASE_URL's server) when DATABASE_URL is set
 * then what users wait for from outside (bench/http.ts): `seal verify`, `seal --help` and poppler `pdfsig` as
 * whole processes on the 2000-page document, and OCSP GET responses per second with wrk; then the imprint
 * extraction (bench/imprint.ts, a 12 MP photo) and the peak RSS of sealing the 50 MB file, each way in a child process.
 *
 * Options (environment): BENCH_RUNS=n caps the timed runs per cell; BENCH_SIZES=size-40k,size-1m picks files;
 * BENCH_SKIP_BASELINE=1 leaves the (slow) baseline out; BENCH_SKIP_IMPRINT=1 leaves the imprint rows out;
 * BENCH_SKIP_HTTP=1 leaves the service's rows (HTTP sealing, OCSP) out; BENCH_SKIP_PROCESS=1 the whole-process rows.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureFixtures, SIZE_FIXTURES } from '../test/fixtures/make-fixtures.js';
import { buildCliForBench, httpSealRun, processTimes, serviceCpuMs, startService, wrk, type ProcessTimes, type RunningService, type WrkResult } from './http.js';
import { sm2BenchContext, sm2FloorRun, sm2SealRun } from './sm2.js';
import { defaultDocumentWorkerSettings, documentWorkerPool } from '../src/isolation/document-workers.js';
import {
  BENCH_DIR, baselineRun, poolSealRun, poolVerifyRun, benchContext, floorRun, loadSealPdf, loadVerifyPdf, OUT_DIR, oursRun, pdfsigRun, verifyLtaRun, verifyRun,
} from './setup.js';

/** One row of the timing tables: a column of the table(s) it belongs to. */
export interface BenchRow {
  name: string;
  /** the tables this row is printed in (the floor appears in both, next to what it bounds) */
  tables: ('seal' | 'verify')[];
  /** prepare per file (not timed): may return undefined to skip the cell with a note */
  prepare(pdf: Buffer): Promise<((pdf: Buffer) => Promise<unknown>) | undefined>;
}

const OURS = 'ours (B-T, visible)';
const BASELINE = 'baseline (@signpdf)';
const FLOOR = 'floor (sha256 + 2 ECDSA)';
const VERIFY = 'verify (ours, B-T)';
const HTTP = 'ours over HTTP (PGlite)';
const HTTP_PG = 'ours over HTTP (PostgreSQL)';
const VERIFY_LTA = 'verify (ours + DSS + doc time-stamp)';
const PDFSIG_ADD = 'pdfsig -add-signature (process)';
const OURS_SM2 = 'ours SM2 (SES, B-T, visible)';
const FLOOR_SM2 = 'floor SM2 (sm3 + 2 SM2)';
const POOL_SEAL = 'ours in the worker pool (B-T, visible)';
const POOL_VERIFY = 'verify in the worker pool (B-T)';
/** Issue 18's figures, measured on a quiet machine (the bench prints its own beside them). */
const ISSUE_OCSP_PER_SECOND = 964;
const GOAL_OCSP_PER_SECOND = 5000;
/** The many-page document of issue 18: 2000 pages of text, 7.6 MB. */
const MANY_PAGES = 'pages-2000';

const RUNS: Record<string, number> = { 'size-40k': 21, 'size-1m': 15, 'size-8m': 15, 'pages-2000': 9, 'size-50m': 5 };
const cap = Number(process.env.BENCH_RUNS ?? Infinity);

async function median(fn: (pdf: Buffer) => Promise<unknown>, pdf: Buffer, runs: number): Promise<number> {
  await fn(pdf); // warm-up: JIT, caches (the TSA token size, the appearance) as in a running service
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(pdf);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function memoryChild(which: 'ours' | 'baseline', file: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--expose-gc', '--import', 'tsx', join(BENCH_DIR, 'memory.ts'), which, file],
      { maxBuffer: 1 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(line) as Record<string, unknown>);
        } catch {
          resolve({ error: (err?.message ?? 'no output') + ' ' + stderr.slice(-500) });
        }
      });
  });
}

const fmt = (ms: number | undefined) => (ms === undefined ? '—' : ms < 10 ? ms.toFixed(2) : ms.toFixed(0));
const mb = (b: unknown) => (typeof b === 'number' ? (b / 1048576).toFixed(1) + ' MB' : '—');

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES?.split(',') ?? [...SIZE_FIXTURES]) as string[];
  console.log('preparing fixtures and keys…');
  // The whole-process rows use the many-page document whichever sizes the tables show.
  const files = await ensureFixtures(process.env.BENCH_SKIP_PROCESS ? sizes : [...new Set([...sizes, MANY_PAGES])]);
  const ctx = await benchContext();
  const sm2 = await sm2BenchContext();
  const sealPdf = await loadSealPdf();
  const pool = documentWorkerPool(defaultDocumentWorkerSettings());
  const verifyPdf = await loadVerifyPdf();
  const notes: string[] = [];
  if (!sealPdf) notes.push('ours: src/pdf/seal.ts does not export sealPdf yet: row skipped (and the verify row, which needs its output).');
  if (!verifyPdf) notes.push('verify: src/verify/index.ts does not load or export verifyPdf: row skipped.');
  const loadAtStart = loadavg();
  console.log(`load average at start: ${loadAtStart.map((l) => l.toFixed(2)).join(', ')}`);
  // The service twice when DATABASE_URL is set: with the embedded PGlite (no DATABASE_URL, as `npm start` on a laptop)
  // and with PostgreSQL (a fresh database of its own on DATABASE_URL's server, as a deployment runs it).
  const services: Partial<Record<typeof HTTP | typeof HTTP_PG, RunningService>> = {};
  if (!process.env.BENCH_SKIP_HTTP) {
    const backends: [typeof HTTP | typeof HTTP_PG, { postgres?: string }][] = [[HTTP, {}], ...(process.env.DATABASE_URL ? [[HTTP_PG, { postgres: process.env.DATABASE_URL }] as [typeof HTTP_PG, { postgres: string }]] : [])];
    for (const [row, opts] of backends) {
      try {
        services[row] = await startService(opts);
      } catch (e) {
        notes.push(`${row}: ${(e as Error).message}`);
      }
    }
  }
  const service = services[HTTP] ?? services[HTTP_PG];

  const rows: BenchRow[] = [
    { name: OURS, tables: ['seal'], prepare: async () => (sealPdf ? oursRun(ctx, sealPdf) : undefined) },
    { name: BASELINE, tables: ['seal'], prepare: async () => (process.env.BENCH_SKIP_BASELINE ? undefined : baselineRun(ctx)) },
    { name: FLOOR, tables: ['seal', 'verify'], prepare: async () => floorRun(ctx) },
    // For reference: poppler's C++ signer as a whole process (start-up included), RSA key in an NSS database.
    { name: PDFSIG_ADD, tables: ['seal'],
      prepare: async () => (process.env.BENCH_SKIP_BASELINE ? undefined : pdfsigRun(ctx)) },
    // The same sealing through the running service over loopback: what a caller of POST /v1/seals/{id}/sign waits for.
    { name: HTTP, tables: ['seal'], prepare: async () => (services[HTTP] ? httpSealRun(services[HTTP]) : undefined) },
    { name: HTTP_PG, tables: ['seal'], prepare: async () => (services[HTTP_PG] ? httpSealRun(services[HTTP_PG]) : undefined) },
    // An SM2 seal (issue 15) against its own floor: SM3 is several times slower than SHA-256 here.
    { name: OURS_SM2, tables: ['seal'], prepare: async () => (sealPdf ? sm2SealRun(sm2, sealPdf) : undefined) },
    { name: FLOOR_SM2, tables: ['seal'], prepare: async () => sm2FloorRun(sm2) },
    // The sealed document is made in prepare (not timed); the timed run ignores the original it is handed.
    { name: VERIFY, tables: ['verify'],
      prepare: async (pdf) => (sealPdf && verifyPdf ? verifyRun(ctx, sealPdf, verifyPdf, pdf) : undefined) },
    // The same after extension for the long term: a DSS revision and a document time-stamp revision after the seal.
    { name: VERIFY_LTA, tables: ['verify'],
      prepare: async (pdf) => (sealPdf && verifyPdf ? verifyLtaRun(ctx, sealPdf, verifyPdf, pdf) : undefined) },
    // The same sealing and verification as the service runs them (issue 12): in the document worker pool, the
    // document copied to a worker and back, signing and the time-stamp answered by this thread. The difference to
    // the in-process rows is the pool's overhead.
    { name: POOL_SEAL, tables: ['seal'], prepare: async () => poolSealRun(ctx, pool) },
    { name: POOL_VERIFY, tables: ['verify'], prepare: async (pdf) => poolVerifyRun(ctx, pool, pdf) },
  ];

  const results: Record<string, Record<string, number | undefined>> = {};
  for (const size of sizes) {
    const pdf = await readFile(files[size]!);
    results[size] = {};
    for (const row of rows) {
      const fn = await row.prepare(pdf);
      if (!fn) continue;
      const runs = Math.max(1, Math.min(cap, RUNS[size] ?? 5));
      process.stdout.write(`  ${size.padEnd(9)} ${row.name.padEnd(31)} ${runs} runs… `);
      try {
        const ms = await median(fn, pdf, runs);
        results[size]![row.name] = ms;
        console.log(`${fmt(ms)} ms`);
      } catch (e) {
        console.log('failed');
        notes.push(`${row.name} on ${size}: ${(e as Error).message}`);
      }
    }
  }

  const sizeLabel: Record<string, string> = {};
  for (const size of sizes) {
    const bytes = (await readFile(files[size]!)).length;
    sizeLabel[size] = bytes < 1048576 ? `${(bytes / 1024).toFixed(0)} KB` : mb(bytes);
  }
  const ratio = (num: number | undefined, den: number | undefined) => (num && den ? `${(num / den).toFixed(1)}×` : '—');
  const table = (which: 'seal' | 'verify', ratios: [string, (r: Record<string, number | undefined>) => string][]) => {
    const cols = rows.filter((row) => row.tables.includes(which)).map((row) => row.name);
    const header = ['file', 'size', ...cols, ...ratios.map(([name]) => name)];
    const lines = [header, ...sizes.map((size) => {
      const r = results[size]!;
      return [size, sizeLabel[size]!, ...cols.map((c) => fmt(r[c])), ...ratios.map(([, f]) => f(r))];
    })];
    const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
    for (const l of lines) console.log('  ' + l.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  };
  console.log('\nSealing: median wall time per document (ms), this machine:\n');
  table('seal', [
    ['baseline/ours', (r) => ratio(r[BASELINE], r[OURS])], ['ours/floor', (r) => ratio(r[OURS], r[FLOOR])],
    ['http/ours', (r) => ratio(r[HTTP], r[OURS])], ['baseline/http', (r) => ratio(r[BASELINE], r[HTTP])],
    ['pdfsig/http', (r) => ratio(r[PDFSIG_ADD], r[HTTP])],
    ...(services[HTTP_PG] ? [
      ['pg/ours', (r) => ratio(r[HTTP_PG], r[OURS])], ['baseline/pg', (r) => ratio(r[BASELINE], r[HTTP_PG])],
      ['pdfsig/pg', (r) => ratio(r[PDFSIG_ADD], r[HTTP_PG])],
    ] as [string, (r: Record<string, number | undefined>) => string][] : []),
    ['sm2/sm2 floor', (r) => ratio(r[OURS_SM2], r[FLOOR_SM2])],
  ]);
  console.log('\nVerification of our sealed output: median wall time per document (ms), this machine:\n');
  table('verify', [['verify/floor', (r) => ratio(r[VERIFY], r[FLOOR])], ['lta/floor', (r) => ratio(r[VERIFY_LTA], r[FLOOR])]]);

  // Whole processes on the many-page document as our sealing produced it (B-T, visible), started afresh each run.
  const processes: Record<string, ProcessTimes | undefined> = {};
  if (!process.env.BENCH_SKIP_PROCESS && files[MANY_PAGES] && sealPdf) {
    console.log(`\nWhole processes on ${MANY_PAGES} sealed by ours (B-T), from start to exit: median wall time and mean CPU time (ms):\n`);
    try {
      const { bundle, snapshot, cli } = await buildCliForBench();
      const sealed = await oursRun(ctx, sealPdf)(await readFile(files[MANY_PAGES]!));
      const doc = join(OUT_DIR, `${MANY_PAGES}-sealed.pdf`);
      const root = join(OUT_DIR, 'bench-root.pem');
      await writeFile(doc, sealed);
      await writeFile(root, ctx.pki.root.certPem);
      const runs = Math.max(5, Math.min(cap, 21));
      const valid = (status: number | null, out: string) => status === 0 && / VALID /.test(out);
      const rowsP: [string, string, string[], (s: number | null, o: string) => boolean, string[]?][] = [
        ['seal verify (CLI)', process.execPath, [cli, 'verify', doc, '--trust', root], valid],
        // An auditor's first document on a machine: the verifier's code cache (beside the bundle) not yet written.
        ['seal verify (CLI, first run: no code cache)', process.execPath, [cli, 'verify', doc, '--trust', root], valid, ['rm', '-f', `${bundle}.v8cache`]],
        ['seal verify (one-file bundle)', process.execPath, [bundle, doc, '--trust', root], valid],
        ['seal verify (bundle, V8 snapshot)', process.execPath, ['--snapshot-blob', snapshot, doc, '--trust', root], valid],
        ['seal --help', process.execPath, [cli, '--help'], (st, o) => st === 0 && o.startsWith('usage: seal')],
        ['pdfsig (verify, process)', 'pdfsig', [doc], (st, o) => st === 0 && /Signature is Valid/.test(o)],
        ['node -e 0', process.execPath, ['-e', '0'], (st) => st === 0],
      ];
      console.log(`  ${'wall'.padStart(7)}  ${'cpu'.padStart(7)}`);
      for (const [name, cmd, args, ok, prepare] of rowsP) {
        try {
          const t = await processTimes(cmd, args, runs, ok, prepare);
          processes[name] = t;
          console.log(`  ${fmt(t.wall).padStart(7)}  ${fmt(t.cpu).padStart(7)}  ${name}`);
        } catch (e) {
          console.log(`  ${'failed'.padStart(7)}  ${''.padStart(7)}  ${name}`);
          notes.push(`${name}: ${(e as Error).message}`);
        }
      }
      const pdfsig = processes['pdfsig (verify, process)'];
      const both = (name: string) => `${ratio(processes[name]?.wall, pdfsig?.wall)} wall, ${ratio(processes[name]?.cpu, pdfsig?.cpu)} CPU`;
      console.log(`\n  seal verify / pdfsig (goal ≤ 1.5×, aim ≤ 1.0×): CLI ${both('seal verify (CLI)')} (first run ${both('seal verify (CLI, first run: no code cache)')}); bundle ${both('seal verify (one-file bundle)')}; ` +
        `snapshot ${both('seal verify (bundle, V8 snapshot)')}`);
      console.log(`  seal --help: ${fmt(processes['seal --help']?.wall)} ms wall = ${ratio(processes['seal --help']?.wall, processes['node -e 0']?.wall)} ` +
        `plain node -e 0 (goal well under 200 ms)`);
    } catch (e) {
      notes.push(`whole-process rows: ${(e as Error).message}`);
    }
  }

  // The HTTP sealing again, by CPU time: what the service process (all its threads, the document workers too)
  // spends per sealing, against what sealPdf spends in-process. On a loaded machine the wall times of a path
  // through two processes and a worker thread are inflated far more than one thread's: this is the steadier view.
  // With PostgreSQL the database's own work runs in the server's processes, not in the service's: not in this figure.
  const cpuPerSealing: Record<string, { inProcess: number; http?: number; postgres?: number }> = {};
  if (service && sealPdf) {
    console.log('\nSealing over HTTP by CPU time: ms of CPU per sealing, the service process (all threads) against in-process sealPdf' +
      (services[HTTP_PG] ? ' (PostgreSQL: the server\'s own CPU time is not counted, it is not in the service\'s process)' : '') + ':\n');
    const runs = Math.max(3, Math.min(cap, 9));
    for (const size of sizes.filter((x) => x === MANY_PAGES || x === 'size-8m')) {
      const pdf = await readFile(files[size]!);
      const ours = oursRun(ctx, sealPdf);
      await ours(pdf);
      const c0 = process.cpuUsage();
      for (let i = 0; i < runs; i++) await ours(pdf);
      const c = process.cpuUsage(c0);
      const inProcess = (c.user + c.system) / 1000 / runs;
      const viaHttp: Partial<Record<string, number>> = {};
      const eachSealing: Partial<Record<string, number[]>> = {};
      for (const row of [HTTP, HTTP_PG] as const) {
        const svc = services[row];
        if (!svc) continue;
        const http = httpSealRun(svc);
        // A service in use: a few sealings first, since the service sat idle while the rows before ran (after a
        // quiet spell V8 has shrunk its heaps, and the first sealings pay for growing them again: bench/README.md).
        for (let i = 0; i < 3; i++) await http(pdf);
        const each: number[] = [];
        for (let i = 0; i < runs; i++) {
          const s0 = serviceCpuMs(svc.pid);
          await http(pdf);
          each.push(serviceCpuMs(svc.pid) - s0);
        }
        viaHttp[row] = each.reduce((a, b) => a + b, 0) / runs;
        // Each sealing's own figure (in clock ticks of 10 ms), so one slow sealing shows as what it is.
        eachSealing[row] = each;
      }
      cpuPerSealing[size] = { inProcess, http: viaHttp[HTTP], postgres: viaHttp[HTTP_PG] };
      const shown = ([[HTTP, 'PGlite'], [HTTP_PG, 'PostgreSQL']] as const).filter(([row]) => viaHttp[row] !== undefined)
        .map(([row, label]) => `service over HTTP (${label}) ${fmt(viaHttp[row]).padStart(5)}  http/ours ${ratio(viaHttp[row], inProcess)}`);
      console.log(`  ${size.padEnd(11)} in-process ${fmt(inProcess).padStart(5)}  ${shown.join('  ')}  (goal ≤ 3×; ${runs} sealings each)`);
      for (const [row, label] of [[HTTP, 'PGlite'], [HTTP_PG, 'PostgreSQL']] as const) {
        if (eachSealing[row]) console.log(`  ${''.padEnd(11)} ${label}, each sealing: ${eachSealing[row]!.map((x) => Math.round(x)).join(' ')}`);
      }
    }
  }

  // OCSP GET for one certificate, as relying parties ask, against the running service.
  let ocsp: WrkResult | undefined;
  if (service) {
    console.log('\nOCSP GET for one certificate, wrk -t2 -c32 -d10s on loopback:\n');
    ocsp = await wrk(`${service.url}${service.ocspPath}`, 10);
    if (ocsp.error) notes.push(`wrk: ${ocsp.error}`);
    console.log(`  ${ocsp.requestsPerSecond.toFixed(0)} responses/s (${ocsp.requests} in ${ocsp.seconds} s, ${ocsp.non2xx} not 2xx); ` +
      `issue 18 measured ${ISSUE_OCSP_PER_SECOND}/s: ${(ocsp.requestsPerSecond / ISSUE_OCSP_PER_SECOND).toFixed(2)}×; ` +
      `goal ≥ ${GOAL_OCSP_PER_SECOND}/s: ${(ocsp.requestsPerSecond / GOAL_OCSP_PER_SECOND).toFixed(2)} of it`);
  }
  for (const svc of Object.values(services)) await svc.stop();
  await pool.close();

  let imprint: { name: string; ms: number }[] | undefined;
  if (!process.env.BENCH_SKIP_IMPRINT) {
    console.log('\nImprint extraction (bench/imprint.ts), median wall time (ms):\n');
    try {
      // Loaded here, not at the top, so a missing or broken src/imprint/ costs only these rows.
      const { benchImprint } = await import('./imprint.js');
      imprint = await benchImprint();
      for (const row of imprint) console.log(`  ${fmt(row.ms).padStart(6)}  ${row.name}`);
    } catch (e) {
      console.log('  failed');
      notes.push(`imprint: ${(e as Error).message}`);
    }
  }

  const memory: Record<string, Record<string, unknown>> = {};
  if (sizes.includes('size-50m')) {
    console.log('\nPeak memory while sealing the 50 MB file (child process, kernel high-water mark):\n');
    for (const which of ['ours', 'baseline'] as const) {
      if (which === 'baseline' && process.env.BENCH_SKIP_BASELINE) continue;
      const m = await memoryChild(which, files['size-50m']!);
      memory[which] = m;
      if (m.error || m.skipped) {
        console.log(`  ${which}: ${String(m.error ?? m.skipped)}`);
        continue;
      }
      const doc = m.docSize as number;
      const aboveIdle = (m.peakRss as number) - (m.idleRss as number);
      const aboveLoaded = (m.peakRss as number) - (m.loadedRss as number);
      console.log(`  ${which.padEnd(8)} idle ${mb(m.idleRss)}, document read ${mb(m.loadedRss)}, peak ${mb(m.peakRss)}: ` +
        `peak − idle = ${mb(aboveIdle)} (${(aboveIdle / doc).toFixed(2)}× the document, input and output included); ` +
        `peak − loaded = ${mb(aboveLoaded)} (${(aboveLoaded / doc).toFixed(2)}×)${m.exactPeak ? '' : ' [sampled, not exact]'}`);
    }
  }

  const loadAtEnd = loadavg();
  console.log(`\nload average (1, 5, 15 min): at start ${loadAtStart.map((l) => l.toFixed(2)).join(', ')}; ` +
    `at end ${loadAtEnd.map((l) => l.toFixed(2)).join(', ')} (2 cores)`);
  for (const n of notes) console.log(`\nnote: ${n}`);
  await mkdir(OUT_DIR, { recursive: true });
  const out = join(OUT_DIR, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(out, JSON.stringify({
    when: new Date().toISOString(), node: process.version, loadavg: { start: loadAtStart, end: loadAtEnd },
    results, processes, cpuPerSealing, ocsp, imprint, memory, notes,
  }, null, 2));
  console.log(`\nraw figures: ${out}`);
}

await main();
