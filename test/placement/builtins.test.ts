/**
 * pdf.js's legacy build brings core-js, which replaces some of the thread's native built-ins with slower JavaScript
 * (Array.prototype.push about 3× slower, JSON.parse, JSON.stringify): after text is read, the natives are back
 * (src/placement/text.ts), for everything else the document worker runs; what core-js adds for pdf.js stays.
 */
import { describe, expect, it } from 'vitest';
import { extractText } from '../../src/placement/text.js';
import { basicPdf } from '../pdf/fixtures.js';

const natives = { push: Array.prototype.push, parse: JSON.parse, stringify: JSON.stringify, toString: Function.prototype.toString };

describe('the thread\'s built-ins after pdf.js has read a document', () => {
  it('are the natives they were before, with what pdf.js needs added', async () => {
    const pdf = await basicPdf();
    for (let i = 0; i < 2; i++) {
      const text = await extractText(pdf, { pages: [1] });
      expect(text.pageCount).toBeGreaterThan(0);
      expect(Array.prototype.push).toBe(natives.push);
      expect(JSON.parse).toBe(natives.parse);
      expect(JSON.stringify).toBe(natives.stringify);
      expect(Function.prototype.toString).toBe(natives.toString);
    }
    // added by core-js on Node 20, used by pdf.js: kept
    expect(typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers).toBe('function');
  }, 60_000);
});
