/**
 * A tiny test file run by test/judges.test.ts in a child vitest with a stripped PATH: each way of needing a judge
 * (inside a test, around a block, in a hook, through runTool) next to a test that needs none.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { haveJudges, needJudge, skipUnlessJudges } from '../judges.js';
import { runTool } from '../openssl-pki.js';

it('needs no judge', () => {
  expect(1 + 1).toBe(2);
});

it('needs pdfsig inside the test', () => {
  needJudge('pdfsig');
  expect(execFileSync('pdfsig', ['-v'], { stdio: 'pipe' })).toBeDefined();
});

describe.runIf(haveJudges('qpdf'))('a block that needs qpdf', () => {
  it('runs qpdf', () => {
    expect(execFileSync('qpdf', ['--version']).toString()).toMatch(/qpdf version/);
  });
});

it('runs certutil through runTool', async () => {
  const r = await runTool('certutil', ['-H']);
  expect(r.stderr + r.stdout.toString()).toMatch(/certutil/i);
});

describe('a hook that needs Ghostscript', () => {
  let version = '';
  beforeAll(({}, suite) => {
    if (!skipUnlessJudges(suite, 'gs')) return;
    version = execFileSync('gs', ['--version']).toString().trim();
  });
  it('has its version', () => {
    expect(version).toMatch(/^\d+\.\d+/);
  });
});
