/**
 * The document worker pool: a job that runs past its deadline is stopped (its worker terminated and replaced)
 * with 422 document-too-complex naming `processing-time`, the main thread stays responsive meanwhile, and the
 * pool serves the next job. Results and errors cross the thread boundary intact.
 */
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { AppError } from '../../src/errors.js';
import { documentWorkerPool } from '../../src/isolation/document-workers.js';
import { documentBuffer, DOCUMENT_RESERVE } from '../../src/pdf/incremental-writer.js';
import { verifyPdf } from '../../src/verify/verify-pdf.js';
import { makeTestPki, signerFor } from '../helpers/openssl-pki.js';
import { basePdf, sealAppearance } from '../verify/kit.js';
import * as files from './files.js';

const pool = documentWorkerPool({ size: 1, deadlineSeconds: 1, memoryMb: 256 });
afterAll(() => pool.close());

/** The longest gap between 20 ms ticks of this thread's event loop while `work` runs. */
async function longestStall<T>(work: Promise<T>): Promise<{ result: PromiseSettledResult<T>; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => { const now = performance.now(); stallMs = Math.max(stallMs, now - last); last = now; }, 20);
  const [result] = await Promise.allSettled([work]);
  clearInterval(timer);
  return { result, stallMs };
}

describe('document worker pool', () => {
  it('a sealed document verifies the same in a worker as in-process; a seal made in a worker verifies', async () => {
    const pki = await makeTestPki();
    const sealed = await pool.seal(await basePdf(1), {
      page: 1, xMm: 50, yMm: 50, appearance: sealAppearance(), signer: signerFor(pki.leafP256), level: 'B-B', signingTime: new Date('2026-11-01T00:00:00Z'),
    });
    const at = new Date('2026-11-02T00:00:00Z');
    const inWorker = await pool.verify(sealed, { trustAnchors: [pki.root.certDer], now: at });
    const here = await verifyPdf(sealed, { trustAnchors: [pki.root.certDer], now: at });
    expect(inWorker).toEqual(here);
    expect(inWorker.signatures[0]!.checks.signature).toBe(true);
  }, 120_000);

  it('a received document handed over goes by transfer and comes back sealed in place around the same bytes; one not handed over stays whole', async () => {
    // (the pool of this file has a 1 s deadline for its deadline test; pdf.js starting cold on a loaded machine needs more)
    const roomy = documentWorkerPool({ size: 1, deadlineSeconds: 120, memoryMb: 512 });
    onTestFinished(() => roomy.close());
    const pki = await makeTestPki();
    const original = Buffer.from(await basePdf(3));
    const received = documentBuffer(original.length, DOCUMENT_RESERVE);
    original.copy(received);
    const opts = { page: 1, xMm: 50, yMm: 50, appearance: sealAppearance(), signer: signerFor(pki.leafP256), level: 'B-B' as const, signingTime: new Date('2026-11-01T00:00:00Z') };
    const kept = await roomy.seal(received, opts);
    expect(received.equals(original)).toBe(true); // copied, not moved
    const sealed = await roomy.seal(received, opts, { handOver: true });
    expect(received.length).toBe(0); // moved: this thread holds it no more
    expect(sealed.subarray(0, original.length).equals(original)).toBe(true);
    expect(sealed.buffer.byteLength).toBe(original.length + DOCUMENT_RESERVE); // the same room, sealed in place
    for (const doc of [kept, sealed]) {
      const report = await verifyPdf(doc, { trustAnchors: [pki.root.certDer], now: new Date('2026-11-02T00:00:00Z') });
      expect(report.signatures[0]!.status).toBe('VALID');
    }
    // examined and sealed in one job, as the service does: there and back by transfer, never copied
    const again = documentBuffer(original.length, DOCUMENT_RESERVE);
    original.copy(again);
    let examined: unknown;
    const { examination, pdf: sealedAfter } = await roomy.examineAndSeal(again, {}, async (e) => { examined = e; return opts; }, { handOver: true });
    expect(again.length).toBe(0);
    expect(examination.classification).toBeNull();
    expect(examined).toEqual(examination);
    expect(sealedAfter.subarray(0, original.length).equals(original)).toBe(true);
    expect(sealedAfter.buffer.byteLength).toBe(original.length + DOCUMENT_RESERVE);
    expect((await verifyPdf(sealedAfter, { trustAnchors: [pki.root.certDer], now: new Date('2026-11-02T00:00:00Z') })).signatures[0]!.status).toBe('VALID');
    // a Buffer that is not a received document (it may share its memory) is never handed over
    const plain = Buffer.from(original);
    await roomy.seal(plain, opts, { handOver: true });
    expect(plain.equals(original)).toBe(true);
    await roomy.examineAndSeal(plain, {}, async () => opts, { handOver: true });
    expect(plain.equals(original)).toBe(true);
  }, 120_000);

  it('examined and sealed in one job: a refusal on the examination is the error the caller threw, and nothing is signed or time-stamped; a failed examination never asks', async () => {
    const roomy = documentWorkerPool({ size: 1, deadlineSeconds: 120, memoryMb: 512 });
    onTestFinished(() => roomy.close());
    const pki = await makeTestPki();
    const signer = signerFor(pki.leafP256);
    const calls = { sign: 0, timestamp: 0, asked: 0 };
    const opts = {
      page: 1, xMm: 50, yMm: 50, appearance: sealAppearance(), level: 'B-T' as const, signingTime: new Date('2026-11-01T00:00:00Z'),
      signer: { ...signer, sign: (d: Uint8Array) => { calls.sign++; return signer.sign(d); } },
      timestamper: async () => { calls.timestamp++; throw new Error('no time-stamp expected'); },
    };
    const refusal = new AppError(422, 'refused-for-the-test', 'refused', { why: 'the examination' });
    const doc = await basePdf(2);
    const e = await roomy.examineAndSeal(Buffer.from(doc), {}, async (x) => {
      calls.asked++;
      expect(x).toEqual({ classification: null });
      throw refusal;
    }).then(() => undefined, (x: unknown) => x);
    expect(e).toBe(refusal);
    // placement=auto over a name the document does not carry: the examination's own 422, the sealing never asked for
    const notFound = await roomy.examineAndSeal(Buffer.from(doc), { auto: { names: ['广州市不存在局'], seal: { widthMm: 42, heightMm: 42 } } }, async () => {
      calls.asked++;
      return opts;
    }).then(() => undefined, (x: unknown) => x);
    expect(notFound).toMatchObject({ status: 422, type: 'placement-not-found' });
    expect(calls).toEqual({ sign: 0, timestamp: 0, asked: 1 });
    // and when it goes ahead, the options answered are the ones sealed with (B-B here: no time-stamp)
    const { pdf } = await roomy.examineAndSeal(Buffer.from(doc), {}, async () => ({ ...opts, level: 'B-B' as const, xMm: 70 }));
    expect(calls.sign).toBe(1);
    const report = await verifyPdf(pdf, { trustAnchors: [pki.root.certDer], now: new Date('2026-11-02T00:00:00Z') });
    expect(report.signatures[0]!.status).toBe('VALID');
  }, 120_000);

  it('a form asking viewers to redraw its fields, with a Chinese value: the worker draws it with the seal face, not as "?"', async () => {
    const pki = await makeTestPki();
    const { PDFBool, PDFDocument, PDFHexString, PDFName } = await import('pdf-lib');
    const doc = await PDFDocument.create();
    const page = doc.addPage([595, 842]);
    const field = doc.getForm().createTextField('applicant');
    field.addToPage(page, { x: 72, y: 700, width: 300, height: 24 });
    field.acroField.setValue(PDFHexString.fromText('张三丰'));
    for (const w of field.acroField.getWidgets()) w.dict.delete(PDFName.of('AP'));
    doc.getForm().acroForm.dict.set(PDFName.of('NeedAppearances'), PDFBool.True);
    const form = Buffer.from(await doc.save({ updateFieldAppearances: false, useObjectStreams: false }));
    const roomy = documentWorkerPool({ size: 1, deadlineSeconds: 120, memoryMb: 512 });
    onTestFinished(() => roomy.close());
    const sealed = await roomy.seal(form, {
      page: 1, xMm: 150, yMm: 60, appearance: sealAppearance(), signer: signerFor(pki.leafP256), level: 'B-B', signingTime: new Date(),
    });
    // the widget's new appearance: filled glyph paths (curves, then f), no text-showing operator at all
    const update = sealed.subarray(form.length).toString('latin1');
    expect(update).toMatch(/\/Tx BMC\nq\n[^]*? c\n[^]*?\nf\n/);
    expect(update).not.toContain('(???) Tj');
  }, 120_000);

  it('errors keep their problem type and details across the boundary', async () => {
    await expect(pool.verify(files.deepArray(20_000), { trustAnchors: [] })).rejects.toMatchObject({
      status: 422, type: 'document-too-complex', details: { limit: 'nesting-depth' },
    });
  }, 60_000);

  it('a decompression bomb in a page content stream never reaches pdf.js: examine refuses it at once, naming the limit', async () => {
    const bomb = files.contentStreamBomb(); // 100 MB in two flate layers: past the 32 MB stream cap
    const t0 = performance.now();
    await expect(pool.examine(bomb, {})).rejects.toMatchObject({
      status: 422, type: 'document-too-complex', details: { limit: 'inflate-per-stream' },
    });
    expect(performance.now() - t0).toBeLessThan(15_000);
  }, 60_000);

  it('a job past its deadline: 422 processing-time, this thread never stalls, and the replaced worker serves the next job', async () => {
    // a page with 1.5 million huge numbers takes seconds to read for sealing: legitimate but slow, stopped at 1 s
    const slow = files.hugeNumbers(1_500_000);
    const t0 = performance.now();
    const { result, stallMs } = await longestStall(pool.seal(slow, {
      page: 1, xMm: 50, yMm: 50, appearance: sealAppearance(), signer: signerFor(await makeTestPki().then((p) => p.leafP256)), level: 'B-B', signingTime: new Date(),
    }));
    const seconds = (performance.now() - t0) / 1000;
    expect(result.status).toBe('rejected');
    expect((result as PromiseRejectedResult).reason).toMatchObject({ status: 422, type: 'document-too-complex', details: { limit: 'processing-time', value: 1 } });
    expect(seconds).toBeLessThan(15);
    expect(stallMs, `the main thread stalled ${stallMs.toFixed(0)} ms`).toBeLessThan(1000);
    const next = await pool.verify(await basePdf(1), { trustAnchors: [] });
    expect(next.signatures).toEqual([]);
  }, 120_000);
});
