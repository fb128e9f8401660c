import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { verifyCommand } from '../../src/cli/commands/verify.js';
import { basePdf, makeTestPki, seal, type TestPki } from './kit.js';

let dir: string;
let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
  dir = await mkdtemp(join(tmpdir(), 'seal-verify-cli-'));
  const good = await seal(pki, await basePdf(1), pki.leafP256, { level: 'B-T' });
  await writeFile(join(dir, 'good.pdf'), good);
  const bad = Buffer.from(good);
  bad.write('X', bad.indexOf('/Producer') + 1, 'latin1');
  await writeFile(join(dir, 'bad.pdf'), bad);
  await writeFile(join(dir, 'not.pdf'), 'hello');
  await writeFile(join(dir, 'root.pem'), pki.root.certPem);
  await writeFile(join(dir, 'bundle.pem'), pki.intermediate.certPem + pki.root.certPem);
  await writeFile(join(dir, 'root.der'), pki.root.certDer);
}, 120_000);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  try {
    const code = await verifyCommand(args.map((a) => (a.endsWith('.pdf') || a.endsWith('.pem') || a.endsWith('.der') ? join(dir, a) : a)));
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
afterEach(() => vi.restoreAllMocks());

describe('seal verify', () => {
  test('valid document: exit 0 and a readable report', async () => {
    const r = await run(['good.pdf', '--trust', 'root.pem']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/good\.pdf: VALID/);
    expect(r.out).toMatch(/signer: C=CN, O=Test Unit One, CN=Test Unit One Official Seal/);
    expect(r.out).toMatch(/proven by time-stamp/);
  });
  test('--json gives the API report; trust anchors from a PEM bundle or DER', async () => {
    for (const trust of ['bundle.pem', 'root.der']) {
      const r = await run(['good.pdf', '--trust', trust, '--json']);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.out);
      expect(report).toMatchObject({ valid: true, signatures: [{ status: 'VALID', kind: 'signature', level: 'B-T', timeSource: 'timestamp' }] });
    }
  });
  test('a tampered document exits 1 with the reason', async () => {
    const r = await run(['bad.pdf', '--trust', 'root.pem']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/INVALID — digest-mismatch/);
  });
  test('not a PDF exits 1 with the error type', async () => {
    const r = await run(['not.pdf', '--trust', 'root.pem', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ valid: false, error: { type: 'not-a-pdf' } });
  });
  test('usage errors exit 2', async () => {
    expect((await run(['good.pdf'])).code).toBe(2);
    expect((await run(['--trust', 'root.pem'])).code).toBe(2);
    expect((await run(['good.pdf', '--trust', 'good.pdf'])).code).toBe(2);
    expect((await run(['good.pdf', '--trust', 'root.pem', '--bogus'])).code).toBe(2);
    expect((await run(['missing.pdf', '--trust', 'root.pem'])).code).toBe(2);
  });
});
