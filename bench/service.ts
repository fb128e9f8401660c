/**
 * The service for the bench's HTTP rows, run as `npm start` runs it: `node dist/cli/main.js serve` (compiled by
 * `npm run build`, not TypeScript through tsx), in a child process of bench/run.ts so the client's timing loop and the
 * server do not share an event loop, with its in-service TSA, listening on 127.0.0.1 on a free port, and either
 *   - the embedded database (PGlite) in a fresh data directory — what a deployment without DATABASE_URL uses; PGlite
 *     runs its queries on the service's own thread — or
 *   - PostgreSQL (`{ postgres: url }`, the bench's DATABASE_URL): a fresh database of its own on that server
 *     (CREATE DATABASE bench_<random>), dropped when the service stops — what a deployment with DATABASE_URL uses.
 *     The server's CPU time is spent in its own processes, not in the service's.
 * Either way without Redis (REDIS_URL empty: the in-process implementations of idempotency and rate limits).
 *
 * Once it listens, the bench prepares it through the API as any client would: one unit with an approved seal and an
 * operator, through the bootstrap token it was started with (SEAL_BOOTSTRAP_TOKEN).
 *
 * The per-client rate limits are raised (SEAL_RATE_LIMIT_PER_MINUTE, SEAL_PKI_RATE_LIMIT_PER_MINUTE): the bench is
 * one client sending thousands of requests, which the defaults (600 and 60,000 a minute) would refuse; and the body
 * limit (SEAL_MAX_BODY_BYTES, 50 MiB by default) to 64 MiB, so the 50 MB file fits. The log level is the default
 * (info: one line per request), as a deployment runs it; the lines go to a file, not to a pipe the bench must drain.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { creditCodeCheckCharacter } from '../src/ca/credit-code.js';
import { parseCertificate } from '../src/verify/certificate.js';
import { ocspRequestFor } from '../src/verify/revocation.js';
import { BENCH_DIR, OUT_DIR } from './setup.js';

const ROOT = join(BENCH_DIR, '..');

export interface BenchService {
  /** The service's process id (its CPU time: serviceCpuMs). */
  pid: number;
  url: string;
  sealId: string;
  operator: string;
  ocspPath: string;
  stop(): Promise<void>;
}

export interface BenchServiceOptions {
  /** A PostgreSQL server's URL (postgres://…/anydb): the service gets a fresh database of its own on it. Default: PGlite. */
  postgres?: string;
}

/** A fresh database on the server of `url`, and the URL of it; dropped by `drop` (connections closed first). */
export async function freshPostgresDatabase(url: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const admin = async <T>(f: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try { return await f(c); } finally { await c.end(); }
  };
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(), name,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** The Node flags `npm start` runs the service with (package.json), so the bench runs it the same way. */
export function serviceNodeFlags(): string[] {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const m = /\bnode((?:\s+--\S+)*)\s+dist\/cli\/main\.js serve\b/.exec(start);
  if (!m) throw new Error(`package.json's start script does not run "node … dist/cli/main.js serve": ${start}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}

/** Starts the compiled service and prepares a unit, a seal and an operator (fails after two minutes). */
export async function startBenchService(opts: BenchServiceOptions = {}): Promise<BenchService> {
  const cli = join(ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` first (the HTTP rows run the service as `npm start` does)');
  const dataDir = mkdtempSync(join(OUT_DIR, 'service-'));
  const database = opts.postgres ? await freshPostgresDatabase(opts.postgres) : undefined;
  const logFile = join(dataDir, 'service.log');
  const bootstrap = randomBytes(24).toString('hex');
  const log = openSync(logFile, 'w');
  // BENCH_SERVICE_NODE_ARGS: extra Node flags for the service, e.g. "--cpu-prof --cpu-prof-dir=bench/out/prof" to profile it.
  const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...serviceNodeFlags(), ...nodeArgs, cli, 'serve'], {
    cwd: ROOT,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      // PGlite unless asked for PostgreSQL, and in-process shared state, whatever the caller's shell has
      DATABASE_URL: database?.url ?? '', REDIS_URL: '', SEAL_DATABASE_OWNER_URL: '',
      HOST: '127.0.0.1', PORT: '0', SEAL_DATA_DIR: dataDir,
      SEAL_KEK: randomBytes(32).toString('base64'), SEAL_BOOTSTRAP_TOKEN: bootstrap,
      SEAL_RATE_LIMIT_PER_MINUTE: '1000000000', SEAL_PKI_RATE_LIMIT_PER_MINUTE: '1000000000', SEAL_MAX_BODY_BYTES: String(64 << 20),
    },
  });
  const stop = () => new Promise<void>((resolve) => {
    const done = () => {
      rmSync(dataDir, { recursive: true, force: true });
      void (database?.drop().catch((e: Error) => console.error(`bench: could not drop ${database.name}: ${e.message}`)) ?? Promise.resolve()).then(resolve);
    };
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', done);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
  process.once('exit', () => child.kill('SIGKILL'));
  try {
    const url = await listeningUrl(child, logFile);
    return { pid: child.pid!, url, ...(await prepare(url, bootstrap)), stop };
  } catch (err) {
    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    await stop();
    throw new Error(`bench service did not start: ${(err as Error).message}\n${tail}`);
  }
}

/** The URL from the service's "listening" log line (it was given port 0). */
async function listeningUrl(child: ChildProcess, logFile: string): Promise<string> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    for (const line of readFileSync(logFile, 'utf8').split('\n')) {
      if (!line.includes('e-seal service listening')) continue;
      return (JSON.parse(line) as { url: string }).url;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no "listening" line within two minutes');
}

async function call<T>(url: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
}

async function prepare(url: string, muni: string) {
  const first17 = '114401000000000' + '42';
  const code = first17 + creditCodeCheckCharacter(first17);
  const unitId = (await call<{ id: string }>(url, muni, 'POST', '/v1/units', { name: '广州市基准测试局', code })).id;
  const admin = (await call<{ token: string }>(url, muni, 'POST', `/v1/units/${unitId}/users`, { name: 'admin', role: 'unit-admin' })).token;
  const op = await call<{ id: string; token: string }>(url, admin, 'POST', `/v1/units/${unitId}/users`, { name: 'op', role: 'operator' });
  const appId = (await call<{ id: string }>(url, admin, 'POST', '/v1/seal-applications',
    { unitId, template: 'round-official', text: '广州市基准测试局', physicalSealRef: 'bench', purpose: 'benchmark' })).id;
  const sealId = (await call<{ sealId: string }>(url, muni, 'POST', `/v1/seal-applications/${appId}/approve`)).sealId;
  await call(url, admin, 'POST', `/v1/seals/${sealId}/operators`, { userId: op.id });

  // An OCSP request for the seal's certificate, as a relying party sends it in the GET form (RFC 6960 A.1).
  const pemToDer = (pem: string) => [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)]
    .map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  const sealCert = pemToDer(await call<string>(url, op.token, 'GET', `/v1/seals/${sealId}/certificate.pem`))[0]!;
  const issuer = pemToDer(await call<string>(url, op.token, 'GET', '/ca/chain.pem'))[0]!;
  const ocspDer = ocspRequestFor(parseCertificate(sealCert), parseCertificate(issuer));
  // The base64 as most clients send it: '/' and '+' not percent-encoded (the service takes both spellings).
  const ocspPath = `/ocsp/${ocspDer.toString('base64')}`;
  await call(url, op.token, 'GET', ocspPath);
  return { sealId, operator: op.token, ocspPath };
}
