/**
 * The README's first steps, as a new user runs them: `seal serve` on an empty data directory prints the first
 * administrator's token in a box; the shell blocks of "First steps" are then run as written (bash, curl, node), with
 * only the address and that token filled in, and must end with a sealed document that verifies through the service
 * and offline. If the README and the service drift apart, this fails.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveJudges } from '../helpers/judges.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/processes.js';

/** The ```sh blocks of the README section that starts with `heading`, in order. */
function shellBlocks(heading: string): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf(heading);
  const end = readme.indexOf('\n## ', start + heading.length);
  return [...readme.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe.runIf(haveJudges('bash', 'curl'))('the README first steps, run as written', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'seal-readme-'));
  const work = mkdtempSync(join(tmpdir(), 'seal-readme-work-'));
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('from an empty data directory to a sealed document that verifies, through the service and offline', async () => {
    service = await startServiceProcess({ SEAL_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', SEAL_BOOTSTRAP_TOKEN: '' });
    let token: string | undefined;
    for (let i = 0; i < 300 && !token; i++) {
      token = /│ +(seal_[A-Za-z0-9_-]{43}) +│/.exec(service.output())?.[1];
      if (!token) await new Promise((r) => setTimeout(r, 100));
    }
    expect(token, service.output()).toBeDefined();

    const blocks = shellBlocks('## First steps');
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const script = blocks.join('\n')
      .replace(/^SEAL=http:\/\/127\.0\.0\.1:8080$/m, `SEAL=${service.url}`)
      .replace(/^ADMIN=seal_…/m, `ADMIN=${token}`);
    expect(script).toContain(`SEAL=${service.url}`);
    expect(script).toContain(`ADMIN=${token}`);
    // `npx seal` is the built command (dist/, made by npm install); from the sources here, the same entry through tsx.
    const project = process.cwd();
    const tsx = join(project, 'node_modules', 'tsx', 'dist', 'loader.mjs');
    const prelude = [
      'set -eo pipefail',
      `npx() { if [ "$1" = seal ]; then shift; node --import ${JSON.stringify(tsx)} ${JSON.stringify(join(project, 'src/cli/main.ts'))} "$@"; else command npx "$@"; fi; }`,
      // The README runs in a clone, where docs/examples/notice.pdf is; here the work directory gets a copy.
      `mkdir -p docs/examples && cp ${JSON.stringify(join(project, 'docs/examples/notice.pdf'))} docs/examples/`,
      '',
    ].join('\n');
    const file = join(work, 'steps.sh');
    writeFileSync(file, prelude + script);
    const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn('bash', [file], { cwd: work });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.stderr.on('data', (c: Buffer) => (out += c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(r.code, r.out).toBe(0);
    // The service's report, then the offline verifier's.
    expect(r.out).toMatch(/\{"valid":true,"signatures":\[\{"field":"Seal1","kind":"signature","status":"VALID","reason":"ok"[^}]*"level":"B-LT"/);
    expect(r.out).toMatch(/sealed\.pdf: VALID \(1 signature/);
    expect(readFileSync(join(work, 'seal.png')).subarray(1, 4).toString()).toBe('PNG');
  }, 300_000);
});
