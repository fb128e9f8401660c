import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  canonicalImageHash,
  canonicalPixels,
  imageHashOfPng,
  mmToPx,
  renderSeal,
} from '../../src/render/index.js';
import { rawRgba } from './pixels.js';

describe('renderSeal', () => {
  it('is deterministic: same bytes and hash on every render', async () => {
    const input = { template: 'round-special', text: '某某市人民政府办公厅', dpi: 300 };
    const a = await renderSeal(input);
    const b = await renderSeal(input);
    expect(a.png.equals(b.png)).toBe(true);
    expect(a.imageHash.equals(b.imageHash)).toBe(true);
    expect(a.imageHash).toHaveLength(32);
  });

  it('sizes exactly: 42 mm at 600 dpi is 992 px, and the PNG says 600 dpi', async () => {
    expect(mmToPx(42, 600)).toBe(992);
    const seal = await renderSeal({ template: 'round-official', text: '某某市人民政府' });
    expect(seal).toMatchObject({ width: 992, height: 992, widthMm: 42, heightMm: 42, dpi: 600 });
    const meta = await sharp(seal.png).metadata();
    expect(meta).toMatchObject({ width: 992, height: 992, format: 'png', channels: 4, hasAlpha: true });
    expect(Math.round(meta.density ?? 0)).toBe(600);
  });

  it('sizes non-round templates per axis (oval 45 x 30 mm at 600 dpi)', async () => {
    const seal = await renderSeal({ template: 'oval', text: '某某市财政局', dpi: 600 });
    expect([seal.width, seal.height]).toEqual([1063, 709]);
  });

  it('is transparent outside the ink and seal red where inked', async () => {
    const seal = await renderSeal({ template: 'round-official', text: '某某市人民政府', dpi: 150 });
    const img = await rawRgba(seal.png);
    // Corners are outside the circle.
    expect([...img.data.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
    // Every fully opaque pixel is the template colour #E60012.
    let opaque = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      if (img.data[i + 3] === 255) {
        opaque++;
        expect([img.data[i], img.data[i + 1], img.data[i + 2]]).toEqual([0xe6, 0x00, 0x12]);
      }
    }
    expect(opaque).toBeGreaterThan(1000);
  });

  it('imageHash is the canonical hash of the PNG it returns', async () => {
    const seal = await renderSeal({ template: 'square-name', text: '王小明', dpi: 300 });
    expect((await imageHashOfPng(seal.png)).equals(seal.imageHash)).toBe(true);
  });
});

describe('canonical image hash', () => {
  it('matches the written definition on a tiny image', () => {
    const rgba = Uint8Array.from([255, 0, 0, 255, 1, 2, 3, 0]);
    const expected = createHash('sha256')
      .update(Buffer.from('SEALIMG1', 'ascii'))
      .update(Buffer.from([0, 0, 0, 2, 0, 0, 0, 1]))
      .update(Buffer.from([255, 0, 0, 255, 0, 0, 0, 0]))
      .digest();
    expect(canonicalImageHash({ width: 2, height: 1, rgba }).equals(expected)).toBe(true);
  });

  it('ignores the colour of fully transparent pixels but not of any visible one', () => {
    const base = new Uint8Array(4 * 4 * 4);
    base.set([230, 0, 18, 255], 0);
    const noisy = Uint8Array.from(base);
    for (let i = 4; i < noisy.length; i += 4) noisy.set([i & 255, 77, 200, 0], i);
    const h = canonicalImageHash({ width: 4, height: 4, rgba: base });
    expect(canonicalImageHash({ width: 4, height: 4, rgba: noisy }).equals(h)).toBe(true);
    const faint = Uint8Array.from(base);
    faint[7] = 1; // pixel 1 now has alpha 1: visible, so it counts
    expect(canonicalImageHash({ width: 4, height: 4, rgba: faint }).equals(h)).toBe(false);
  });

  it('binds the dimensions: the same bytes as 2x8 and 8x2 hash differently', () => {
    const rgba = new Uint8Array(16 * 4).fill(255);
    const a = canonicalImageHash({ width: 2, height: 8, rgba });
    const b = canonicalImageHash({ width: 8, height: 2, rgba });
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a buffer of the wrong length', () => {
    expect(() => canonicalImageHash({ width: 2, height: 2, rgba: new Uint8Array(15) })).toThrow(
      expect.objectContaining({ status: 422, type: 'invalid-image' }),
    );
  });

  it('canonicalPixels zeroes the RGB of transparent pixels in any PNG', async () => {
    const raw = Buffer.from([10, 20, 30, 0, 230, 0, 18, 128, 9, 9, 9, 0, 1, 2, 3, 255]);
    const png = await sharp(raw, { raw: { width: 2, height: 2, channels: 4 } }).png().toBuffer();
    const c = await canonicalPixels(png);
    expect(c.width).toBe(2);
    expect([...c.rgba]).toEqual([0, 0, 0, 0, 230, 0, 18, 128, 0, 0, 0, 0, 1, 2, 3, 255]);
    expect((await imageHashOfPng(png)).equals(canonicalImageHash({ width: 2, height: 2, rgba: raw }))).toBe(true);
  });

  it('canonicalPixels refuses bytes that are not an image', async () => {
    await expect(canonicalPixels(Buffer.from('not a png'))).rejects.toMatchObject({ status: 422, type: 'invalid-image' });
  });
});
