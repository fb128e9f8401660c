/**
 * The offline CLI under hostile documents (issue 12): `seal verify` (the one-file bundle and the module graph),
 * `seal sign` end with exit 1 and one line naming the reason, within seconds, for a document past a limit or
 * past --timeout; never a hang. Needs `npm run build` (dist/).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../helpers/openssl-pki.js';
import { sealAppearance } from '../verify/kit.js';
import sharp from 'sharp';
import * as files from './files.js';

const root = join(import.meta.dirname, '..', '..');
const BUNDLE = join(root, 'dist', 'seal-verify.mjs');
const CLI = join(root, 'dist', 'cli', 'main.js');

let pki: TestPki;
let dir: string;
beforeAll(async () => {
  if (!existsSync(BUNDLE) || !existsSync(CLI)) throw new Error('run `npm run build` first: these tests run dist/');
  pki = await makeTestPki();
  dir = mkdtempSync(join(tmpdir(), 'hostile-cli-'));
  writeFileSync(join(dir, 'deep.pdf'), files.deepArray(20_000));
  writeFileSync(join(dir, 'bomb.pdf'), files.xrefFlateBomb());
  writeFileSync(join(dir, 'slow.pdf'), files.hugeNumbersInCatalog(1_500_000));
  const a = sealAppearance();
  writeFileSync(join(dir, 'seal.png'), await sharp(a.rgba, { raw: { width: a.width, height: a.height, channels: 4 } }).png().toBuffer());
}, 120_000);

function run(args: string[]) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 90_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (performance.now() - t0) / 1000 };
}

describe('seal verify', () => {
  for (const [how, entry] of [['the one-file bundle', BUNDLE], ['the CLI', CLI]] as const) {
    const cmd = (file: string, ...more: string[]) => [entry, ...(entry === CLI ? ['verify'] : []), join(dir, file), '--trust', pki.root.certPath, ...more];
    it(`${how}: a document past a limit ends in exit 1 naming it`, () => {
      const r = run(cmd('deep.pdf'));
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/document-too-complex/);
      expect(r.stderr).toMatch(/nesting-depth/);
      expect(r.seconds).toBeLessThan(30);
      const bomb = run(cmd('bomb.pdf', '--json'));
      expect(bomb.status).toBe(1);
      expect(JSON.parse(bomb.stdout)).toMatchObject({ valid: false, error: { type: expect.stringMatching(/document-too-complex|unverifiable-pdf/) } });
    }, 120_000);
    it(`${how}: past --timeout, exit 1 with the reason, never a hang`, () => {
      const r = run(cmd('slow.pdf', '--timeout', '1'));
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/processing-time/);
      expect(r.seconds).toBeLessThan(30);
    }, 120_000);
  }
});

describe('seal sign', () => {
  const sign = (file: string, ...more: string[]) => run([CLI, 'sign', join(dir, file), '--key', pki.leafP256.keyPath, '--cert', pki.leafP256.certPath,
    '--page', '1', '--x', '50', '--y', '50', '--image', join(dir, 'seal.png'), '--size-mm', '40', '-o', join(dir, `${file}.out.pdf`), ...more]);
  it('a document past a limit: exit 1 naming it', () => {
    const r = sign('deep.pdf');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/document-too-complex.*nesting-depth/);
  }, 120_000);
  it('past --timeout: exit 1 with the reason', () => {
    const r = sign('slow.pdf', '--timeout', '1');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/processing-time/);
    expect(r.seconds).toBeLessThan(30);
  }, 120_000);
});
