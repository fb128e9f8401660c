/**
 * Property: whatever happens to a sealed PDF's bytes (flips, cuts, insertions, a number made huge, a structure
 * keyword duplicated), sealing it and verifying it end in a result or an AppError (a 4xx), never another
 * exception (a 500), and each within seconds (no hang).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { sealPdf } from '../../src/pdf/seal.js';
import { verifyPdf } from '../../src/verify/verify-pdf.js';
import { makeTestPki, signerFor, type TestPki } from '../helpers/openssl-pki.js';
import { basePdf, sealAppearance } from '../verify/kit.js';

let pki: TestPki;
let sealed: Buffer;
beforeAll(async () => {
  pki = await makeTestPki();
  sealed = await sealPdf(await basePdf(2), {
    page: 1, xMm: 50, yMm: 50, appearance: sealAppearance(), signer: signerFor(pki.leafP256), level: 'B-B', signingTime: new Date(),
  });
}, 120_000);

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'cut'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'huge'; at: number }
  | { kind: 'repeat'; at: number; times: number };

function apply(bytes: Buffer, ms: Mutation[]): Buffer {
  let b = bytes;
  for (const m of ms) {
    const at = Math.floor(m.at * b.length);
    switch (m.kind) {
      case 'flip': b = Buffer.from(b); b[at] = m.value; break;
      case 'cut': b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + m.length))]); break;
      case 'insert': b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]); break;
      case 'huge': {
        // the next number becomes 40 digits long
        const s = b.toString('latin1');
        const i = s.slice(at).search(/\d/);
        if (i >= 0) b = Buffer.concat([b.subarray(0, at + i), Buffer.from('9'.repeat(40)), b.subarray(at + i)]);
        break;
      }
      case 'repeat': {
        // a slice around a structure keyword repeated: nested or duplicated dictionaries, arrays, kids
        const s = b.toString('latin1');
        const k = s.slice(at).search(/<<|\[|\/Kids|\/Prev|\/Index|\/W /);
        if (k >= 0) { const from = at + k; const piece = b.subarray(from, Math.min(b.length, from + 24)); b = Buffer.concat([b.subarray(0, from), ...Array(m.times).fill(piece), b.subarray(from)]); }
        break;
      }
    }
  }
  return b;
}

/** Where in the file, as a fraction; uniform (fast-check's doubles lean towards 0, which would only ever hit the header). */
const position = fc.integer({ min: 0, max: 99_999 }).map((n) => ((n * 7919) % 100_000) / 100_000);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: position, length: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: position,
    bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.constantFrom(...['[[[[[[[[', '<<<<', ' 0 R ', 'endobj', 'stream\n', '%%EOF\n', 'xref\n0 99999999\n', '/Count 999999999', '/Length 999999999'].map((t) => Buffer.from(t)))) }),
  fc.record({ kind: fc.constant('huge' as const), at: position }),
  fc.record({ kind: fc.constant('repeat' as const), at: position, times: fc.integer({ min: 2, max: 400 }) }),
);

const outcomes = new Map<string, number>();
async function settles(what: string, run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  let o = 'ok';
  try {
    await run();
  } catch (e) {
    if (!(e instanceof AppError) || e.status >= 500) throw e; // would be a 5xx
    o = e.type;
  }
  outcomes.set(`${what} ${o}`, (outcomes.get(`${what} ${o}`) ?? 0) + 1);
  return (performance.now() - t0) / 1000;
}

describe('mutated sealed PDFs', () => {
  it('never a 5xx, a hang or a crash on sealing or verifying', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (ms) => {
        const bytes = apply(sealed, ms);
        const v = await settles('verify', () => verifyPdf(bytes, { trustAnchors: [pki.root.certDer] }));
        const s = await settles('seal', () => sealPdf(bytes, {
          page: 1, xMm: 120, yMm: 60, appearance: sealAppearance(), signer: signerFor(pki.leafP256), level: 'B-B', signingTime: new Date(),
        }));
        expect(v).toBeLessThan(15);
        expect(s).toBeLessThan(15);
      }),
      { numRuns: 150, seed: 12 },
    );
    console.info('outcomes', Object.fromEntries(outcomes));
    // the property is only worth something if the mutations reach deep: many files still verify and seal
    expect(outcomes.get('verify ok') ?? 0).toBeGreaterThan(30);
    expect(outcomes.get('seal ok') ?? 0).toBeGreaterThan(10);
  }, 600_000);
});
