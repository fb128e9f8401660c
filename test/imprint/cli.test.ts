import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { renderImprintCommand } from '../../src/cli/commands/render-imprint.js';
import { imageHashOfPng } from '../../src/render/index.js';
import { GOOD_CASES, makeScan, pngBomb } from './make-corpus.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await renderImprintCommand(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('seal render --imprint', () => {
  let dir: string;
  let scan: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imprint-cli-'));
    scan = join(dir, 'scan.jpg');
    await writeFile(scan, await makeScan(GOOD_CASES[1]!));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the seal image and the report', async () => {
    const png = join(dir, 'seal.png'), report = join(dir, 'report.json');
    const r = await run(['--imprint', scan, '--diameter', '42', '--dpi', '600', '-o', png, '--report', report]);
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/992×992 px \(42×42 mm at 600 dpi\)/);
    const json = JSON.parse(await readFile(report, 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({ width: 992, height: 992, widthMm: 42, dpi: 600 });
    expect(json.imageHash).toBe((await imageHashOfPng(await readFile(png))).toString('hex'));
    expect(Math.abs((json.rotationDegrees as number) - 7)).toBeLessThanOrEqual(0.5);
  });

  it('a bad scan: exit 2 and one line naming the problem', async () => {
    const bomb = join(dir, 'bomb.png');
    await writeFile(bomb, pngBomb(20000, 20000));
    const r = await run(['--imprint', bomb, '--diameter', '42', '-o', join(dir, 'x.png')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^seal render: image-too-large: /);
  });

  it('usage errors: exit 2', async () => {
    expect((await run(['--imprint', scan])).code).toBe(2);
    expect((await run(['--imprint', scan, '--diameter', 'abc', '-o', join(dir, 'y.png')])).code).toBe(2);
    expect((await run(['--bogus'])).code).toBe(2);
    expect((await run(['--help'])).code).toBe(0);
  });

  it('a missing file: exit 1', async () => {
    expect((await run(['--imprint', join(dir, 'nope.jpg'), '--diameter', '42', '-o', join(dir, 'z.png')])).code).toBe(1);
  });
});
