/**
 * Small input PDFs for the structural tests, made by script: pdf-lib output (table xref), the same through
 * qpdf (object + xref streams, linearized), and pages with /Rotate and a CropBox. Written to a temp dir.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { degrees, PDFDocument, rgb, StandardFonts } from 'pdf-lib';
import { haveJudges, needJudge, type JudgeName } from '../helpers/judges.js';

export const scratch = (prefix = 'pdf-struct-') => mkdtempSync(join(tmpdir(), prefix));

/** A 3-page A4 document with some text; page 2 rotated 90, page 3 with a CropBox. */
export async function basicPdf(opts: { pages?: number; rotate?: number[]; crop?: boolean } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const n = opts.pages ?? 3;
  for (let i = 0; i < n; i++) {
    const page = doc.addPage([595.28, 841.89]);
    page.drawText(`Page ${i + 1}: the quick brown fox jumps over the lazy dog.`, { x: 50, y: 700, size: 14, font, color: rgb(0, 0, 0) });
    for (let y = 100; y < 800; y += 40) page.drawText('Lorem ipsum dolor sit amet, consectetur adipiscing elit.', { x: 50, y, size: 11, font });
    const r = opts.rotate?.[i];
    if (r) page.setRotation(degrees(r));
  }
  if (opts.crop) doc.getPage(n - 1).setCropBox(50, 80, 400, 600);
  return doc.save({ useObjectStreams: false });
}

/** Runs qpdf with args over `input`, returns the output bytes. qpdf exit 3 (warnings) is accepted here. */
export function qpdf(input: Uint8Array, args: string[]): Uint8Array {
  const dir = scratch('qpdf-');
  const inPath = join(dir, 'in.pdf');
  const outPath = join(dir, 'out.pdf');
  writeFileSync(inPath, input);
  needJudge('qpdf');
  try {
    execFileSync('qpdf', [...args, inPath, outPath], { stdio: 'pipe' });
  } catch (e) {
    if ((e as { status?: number }).status !== 3) throw e;
  }
  return readFileSync(outPath);
}

/** `qpdf --check` on bytes: exit code and output. */
export function qpdfCheck(bytes: Uint8Array): { status: number; out: string } {
  const dir = scratch('qpdfc-');
  const p = join(dir, 'x.pdf');
  writeFileSync(p, bytes);
  needJudge('qpdf');
  try {
    const out = execFileSync('qpdf', ['--check', p], { stdio: 'pipe' }).toString();
    return { status: 0, out };
  } catch (e) {
    const err = e as { status?: number; stdout?: Buffer; stderr?: Buffer };
    return { status: err.status ?? -1, out: `${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}` };
  }
}

export interface Corpus {
  table: Uint8Array; // pdf-lib, classic xref table
  objstm: Uint8Array; // qpdf --object-streams=generate (xref stream)
  linearized: Uint8Array; // qpdf --linearize
  hybrid?: Uint8Array;
  gs?: Uint8Array; // Ghostscript pdfwrite
}

let corpus: Promise<Corpus> | undefined;
export function getCorpus(): Promise<Corpus> {
  corpus ??= (async () => {
    const table = await basicPdf({ rotate: [0, 90, 0], crop: true });
    const objstm = qpdf(table, ['--object-streams=generate']);
    const linearized = qpdf(table, ['--linearize']);
    // Ghostscript's rewrite is one more input where it is installed (noted as missing otherwise; required in CI).
    let gs: Uint8Array | undefined;
    if (haveJudges('gs')) {
      try {
        const dir = scratch('gs-');
        writeFileSync(join(dir, 'in.pdf'), table);
        execFileSync('gs', ['-q', '-dNOPAUSE', '-dBATCH', '-sDEVICE=pdfwrite', `-sOutputFile=${join(dir, 'out.pdf')}`, join(dir, 'in.pdf')], { stdio: 'pipe' });
        gs = readFileSync(join(dir, 'out.pdf'));
      } catch {
        gs = undefined;
      }
    }
    return { table, objstm, linearized, gs };
  })();
  return corpus;
}

/** A Debian judge is installed (test/helpers/judges.ts: noted for the run's summary when not; in CI a failure). */
export const toolRequired = (name: JudgeName) => haveJudges(name);

/**
 * A hybrid-reference file (PDF 1.5 §7.5.8.4): a classic xref table whose trailer has /XRefStm pointing to an
 * xref stream that locates the page, which lives in an object stream (the table marks it free).
 */
export function hybridPdf(): Uint8Array {
  const parts: string[] = [];
  const offsets: number[] = [];
  let len = 0;
  const push = (s: string, obj?: number) => {
    if (obj !== undefined) offsets[obj] = len;
    parts.push(s);
    len += Buffer.byteLength(s, 'latin1');
  };
  push('%PDF-1.5\n%\xe2\xe3\xcf\xd3\n');
  push('1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n', 1);
  push('2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n', 2);
  const pageObj = '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>';
  const header = '3 0 ';
  const osData = header + pageObj;
  push(`4 0 obj\n<< /Type /ObjStm /N 1 /First ${header.length} /Length ${osData.length} >>\nstream\n${osData}\nendstream\nendobj\n`, 4);
  const content = 'BT /F1 24 Tf 72 720 Td (Hybrid reference file) Tj ET';
  push(`6 0 obj\n<< /Length ${content.length} >>\nstream\n${content}\nendstream\nendobj\n`, 6);
  // The xref stream: object 3 is in object stream 4 at index 0.
  const row = Buffer.from([2, 0, 4, 0]);
  push(`5 0 obj\n<< /Type /XRef /Size 7 /W [1 2 1] /Index [3 1] /Length ${row.length} >>\nstream\n${row.toString('latin1')}\nendstream\nendobj\n`, 5);
  const xrefAt = len;
  const e = (o: number | undefined, kind: 'n' | 'f', gen = 0) => `${String(o ?? 0).padStart(10, '0')} ${String(gen).padStart(5, '0')} ${kind}\r\n`;
  push('xref\n0 7\n' + e(0, 'f', 65535) + e(offsets[1], 'n') + e(offsets[2], 'n') + e(0, 'f', 0) + e(offsets[4], 'n') + e(offsets[5], 'n') + e(offsets[6], 'n'));
  push(`trailer\n<< /Size 7 /Root 1 0 R /XRefStm ${offsets[5]} >>\nstartxref\n${xrefAt}\n%%EOF\n`);
  return Buffer.from(parts.join(''), 'latin1');
}
