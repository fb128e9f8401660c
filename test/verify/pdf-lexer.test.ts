import { describe, expect, test } from 'vitest';
import { dictValueSpan, LexError, skipValue } from '../../src/verify/pdf-lexer.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('locating a value in the file bytes', () => {
  test('finds /Contents past nested dictionaries, strings with parentheses, comments and references', () => {
    const src = '12 0 obj\n<< /Type /Sig /Prop_Build << /App << /Name (a (nested) \\) string) >> >> % comment /Contents <00>\n' +
      '/Ref 3 0 R /Arr [1 2 [3] <<>>] /Contents <3082AB> /M (D:2026) >>\nendobj';
    const span = dictValueSpan(b(src), 0, 'Contents')!;
    expect(src.slice(span.start, span.end)).toBe('<3082AB>');
  });
  test('names with #xx escapes are the same key', () => {
    const src = '1 0 obj << /Cont#65nts <ABCD> >> endobj';
    const span = dictValueSpan(b(src), 0, 'Contents')!;
    expect(src.slice(span.start, span.end)).toBe('<ABCD>');
  });
  test('a duplicate key is an error, not a choice', () => {
    expect(() => dictValueSpan(b('1 0 obj << /Contents <AB> /Contents <CD> >> endobj'), 0, 'Contents')).toThrow(LexError);
  });
  test('absent key, non-dictionary and truncated input', () => {
    expect(dictValueSpan(b('1 0 obj << /A 1 >> endobj'), 0, 'Contents')).toBeUndefined();
    expect(() => dictValueSpan(b('1 0 obj [1 2] endobj'), 0, 'Contents')).toThrow(LexError);
    expect(() => dictValueSpan(b('1 0 obj << /Contents <AB'), 0, 'Contents')).toThrow(LexError);
    expect(() => skipValue(b('[[[[['), 0)).toThrow(LexError);
  });
});
