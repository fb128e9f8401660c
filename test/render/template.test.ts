import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplateFile, parseTemplate } from '../../src/render/index.js';
import { fromRoot } from '../../src/paths.js';

const dir = fromRoot('seal-templates');
const read = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;

/** Every number in a template must sit in a { value, source } pair. */
function bareNumbers(node: unknown, path: string, out: string[]): string[] {
  if (typeof node === 'number') out.push(path);
  else if (Array.isArray(node)) node.forEach((v, i) => bareNumbers(v, `${path}.${i}`, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    const keys = Object.keys(o);
    if (typeof o.value === 'number' && typeof o.source === 'string' && keys.length === 2) return out;
    for (const k of keys) bareNumbers(o[k], path ? `${path}.${k}` : k, out);
  }
  return out;
}

describe('seal template files', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  for (const file of files) {
    it(`${file} is valid, and every number cites its source`, () => {
      const json = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      expect(() => parseTemplate(json, file)).not.toThrow();
      expect(bareNumbers(json, '', [])).toEqual([]);
      expect(JSON.stringify(json)).toContain('国发〔1999〕25号');
    });
  }

  it('a bad number is an error naming the file and the field', () => {
    const t = read('round-official');
    (t.star as { outerRadiusMm: { value: number } }).outerRadiusMm.value = -7;
    expect(() => parseTemplate(t, 'seal-templates/round-official.json')).toThrow(
      expect.objectContaining({
        status: 500,
        type: 'invalid-template',
        message: expect.stringMatching(/^seal-templates\/round-official\.json: field star\.outerRadiusMm\.value: /),
        details: { file: 'seal-templates/round-official.json', field: 'star.outerRadiusMm.value' },
      }),
    );
  });

  it('a number without its source is refused', () => {
    const t = read('oval');
    (t.shape as Record<string, unknown>).widthMm = 45;
    expect(() => parseTemplate(t, 'oval.json')).toThrow(expect.objectContaining({ details: { file: 'oval.json', field: 'shape.widthMm' } }));
  });

  it('unknown fields, a wrong shape for the text kind and a misnamed file are refused', () => {
    const extra = { ...read('oval'), colour: 'red' };
    expect(() => parseTemplate(extra, 'oval.json')).toThrow(/oval\.json: field \(root\)|colour/);
    const grid = { ...read('round-official'), gridText: read('square-name').gridText };
    expect(() => parseTemplate(grid, 'round-official.json')).toThrow(/field gridText/);
    expect(() => parseTemplate(read('oval'), 'ellipse.json')).toThrow(/ellipse\.json: field name/);
  });

  it('a file that is not JSON names the file', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'seal-tpl-'));
    const path = join(tmp, 'broken.json');
    writeFileSync(path, '{ "name": ');
    expect(() => loadTemplateFile(path)).toThrow(expect.objectContaining({ type: 'invalid-template', details: { file: path, field: '(root)' } }));
  });
});
