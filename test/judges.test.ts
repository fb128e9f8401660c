/**
 * The judges helper on a machine without the judges: a child vitest runs a tiny test file (test/helpers/judges-fixture)
 * with PATH holding nothing but node. Without CI its judge tests are skipped, the test needing none passes, and the run
 * ends with one line naming the missing judges and the apt-get line; with CI=true the same run fails. With this
 * machine's PATH (every judge installed) everything runs and no such line is printed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveJudges } from './helpers/judges.js';

const nodeOnly = mkdtempSync(join(tmpdir(), 'seal-node-only-'));
symlinkSync(process.execPath, join(nodeOnly, 'node'));

function fixtureRun(env: Record<string, string | undefined>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/helpers/judges-fixture/vitest.config.ts'], {
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: undefined, ...env },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

const SUMMARY = /^Judges not installed, so the tests that need them were skipped: (.*)\. Install them with: (apt-get install .*)$/m;

describe('tests that need a Debian judge', () => {
  it('are skipped with one summary line when the judges are missing', async () => {
    const r = await fixtureRun({ PATH: nodeOnly });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Tests\s+1 passed \| 4 skipped \(5\)/);
    const lines = r.out.split('\n').filter((l) => SUMMARY.test(l));
    expect(lines).toHaveLength(1);
    const [, names, apt] = SUMMARY.exec(lines[0]!)!;
    expect(names).toBe('certutil, gs, pdfsig, qpdf');
    expect(apt).toBe('apt-get install -y --no-install-recommends ghostscript libnss3-tools poppler-utils qpdf');
  }, 120_000);

  it('fail the run with CI=true', async () => {
    const r = await fixtureRun({ PATH: nodeOnly, CI: 'true' });
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/JudgeMissingError: qpdf is not installed \(CI needs every judge\): apt-get install -y --no-install-recommends qpdf/);
    expect(r.out).not.toMatch(SUMMARY);
  }, 120_000);

  it.runIf(haveJudges('pdfsig', 'qpdf', 'certutil', 'gs'))('all run where the judges are installed, with no summary line', async () => {
    const r = await fixtureRun({});
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Tests\s+5 passed \(5\)/);
    expect(r.out).not.toMatch(SUMMARY);
  }, 120_000);
});
