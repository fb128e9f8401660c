import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getTemplate, listTemplates, renderSeal, sealLayout } from '../../src/render/index.js';
import { gridColumns, legibleArcCharacters, type SealLayout } from '../../src/render/layout.js';
import { quadsOverlap } from '../../src/render/geometry.js';
import { longestName, THIRTY } from './cases.js';

function overlappingPairs(layout: SealLayout): string[] {
  const out: string[] = [];
  const g = layout.glyphs;
  for (let i = 0; i < g.length; i++) {
    for (let j = i + 1; j < g.length; j++) {
      if (quadsOverlap(g[i]!.ink, g[j]!.ink)) out.push(`${i}:${g[i]!.glyph.character}/${j}:${g[j]!.glyph.character}`);
    }
  }
  return out;
}

describe('layout', () => {
  it('ships exactly the five agreed templates', () => {
    expect(listTemplates()).toEqual(['oval', 'round-department', 'round-official', 'round-special', 'square-name']);
  });

  for (const template of ['round-official', 'round-special', 'round-department', 'oval']) {
    it(`${template}: the longest legible name fits, condensed, with no two glyphs overlapping`, () => {
      const name = longestName(template);
      expect([...name].length).toBeGreaterThanOrEqual(20);
      const layout = sealLayout({ template, text: name });
      expect(layout.glyphs.filter((g) => g.field === 'text')).toHaveLength([...name].length);
      expect(layout.arc!.condense).toBeLessThan(1);
      expect(overlappingPairs(layout)).toEqual([]);
    });
  }

  it('never overlaps for any name from 1 character to the template\'s legible limit, with or without bottom text', () => {
    const chars = [...'国家市省区县人民政府办公室厅局委员会财务科技教育卫生健康公安交通中心服务一二三口'];
    fc.assert(
      fc.property(
        fc
          .constantFrom('round-official', 'round-special', 'round-department', 'oval')
          .chain((template) => fc.tuple(fc.constant(template), fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: legibleArcCharacters(getTemplate(template)) }))),
        fc.option(fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: 6 }), { nil: undefined }),
        ([template, name], bottom) => {
          const layout = sealLayout({ template, text: name.join(''), bottomText: bottom?.join('') });
          expect(overlappingPairs(layout)).toEqual([]);
        },
      ),
      { numRuns: 60, seed: 20261125 },
    );
  });

  it('a short name is spaced at most maxStepDeg apart and centred on the top', () => {
    const layout = sealLayout({ template: 'round-official', text: '某某局' });
    expect(layout.arc!.stepDeg).toBeCloseTo(getTemplate('round-official').arcText!.maxStepDeg.value, 6);
    expect(layout.arc!.condense).toBe(1);
  });

  it('square seals fill a grid in columns, right to left', () => {
    expect(gridColumns(1)).toEqual([[0]]);
    expect(gridColumns(2)).toEqual([[0], [1]]);
    expect(gridColumns(3)).toEqual([[0], [1, 2]]);
    expect(gridColumns(4)).toEqual([[0, 1], [2, 3]]);
    expect(gridColumns(9)).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    const layout = sealLayout({ template: 'square-name', text: '张三之印' });
    const centreX = (i: number) => layout.glyphs[i]!.cell.reduce((s, p) => s + p.x, 0) / 4;
    const centreY = (i: number) => layout.glyphs[i]!.cell.reduce((s, p) => s + p.y, 0) / 4;
    expect(centreX(0)).toBeGreaterThan(centreX(2)); // 张 right of 之
    expect(centreY(1)).toBeGreaterThan(centreY(0)); // 三 below 张
    expect(overlappingPairs(layout)).toEqual([]);
  });

  it('uses the template default horizontal text, and "" removes it', () => {
    expect(sealLayout({ template: 'round-special', text: '某某市人民政府' }).horizontal?.text).toBe('公文专用章');
    expect(sealLayout({ template: 'oval', text: '某某公司' }).horizontal?.text).toBe('财务专用章');
    expect(sealLayout({ template: 'round-special', text: '某某市人民政府', bottomText: '合同专用章' }).horizontal?.text).toBe('合同专用章');
    expect(sealLayout({ template: 'round-special', text: '某某市人民政府', bottomText: '' }).horizontal).toBeUndefined();
    expect(sealLayout({ template: 'round-official', text: '某某市人民政府' }).horizontal).toBeUndefined();
  });
});

describe('bad input is a clear 422 naming the field', () => {
  const render = (input: Parameters<typeof renderSeal>[0]) => renderSeal(input);

  it('unknown template', async () => {
    await expect(render({ template: 'triangle', text: '某某' })).rejects.toMatchObject({
      status: 422,
      type: 'unknown-template',
      details: { field: 'template' },
    });
    await expect(render({ template: '../package', text: '某某' })).rejects.toMatchObject({ type: 'unknown-template' });
  });

  it('empty text', async () => {
    await expect(render({ template: 'round-official', text: '   ' })).rejects.toMatchObject({
      status: 422,
      type: 'text-empty',
      details: { field: 'text' },
    });
  });

  it('text too long: over the template maximum, or impossible to fit', async () => {
    await expect(render({ template: 'round-official', text: '某'.repeat(41) })).rejects.toMatchObject({
      status: 422,
      type: 'text-too-long',
      details: { field: 'text', maxCharacters: legibleArcCharacters(getTemplate('round-official')) },
    });
    await expect(render({ template: 'square-name', text: '某'.repeat(10) })).rejects.toMatchObject({
      type: 'text-too-long',
      details: { field: 'text' },
    });
    await expect(render({ template: 'round-official', text: '某某', bottomText: '某'.repeat(12) })).rejects.toMatchObject({
      status: 422,
      type: 'text-too-long',
      details: { field: 'bottomText' },
    });
  });

  it('an absurdly long text is refused by length before any glyph work', async () => {
    // The emoji would be glyph-missing; the length check comes first.
    await expect(render({ template: 'oval', text: '😀'.repeat(100_000) })).rejects.toMatchObject({
      type: 'text-too-long',
      details: { field: 'text', maxCharacters: legibleArcCharacters(getTemplate('oval')) },
    });
  });

  it('a character the font lacks is named, never drawn as a box', async () => {
    await expect(render({ template: 'round-official', text: '某某😀局' })).rejects.toMatchObject({
      status: 422,
      type: 'glyph-missing',
      details: { field: 'text', character: '😀', codePoint: 'U+1F600' },
    });
    await expect(render({ template: 'round-special', text: '某某局', bottomText: '公文\u{E000}章' })).rejects.toMatchObject({
      type: 'glyph-missing',
      details: { field: 'bottomText', codePoint: 'U+E000' },
    });
    await expect(render({ template: 'oval', text: '某某\u0007局' })).rejects.toMatchObject({
      type: 'glyph-missing',
      details: { codePoint: 'U+0007' },
    });
  });

  it('dpi outside 72..2400 or not whole', async () => {
    for (const dpi of [71, 2401, 0, -600, 300.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(render({ template: 'round-official', text: '某某', dpi })).rejects.toMatchObject({
        status: 422,
        type: 'dpi-out-of-range',
        details: { field: 'dpi', min: 72, max: 2400 },
      });
    }
    const low = await render({ template: 'square-name', text: '某', dpi: 72 });
    expect(low.width).toBe(57);
  });

  it('bottom text on a template without a horizontal line', async () => {
    await expect(render({ template: 'square-name', text: '张三', bottomText: '之印' })).rejects.toMatchObject({
      status: 422,
      type: 'bottom-text-not-supported',
      details: { field: 'bottomText' },
    });
  });
});
