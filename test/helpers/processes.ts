import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Private PostgreSQL and Redis instances and real service processes, for the fault and
 * two-instance tests. Each test starts its own on free ports and stops them itself: the shared
 * PostgreSQL (5432) and Redis (6379) are never touched.
 */

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const PG_BIN = (() => {
  const r = spawnSync('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1'], { encoding: 'utf8' });
  return r.stdout.trim();
})();

export const havePrivatePostgres = () => PG_BIN !== '' && spawnSync('id', ['postgres']).status === 0;
export const haveRedisServer = () => spawnSync('redis-server', ['--version']).status === 0;

/** As the postgres user; asynchronous, so the test's own requests keep flowing meanwhile. */
async function runAsPostgres(args: string[]): Promise<void> {
  try {
    await promisify(execFile)('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8', timeout: 60_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`${args.join(' ')}: ${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

export interface PrivatePostgres {
  url: string;
  port: number;
  /** Resolves once the server is down (pg_ctl stop -m fast -w). */
  stop(): Promise<void>;
  /** Resolves once the server accepts connections again. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** A PostgreSQL cluster of its own (initdb in a temp dir, trust auth, unix socket in that dir). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'seal-pg-'));
  chownSync(dir, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout), Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout));
  const data = join(dir, 'data');
  await runAsPostgres([`${PG_BIN}/initdb`, '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const ctl = (...args: string[]) => runAsPostgres([`${PG_BIN}/pg_ctl`, '-D', data, '-l', join(dir, 'log'), ...args]);
  const start = () => ctl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', '-t', '60', 'start');
  await start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await start();
      running = true;
    },
    async stop() {
      await ctl('-m', 'fast', '-w', '-t', '60', 'stop');
      running = false;
    },
    async destroy() {
      if (running) await ctl('-m', 'immediate', '-w', 'stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateRedis {
  url: string;
  port: number;
  stop(): void;
  start(): Promise<void>;
  destroy(): void;
}

/** A Redis of its own, no persistence, on a free port. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'seal-redis-'));
  const port = await freePort();
  const pidfile = join(dir, 'redis.pid');
  const start = async () => {
    const r = spawnSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--pidfile', pidfile, '--dir', dir, '--logfile', join(dir, 'log')], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`redis-server: ${r.stderr}`);
    for (let i = 0; i < 100; i++) {
      if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('private redis did not start');
  };
  await start();
  const stop = () => {
    spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { encoding: 'utf8' });
    for (let i = 0; i < 100 && spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).status === 0; i++) spawnSync('sleep', ['0.05']);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    destroy() {
      stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ServiceProcess {
  url: string;
  proc: ChildProcess;
  /** Everything the process wrote so far. */
  output(): string;
  /** Stops it (SIGTERM, or SIGKILL for a crash) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `seal serve` as its own process (through tsx, as in development), on a free port. */
export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'info', SEAL_RATE_LIMIT_PER_MINUTE: '100000', SEAL_REFUSAL_AUDIT_PER_MINUTE: '100000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const deadline = Date.now() + 90_000;
  while (!/e-seal service listening/.test(out)) {
    if (proc.exitCode !== null) throw new Error(`the service exited at start:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`the service did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    proc,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

export const readText = (path: string) => readFileSync(path, 'utf8');
