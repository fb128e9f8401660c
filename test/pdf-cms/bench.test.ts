/** The benchmark's parts do real work: its in-process TSA makes tokens openssl accepts, its baseline signs validly. */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessTimestamper } from '../../bench/inprocess-tsa.js';
import { benchAppearance, baselineRun, benchContext, type BenchContext } from '../../bench/setup.js';
import { buildPadesCms, parseTimestampToken } from '../../src/pdf/cms.js';
import { ensureFixtures } from '../fixtures/make-fixtures.js';
import { makeTestPki, runTool, signerFor, type TestPki } from '../helpers/openssl-pki.js';

let pki: TestPki;
let work: string;
beforeAll(async () => {
  pki = await makeTestPki();
  work = await mkdtemp(join(tmpdir(), 'pdf-cms-bench-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('bench parts', () => {
  it('the in-process TSA makes tokens that `openssl ts -verify` accepts, usable in our CMS', async () => {
    const ts = inProcessTimestamper({ certPem: pki.tsa.certPem, keyPem: pki.tsa.keyPem, chain: pki.tsa.chain },
      () => new Date('2026-06-01T12:00:00Z'));
    const imprint = createHash('sha256').update('bench').digest();
    const token = await ts(imprint, 'SHA-256');
    const p = join(work, 'token.der');
    await writeFile(p, token);
    const r = await runTool('openssl', ['ts', '-verify', '-token_in', '-in', p, '-digest', imprint.toString('hex'),
      '-CAfile', pki.rootPath, '-untrusted', pki.intermediate.certPath]);
    expect(r.code, r.stderr + r.stdout.toString()).toBe(0);
    expect(parseTimestampToken(token).genTime.toISOString()).toBe('2026-06-01T12:00:00.000Z');
    const signer = signerFor(pki.leafP256);
    const cms = await buildPadesCms(createHash('sha256').update('doc').digest(), signer, ts);
    expect(cms.length).toBeGreaterThan(token.length);
  });

  it('the seal appearance is a round red seal with transparent corners', () => {
    const a = benchAppearance();
    expect(a.rgba.length).toBe(a.width * a.height * 4);
    expect(a.rgba.readUInt32BE(0)).toBe(0); // corner: transparent
    const centre = ((a.height / 2) * a.width + a.width / 2) * 4;
    expect([...a.rgba.subarray(centre, centre + 4)]).toEqual([210, 24, 24, 255]); // star centre: red ink
  });

  it('the @signpdf baseline produces a signature pdfsig finds valid', async () => {
    const ctx: BenchContext = await benchContext(join(work, 'bench'));
    const f = await ensureFixtures(['size-40k']);
    const signed = await baselineRun(ctx)(await readFile(f['size-40k']!));
    const p = join(work, 'baseline.pdf');
    await writeFile(p, signed);
    const r = await runTool('pdfsig', ['-nocert', p]);
    expect(r.stdout.toString()).toContain('Signature is Valid.');
  });
});
