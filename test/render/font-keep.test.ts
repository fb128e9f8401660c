/**
 * The parsed seal font (some 100 MB of heap: opentype.js makes accessors for each of its ~30,000 glyphs) is kept
 * while renderings come, and let go SEAL_FONT_KEEP_MS after the last one, so a service that rarely renders does
 * not mark it in every full garbage collection of its HTTP thread.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { SEAL_FONT_KEEP_MS, sealFont } from '../../src/render/font.js';

afterEach(() => { vi.useRealTimers(); });

describe('sealFont', () => {
  test('one parse for a burst of uses; parsed again after a quiet spell, with the same glyphs', () => {
    vi.useFakeTimers();
    const first = sealFont();
    const 印 = first.glyph('印', 'text');
    vi.advanceTimersByTime(SEAL_FONT_KEEP_MS - 1_000);
    expect(sealFont()).toBe(first); // used again: kept, and its keep time starts again
    vi.advanceTimersByTime(SEAL_FONT_KEEP_MS - 1_000);
    expect(sealFont()).toBe(first);
    vi.advanceTimersByTime(SEAL_FONT_KEEP_MS + 1);
    const again = sealFont();
    expect(again).not.toBe(first); // let go, then parsed afresh
    expect(again.glyph('印', 'text')).toEqual(印);
    expect(again.unitsPerEm).toBe(first.unitsPerEm);
  });
});
