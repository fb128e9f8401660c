/**
 * Child process of bench/run.ts: seals one file once and reports its memory, so the parent's heap does not
 * blur the figure.  Usage: node --expose-gc --import tsx bench/memory.ts ours|baseline FILE
 *
 * Peak RSS comes from the kernel's high-water mark (VmHWM in /proc/self/status), reset by writing 5 to
 * /proc/self/clear_refs, so nothing is missed between samples. Printed as one JSON line:
 *   idleRss      after setup, before the document is read (the idle service)
 *   loadedRss    after the document is read into memory (what a request body costs)
 *   peakRss      the highest RSS while sealing
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { documentBuffer, DOCUMENT_RESERVE } from '../src/pdf/incremental-writer.js';
import { baselineRun, benchContext, loadSealPdf, oursRun } from './setup.js';

function readIntoDocumentBuffer(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = documentBuffer(fstatSync(fd).size, DOCUMENT_RESERVE);
    for (let at = 0; at < buf.length; ) at += readSync(fd, buf, at, buf.length - at, at);
    return buf;
  } finally {
    closeSync(fd);
  }
}

function rss(): number {
  return process.memoryUsage.rss();
}
function hwm(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
function resetHwm(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const [which, file] = process.argv.slice(2);
if ((which !== 'ours' && which !== 'baseline') || !file) {
  console.error('usage: memory.ts ours|baseline FILE');
  process.exit(2);
}
const ctx = await benchContext();
let run: (pdf: Buffer) => Promise<unknown>;
if (which === 'ours') {
  const seal = await loadSealPdf();
  if (!seal) {
    console.log(JSON.stringify({ skipped: 'src/pdf/seal.ts has no sealPdf yet' }));
    process.exit(0);
  }
  run = oursRun(ctx, seal);
  // Warm the code paths (and the TSA size cache) on a small document, so the figure is the document's cost.
  await run(readFileSync(new URL('../test/fixtures/generated/size-40k.pdf', import.meta.url)));
} else {
  run = baselineRun(ctx);
}
gc();
gc();
const idleRss = rss();
// Ours reads the document the way the HTTP layer does (src/http/document-body.ts): into one buffer with
// room after it, so the seal is appended in place. The baseline gets a plain readFileSync buffer.
const pdf = which === 'ours' ? readIntoDocumentBuffer(file) : readFileSync(file);
const loadedRss = rss();
const exact = resetHwm();
const base = exact ? rss() : loadedRss;
// Fallback sampling where /proc is not available; the sealing's own synchronous stretches can hide from it.
let sampled = base;
const timer = setInterval(() => { sampled = Math.max(sampled, rss()); }, 2);
const out = await run(pdf);
clearInterval(timer);
const peakRss = Math.max(exact ? hwm() ?? 0 : 0, sampled, rss());
console.log(JSON.stringify({
  which, docSize: pdf.length, idleRss, loadedRss, peakRss, exactPeak: exact, outputSize: (out as Buffer).length,
}));
