/**
 * pdf.js is heavy (a few MB of JavaScript) and only sealing needs it: it stays out of the offline verifier
 * bundle and out of the service's start-up (imported only when a document's text is first read).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('where pdf.js is loaded', () => {
  it('the offline verifier bundle holds none of it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'verifier-')), 'seal-verify.mjs');
    await run('node', ['scripts/build-verifier.mjs', '--outfile', out], { timeout: 120_000 });
    const code = readFileSync(out, 'utf8');
    expect(code).toContain('riding-slice-missing'); // the riding check is in it
    for (const marker of ['pdfjs-dist', 'getTextContent', 'PDFDataRangeTransport', 'GlobalWorkerOptions']) expect(code).not.toContain(marker);
  });

  it('the service imports it only dynamically (when text is first read), never at start-up', async () => {
    const result = await build({
      entryPoints: ['src/main.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', metafile: true, write: false, logLevel: 'silent',
    });
    const pdfjsImports = Object.entries(result.metafile.inputs).flatMap(([file, input]) =>
      input.imports.filter((i) => i.path.startsWith('pdfjs-dist')).map((i) => ({ file, kind: i.kind })));
    expect(pdfjsImports.length).toBeGreaterThan(0);
    expect(pdfjsImports.every((i) => i.kind === 'dynamic-import'), JSON.stringify(pdfjsImports)).toBe(true);
    expect(pdfjsImports.map((i) => i.file)).toEqual(['src/placement/text.ts']);
  });
});
