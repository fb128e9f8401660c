import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { fromRoot } from '../../src/paths.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/processes.js';

/**
 * Issue 12, listening: HOST (default 127.0.0.1; the container image sets 0.0.0.0), and a port already
 * in use stops `seal serve` with exit 1 and one line saying so, rather than logging "listening" and
 * exiting 0. Real processes: the CLI spawned twice on one port.
 */

/** `seal serve` run to its end: exit code and what it wrote. */
function serveUntilExit(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 120_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const reachable = async (url: string) => {
  try {
    await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    return true;
  } catch {
    return false;
  }
};

describe('listening', () => {
  const dirs: string[] = [];
  const procs: ServiceProcess[] = [];
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'seal-listen-'));
    dirs.push(d);
    return d;
  };
  const env = () => ({ SEAL_DATA_DIR: dataDir(), SEAL_KEK: randomBytes(32).toString('base64'), DATABASE_URL: '', REDIS_URL: '' });
  afterAll(async () => {
    for (const p of procs) await p.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('HOST defaults to 127.0.0.1 and nothing else is listened on; the Dockerfile sets 0.0.0.0', async () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(() => loadConfig({ HOST: 'not a host!' })).toThrow(/HOST/);
    expect(readFileSync(fromRoot('Dockerfile'), 'utf8')).toMatch(/^\s*HOST=0\.0\.0\.0\b/m);

    // By default only 127.0.0.1 answers: another loopback address (127.0.0.2) is not listened on.
    const byDefault = await startServiceProcess(env());
    procs.push(byDefault);
    const port = new URL(byDefault.url).port;
    expect(await reachable(`http://127.0.0.1:${port}`)).toBe(true);
    expect(await reachable(`http://127.0.0.2:${port}`)).toBe(false);
    expect(byDefault.output()).toMatch(/"host":"127\.0\.0\.1"/);
  }, 240_000);

  it('a port already in use: the second `seal serve` exits 1 with one line saying so, and the first keeps serving', async () => {
    const first = procs[0] ?? (await startServiceProcess(env()));
    if (!procs.includes(first)) procs.push(first);
    const port = new URL(first.url).port;
    const second = await serveUntilExit({ ...env(), PORT: port, LOG_LEVEL: 'warn' });
    expect(second.code).toBe(1);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toEqual([`seal: port ${port} on 127.0.0.1 is already in use`]);
    expect(second.stdout).not.toMatch(/listening/);
    expect(await reachable(`http://127.0.0.1:${port}`)).toBe(true);
  }, 240_000);
});
