/**
 * Ends a test run with ONE line when judges were missing (test/helpers/judges.ts): which ones, and the `apt-get
 * install` line that brings them. Runs in vitest's main process: it names the directory in which the workers note
 * what they missed (they inherit the environment variable), reads it at the end, and removes it.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reporter } from 'vitest/reporters';
import { aptLine, isJudge, MISSING_DIR_VARIABLE } from './judges.js';

export default class MissingJudgesReporter implements Reporter {
  private dir = '';

  onInit(): void {
    this.dir = mkdtempSync(join(tmpdir(), 'seal-missing-judges-'));
    process.env[MISSING_DIR_VARIABLE] = this.dir;
  }

  onTestRunEnd(): void {
    const missing = readdirSync(this.dir).filter(isJudge).sort();
    rmSync(this.dir, { recursive: true, force: true });
    if (missing.length === 0) return;
    process.stdout.write(`\nJudges not installed, so the tests that need them were skipped: ${missing.join(', ')}. Install them with: ${aptLine(missing)}\n`);
  }
}
