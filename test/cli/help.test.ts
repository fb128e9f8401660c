/**
 * Every subcommand's help: `seal X --help`, `seal X -h` and `seal help X` print X's usage on stdout and exit 0,
 * without doing X (`seal serve --help` must not start a server: the process has to end by itself).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function seal(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // An empty data directory that does not exist: a command that wrongly went to work would fail or create it.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, SEAL_DATA_DIR: '/nonexistent/seal-help-test', DATABASE_URL: '', PORT: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    // A server that started would never exit: kill it after a generous wait so that the test fails, not hangs.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const COMMANDS: [args: string[], usage: RegExp][] = [
  [['serve'], /^usage: seal serve/],
  [['token'], /^usage: seal token create/],
  [['token', 'create'], /^usage: seal token create/],
  [['sign'], /^usage: seal sign/],
  [['render'], /^usage: seal render --template/],
  [['render', '--imprint', 'scan.png'], /^usage: seal render --imprint/],
  [['ca'], /^usage: seal ca init/],
  [['ca', 'init'], /^usage: seal ca init/],
  [['audit'], /^usage: seal audit verify/],
  [['audit', 'verify'], /^usage: seal audit verify/],
  [['verify'], /^usage: seal verify/],
  [['extend'], /^usage: seal extend/],
];

describe('seal X --help', () => {
  it.each(COMMANDS)('seal %j --help prints its usage and exits 0', async (args, usage) => {
    for (const flag of ['--help', '-h']) {
      const r = await seal([...args, flag]);
      expect(r.code, `${args.join(' ')} ${flag}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(usage);
    }
  }, 150_000);

  it.each(COMMANDS.filter(([a]) => a.length === 1))('seal help %j is the same as --help', async (args, usage) => {
    const r = await seal(['help', ...args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(usage);
  }, 90_000);

  it('seal serve --help starts no server and touches no data directory', async () => {
    const r = await seal(['serve', '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/listening/);
  }, 90_000);

  it('an unknown command is still a usage error (exit 2)', async () => {
    const r = await seal(['no-such-command', '--help']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "no-such-command"/);
  }, 90_000);
});
