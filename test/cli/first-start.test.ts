/**
 * The first start as a new user meets it, in real processes on the embedded database: `seal serve` on an empty
 * data directory prints one municipal administrator's token, boxed, with the console's address, and never again;
 * `seal token create` against the directory the running service holds refuses with one line and writes nothing
 * (it used to print a token whose write was silently lost); over HTTP, with the caller's token from SEAL_TOKEN,
 * it works; a user replaces their own token and the old one stops working. Logs are JSON lines when stdout is
 * not a terminal.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/store/pglite.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/processes.js';

const dataDir = mkdtempSync(join(tmpdir(), 'seal-first-start-'));
const env = { SEAL_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', SEAL_BOOTSTRAP_TOKEN: '' };
let service: ServiceProcess;
let adminToken: string;

function seal(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, ...env, ...extraEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function waitFor(re: RegExp, out: () => string): Promise<RegExpExecArray> {
  for (let i = 0; i < 600; i++) {
    const m = re.exec(out());
    if (m) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not seen: ${re}\n${out()}`);
}

const me = (url: string, token: string) => fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  service = await startServiceProcess(env);
  adminToken = (await waitFor(/│ +(seal_[A-Za-z0-9_-]{43}) +│/, service.output))[1]!;
}, 180_000);

afterAll(async () => {
  await service?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('first start on an empty embedded database', () => {
  it('prints one municipal administrator token, boxed, with the console address and how to make more', async () => {
    const out = service.output();
    expect(out).toContain('First start: a municipal administrator was created');
    expect(out).toContain(`${service.url}/console/`);
    expect(out).toMatch(/seal token create --url/);
    expect(out).toMatch(/┌─+┐/);
    // Shown once in the box, and in no log line.
    expect(out.split(adminToken).length - 1).toBe(1);
    const res = await me(service.url, adminToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ role: 'municipal-admin', unitId: null });
  });

  it('logs JSON lines when stdout is not a terminal', () => {
    const logLine = service.output().split('\n').find((l) => l.includes('e-seal service listening'))!;
    expect(JSON.parse(logLine)).toMatchObject({ msg: 'e-seal service listening', level: 30 });
  });

  it('seal token create against the embedded database the service holds refuses with one line and writes nothing', async () => {
    const r = await seal(['token', 'create', '--role', 'auditor', '--name', 'lost auditor']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/in use by process \d+ \(a running service\).*--url/);
    // The database holds no such user: checked below, once the service has let go of it.
    // Every command that would open the database directly says the same, in one line.
    const audit = await seal(['audit', 'verify']);
    expect(audit.code).toBe(1);
    expect(audit.stdout).toBe('');
    expect(audit.stderr.trim().split('\n')).toHaveLength(1);
    expect(audit.stderr).toMatch(/^seal: the embedded database .* is in use by process \d+ \(a running service\)/);
  }, 90_000);

  it('seal token create --url makes the user over HTTP with the caller token from SEAL_TOKEN', async () => {
    const r = await seal(['token', 'create', '--url', service.url, '--role', 'auditor', '--name', 'first auditor'], { SEAL_TOKEN: adminToken });
    expect(r.code, r.stderr).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^seal_/);
    const res = await me(service.url, token);
    expect(await res.json()).toMatchObject({ role: 'auditor', name: 'first auditor' });
    // Without SEAL_TOKEN it says what is missing; with a wrong one the service's refusal is shown.
    const none = await seal(['token', 'create', '--url', service.url, '--role', 'auditor'], { SEAL_TOKEN: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/SEAL_TOKEN/);
    const wrong = await seal(['token', 'create', '--url', service.url, '--role', 'auditor'], { SEAL_TOKEN: 'seal_not-a-real-token-0000000000' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused \(HTTP 401\)/);
  }, 120_000);

  it('POST /v1/me/token replaces the caller token: the new one is shown once, the old one stops, the audit log says so', async () => {
    const res = await fetch(`${service.url}/v1/me/token`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as { token: string };
    expect(token).not.toBe(adminToken);
    expect((await me(service.url, adminToken)).status).toBe(401);
    expect((await me(service.url, token)).status).toBe(200);
    const audit = await fetch(`${service.url}/v1/audit/export`, { headers: { authorization: `Bearer ${token}` } });
    const actions = (await audit.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action?: string });
    expect(actions.map((a) => a.action)).toContain('user.token-rotated');
    adminToken = token;
  });

  it('a later start prints no token; a stopped service releases the database to the command line', async () => {
    await service.stop();
    expect(existsSync(`${join(dataDir, 'db')}.lock`)).toBe(false);
    const db = await openPglite(join(dataDir, 'db'));
    try {
      const { rows } = await db.query<{ name: string; role: string }>('SELECT name, role FROM users ORDER BY created_at');
      expect(rows).toEqual([{ name: 'first municipal administrator', role: 'municipal-admin' }, { name: 'first auditor', role: 'auditor' }]);
    } finally {
      await db.close();
    }
    const offline = await seal(['token', 'create', '--role', 'auditor', '--name', 'offline auditor']);
    expect(offline.code, offline.stderr).toBe(0);
    const offlineToken = offline.stdout.trim();
    service = await startServiceProcess(env);
    await new Promise((r) => setTimeout(r, 1000));
    expect(service.output()).not.toContain('First start');
    expect(service.output()).not.toMatch(/seal_[A-Za-z0-9_-]{43}/);
    expect((await me(service.url, adminToken)).status).toBe(200);
    expect((await me(service.url, offlineToken)).status).toBe(200);
  }, 180_000);

  it('a service killed outright leaves a stale lock that the next start takes over', async () => {
    await service.stop('SIGKILL');
    expect(existsSync(`${join(dataDir, 'db')}.lock`)).toBe(true);
    service = await startServiceProcess(env);
    expect((await me(service.url, adminToken)).status).toBe(200);
  }, 180_000);
});
