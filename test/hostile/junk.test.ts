/**
 * Bytes before %PDF (issue 12): a BOM, a mail header, NUL padding, binary garbage, of several sizes, before a
 * table-xref and an xref-stream document. The sealed output keeps every earlier byte in place, passes
 * `qpdf --check` as cleanly as the input (its offsets count as the original's do), and its signature is valid for
 * poppler (pdfsig) and for our verifier; sealing it again works the same way.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { sealPdf } from '../../src/pdf/seal.js';
import { readPdf } from '../../src/pdf/reader.js';
import { verifyPdf } from '../../src/verify/verify-pdf.js';
import { makeTestPki, signerFor, type TestPki } from '../helpers/openssl-pki.js';
import { qpdfCheck } from '../pdf/fixtures.js';
import { basePdf, sealAppearance } from '../verify/kit.js';
import { JUNK_KINDS } from './files.js';

let pki: TestPki;
let tableDoc: Buffer;
let streamDoc: Buffer;
beforeAll(async () => {
  pki = await makeTestPki();
  tableDoc = await basePdf(2);
  const d = await PDFDocument.create();
  const font = await d.embedFont(StandardFonts.Helvetica);
  d.addPage([595, 842]).drawText('xref stream document', { x: 72, y: 760, size: 14, font });
  streamDoc = Buffer.from(await d.save({ useObjectStreams: true }));
}, 120_000);

const seal = (pdf: Uint8Array, x = 50) => sealPdf(pdf, {
  page: 1, xMm: x, yMm: 50, appearance: sealAppearance(), signer: signerFor(pki.leafP256), level: 'B-B', signingTime: new Date(),
});

/** pdfsig's verdict lines (signature and whole-document coverage), without trusting any root. */
function pdfsig(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'junk-pdfsig-'));
  const p = join(dir, 'x.pdf');
  writeFileSync(p, bytes);
  return execFileSync('pdfsig', ['-nocert', p], { encoding: 'utf8' });
}

const kinds: [string, Buffer][] = [
  ...Object.entries(JUNK_KINDS),
  ['bom+mail', Buffer.concat([JUNK_KINDS.bom!, JUNK_KINDS.mailHeader!])],
  ['1000 bytes of text', Buffer.from('x'.repeat(999) + '\n')],
];

describe('junk before %PDF', () => {
  for (const [docName, doc] of [['table xref', () => tableDoc], ['xref stream', () => streamDoc]] as const) {
    for (const [kind, junk] of kinds) {
      it(`${docName}, ${kind} (${junk.length} bytes): earlier bytes in place, qpdf as clean as the input, signature valid`, async () => {
        const input = Buffer.concat([junk, doc()]);
        expect(readPdf(input).offsetBase).toBe(junk.length);
        const before = qpdfCheck(input);
        const sealed = await seal(input);
        expect(sealed.subarray(0, input.length).equals(input)).toBe(true);
        const after = qpdfCheck(sealed);
        expect(after.status, after.out).toBe(before.status);
        expect(after.out.includes('No syntax or stream encoding errors')).toBe(before.out.includes('No syntax or stream encoding errors'));
        const sig = pdfsig(sealed);
        expect(sig).toMatch(/Signature Validation: Signature is Valid/);
        expect(sig).toMatch(/Total document signed/);
        const report = await verifyPdf(sealed, { trustAnchors: [pki.root.certDer] });
        expect(report.signatures).toHaveLength(1);
        expect(report.signatures[0]!.checks.integrity).toBe(true);
        expect(report.signatures[0]!.checks.signature).toBe(true);
        expect(report.signatures[0]!.coversWholeDocument).toBe(true);
        // sealed again: still in the file's frame, both signatures valid
        const twice = await seal(sealed, 120);
        expect(qpdfCheck(twice).status).toBe(before.status);
        const sig2 = pdfsig(twice);
        expect(sig2.match(/Signature Validation: Signature is Valid/g)).toHaveLength(2);
        const r2 = await verifyPdf(twice, { trustAnchors: [pki.root.certDer] });
        expect(r2.signatures.map((s) => s.checks.signature)).toEqual([true, true]);
      }, 60_000);
    }
  }
  it('a file whose offsets count from byte 0 despite junk before %PDF keeps that frame', async () => {
    // rewrite the table document's offsets absolute: as if the producer had written the junk itself
    const junk = JUNK_KINDS.mailHeader!;
    const shifted = Buffer.from(await (async () => {
      const d = await PDFDocument.load(tableDoc);
      const bytes = Buffer.from(await d.save({ useObjectStreams: false }));
      const text = bytes.toString('latin1').replace(/(\d{10}) (\d{5}) n/g, (_m, o: string, g: string) => `${String(Number(o) + junk.length).padStart(10, '0')} ${g} n`)
        .replace(/startxref\s+(\d+)/, (_m, o: string) => `startxref\n${Number(o) + junk.length}`);
      return Buffer.concat([junk, Buffer.from(text, 'latin1')]);
    })());
    expect(readPdf(shifted).offsetBase).toBe(0);
    const sealed = await seal(shifted);
    expect(readPdf(sealed).offsetBase).toBe(0);
    const r = await verifyPdf(sealed, { trustAnchors: [pki.root.certDer] });
    expect(r.signatures[0]!.checks.signature).toBe(true);
    expect(pdfsig(sealed)).toMatch(/Signature Validation: Signature is Valid/);
  }, 60_000);
});
