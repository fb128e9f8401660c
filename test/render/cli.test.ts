import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderCommand } from '../../src/cli/commands/render.js';
import { imageHashOfPng, renderSeal } from '../../src/render/index.js';

describe('seal render', () => {
  let stderr: string[];
  beforeEach(() => {
    stderr = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  const out = () => join(mkdtempSync(join(tmpdir(), 'seal-render-')), 'seal.png');

  it('writes the same PNG as renderSeal', async () => {
    const file = out();
    const code = await renderCommand(['--template', 'round-special', '--text', '某某市人民政府办公厅', '--bottom-text', '公文专用章', '--dpi', '300', '-o', file]);
    expect(code).toBe(0);
    expect(stderr).toEqual([]);
    const png = readFileSync(file);
    const direct = await renderSeal({ template: 'round-special', text: '某某市人民政府办公厅', bottomText: '公文专用章', dpi: 300 });
    expect(png.equals(direct.png)).toBe(true);
    expect((await imageHashOfPng(png)).equals(direct.imageHash)).toBe(true);
    expect((await sharp(png).metadata()).width).toBe(496);
  });

  it('defaults to 600 dpi', async () => {
    const file = out();
    expect(await renderCommand(['--template', 'square-name', '--text', '张三', '-o', file])).toBe(0);
    expect((await sharp(readFileSync(file)).metadata()).width).toBe(mmToPx600(20));
  });

  const usage: [string, string[], RegExp][] = [
    ['missing options', ['--template', 'oval'], /missing --text, -o/],
    ['unknown option', ['--colour', 'red'], /colour/],
    ['unknown template', ['--template', 'triangle', '--text', '某', '-o', '/tmp/x.png'], /unknown-template/],
    ['bad dpi', ['--template', 'oval', '--text', '某', '--dpi', 'lots', '-o', '/tmp/x.png'], /--dpi/],
    ['dpi out of range', ['--template', 'oval', '--text', '某', '--dpi', '5000', '-o', '/tmp/x.png'], /dpi-out-of-range/],
    ['missing glyph', ['--template', 'oval', '--text', '某😀', '-o', '/tmp/x.png'], /glyph-missing.*U\+1F600/],
  ];
  for (const [name, args, message] of usage) {
    it(`exit 2 with one line on stderr: ${name}`, async () => {
      expect(await renderCommand(args)).toBe(2);
      expect(stderr).toHaveLength(1);
      expect(stderr[0]).toMatch(message);
      expect(stderr[0]!.trimEnd().includes('\n')).toBe(false);
    });
  }

  it('exit 1 when the output cannot be written', async () => {
    expect(await renderCommand(['--template', 'square-name', '--text', '张三', '--dpi', '72', '-o', '/nonexistent-dir/seal.png'])).toBe(1);
    expect(stderr[0]).toMatch(/cannot write/);
  });
});

const mmToPx600 = (mm: number) => Math.round((mm / 25.4) * 600);
