/**
 * The independent judges for sealed output: poppler pdfsig, qpdf --check and openssl cms -verify.
 * Each returns what it saw so tests can assert on it.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFArray, PDFHexString, PDFName, PDFNumber, PDFString } from 'pdf-lib';
import { trimCmsPadding } from '../../src/pdf/cms.js';
import { readPdf } from '../../src/pdf/reader.js';
import { signatureFields } from '../../src/pdf/signature-field.js';
import { scratch } from './fixtures.js';
import { isJudge, needJudge } from '../helpers/judges.js';

const run = promisify(execFile);

async function tool(cmd: string, args: string[], cwd?: string): Promise<{ code: number; out: string }> {
  try {
    const r = await run(cmd, args, { cwd, maxBuffer: 64 << 20, timeout: 60_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string };
    if (err.code === 'ENOENT') {
      // Skips the running test (named in the run's summary), or fails it in CI.
      if (isJudge(cmd)) needJudge(cmd);
      throw new Error(`${cmd} is not installed`);
    }
    return { code: typeof err.code === 'number' ? err.code : -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

export interface PdfsigResult {
  out: string;
  signatures: { valid: boolean; trusted: boolean; subFilter: string; block: string }[];
}

export async function pdfsig(bytes: Uint8Array, nssDir: string, extra: string[] = []): Promise<PdfsigResult> {
  needJudge('pdfsig', 'certutil'); // the NSS database it reads is made with certutil
  const dir = scratch('pdfsig-');
  const file = join(dir, 'x.pdf');
  await writeFile(file, bytes);
  const { out } = await tool('pdfsig', ['-nssdir', `sql:${nssDir}`, ...extra, file]);
  const blocks = out.split(/^Signature #\d+:$/m).slice(1);
  return {
    out,
    signatures: blocks.map((block) => ({
      valid: /Signature Validation: Signature is Valid\./.test(block),
      trusted: /Certificate Validation: Certificate is Trusted\./.test(block),
      subFilter: /Signature Type: (\S+)/.exec(block)?.[1] ?? '',
      block,
    })),
  };
}

export async function qpdfCheck(bytes: Uint8Array): Promise<{ code: number; out: string }> {
  needJudge('qpdf');
  const dir = scratch('qpdf-');
  const file = join(dir, 'x.pdf');
  await writeFile(file, bytes);
  return tool('qpdf', ['--check', file]);
}

/** `openssl cms -verify` of every signature field's ranges against the root; one result per signature. */
export async function opensslVerifyAll(bytes: Uint8Array, rootPath: string, untrusted?: string): Promise<{ field: string; code: number; out: string }[]> {
  const pdf = readPdf(bytes);
  const results: { field: string; code: number; out: string }[] = [];
  for (const f of signatureFields(pdf)) {
    const v = f.value;
    if (!v) continue;
    const br = pdf.lookupArray(v.get(PDFName.of('ByteRange'))) as PDFArray;
    const [a, b, c, d] = br.asArray().map((n) => (n as PDFNumber).asNumber()) as [number, number, number, number];
    const signed = Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]);
    const contents = v.get(PDFName.of('Contents')) as PDFHexString | PDFString;
    const raw = Buffer.from(contents.asBytes());
    let der: Buffer;
    try {
      der = Buffer.from(trimCmsPadding(raw));
    } catch {
      der = raw; // BER with indefinite lengths (other tools): openssl reads it and ignores the zero padding
    }
    const dir = scratch('cmsv-');
    await writeFile(join(dir, 'signed.bin'), signed);
    await writeFile(join(dir, 'sig.der'), der);
    const isTimestamp = pdf.lookupName(v.get(PDFName.of('SubFilter'))) === 'ETSI.RFC3161';
    const args = isTimestamp
      ? // A document time-stamp: the token's content is TSTInfo (attached), the ranges are checked by its imprint.
        ['ts', '-verify', '-data', join(dir, 'signed.bin'), '-in', join(dir, 'sig.der'), '-token_in', '-CAfile', rootPath, ...(untrusted ? ['-untrusted', untrusted] : [])]
      : ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'sig.der'), '-content', join(dir, 'signed.bin'), '-CAfile', rootPath, '-purpose', 'any', '-out', '/dev/null', ...(untrusted ? ['-certfile', untrusted] : [])];
    const r = await tool('openssl', args);
    results.push({ field: f.name, ...r });
  }
  return results;
}

/** Renders one page as a reader sees it (its CropBox: pdftoppm's default is the MediaBox) to PNG; returns the path. */
export async function renderPage(bytes: Uint8Array, page: number, dpi = 100): Promise<string> {
  const dir = scratch('render-');
  const file = join(dir, 'x.pdf');
  await writeFile(file, bytes);
  const r = await tool('pdftoppm', ['-png', '-cropbox', '-r', String(dpi), '-f', String(page), '-l', String(page), '-singlefile', file, join(dir, 'page')]);
  if (r.code !== 0) throw new Error(`pdftoppm failed: ${r.out}`);
  return join(dir, 'page.png');
}
