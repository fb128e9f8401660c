/** Random and damaged input: always a report or an AppError 422, never another exception, never a hang. */
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { AppError } from '../../src/errors.js';
import { verifyPdf } from '../../src/verify/verify-pdf.js';
import type { VerificationReport } from '../../src/verify/types.js';
import { basePdf, makeTestPki, seal, type TestPki } from './kit.js';

let pki: TestPki;
let good: Buffer;
beforeAll(async () => {
  pki = await makeTestPki();
  good = await seal(pki, await basePdf(1), pki.leafP256, { level: 'B-LTA' });
}, 120_000);

async function outcome(bytes: Uint8Array): Promise<VerificationReport | 'rejected'> {
  try {
    const r = await verifyPdf(bytes, { trustAnchors: [pki.root.certDer] });
    expect(Array.isArray(r.signatures)).toBe(true);
    return r;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).status).toBe(422);
    return 'rejected';
  }
}

describe('fuzz', () => {
  test('random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (b) => { await outcome(b); }), { numRuns: 100, seed: 7 });
  });
  test('random bytes behind a PDF header', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (b) => {
      await outcome(Buffer.concat([Buffer.from('%PDF-1.7\n'), b, Buffer.from('\nstartxref\n9\n%%EOF\n')]));
    }), { numRuns: 100, seed: 8 });
  });
  test('truncated sealed PDFs', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: good.length - 1 }), async (n) => { await outcome(good.subarray(0, n)); }), { numRuns: 200, seed: 9 });
  });
  test('sealed PDFs with bytes changed: never VALID where a signed byte changed', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ at: fc.integer({ min: 0, max: good.length - 1 }), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }),
      async (edits) => {
        const b = Buffer.from(good);
        for (const e of edits) b[e.at] = e.value;
        const r = await outcome(b);
        if (r !== 'rejected' && !b.equals(good)) {
          // A VALID report means no byte that a reported signature signs was changed: every changed byte is in a
          // /Contents gap or past the last signed range (a later revision the damage made unreadable, as truncation would).
          if (r.valid) {
            const signedEnd = Math.max(...r.signatures.map((x) => x.byteRange![2] + x.byteRange![3]));
            for (const e of edits) {
              if (good[e.at] === b[e.at]) continue;
              expect(insideContents(good, e.at) || e.at >= signedEnd, `edit at ${e.at}`).toBe(true);
            }
          }
        }
      },
    ), { numRuns: 150, seed: 10 });
  });
});

function insideContents(pdf: Buffer, at: number): boolean {
  const s = pdf.toString('latin1');
  for (const m of s.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)) {
    const l0 = +m[2]!, b1 = +m[3]!;
    if (at > l0 && at < b1 - 1) return true;
  }
  return false;
}
