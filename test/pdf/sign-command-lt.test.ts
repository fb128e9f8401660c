/**
 * `seal sign --tsa URL` seals at B-LT by default: the time-stamp from the TSA, then revocation data fetched
 * from the OCSP address in the seal's certificate, so the document verifies offline. A local HTTP server
 * plays the TSA and the OCSP responder with openssl.
 */
import { createServer, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signCommand } from '../../src/cli/commands/sign.js';
import { verifyPdf } from '../../src/verify/index.js';
import { issueCert, makeTestPki, opensslOcsp, opensslTsReply, type TestCert, type TestPki } from '../helpers/openssl-pki.js';
import { getCorpus, scratch } from './fixtures.js';
import { redSeal } from './seal-image.js';
import { skipUnlessJudges } from '../helpers/judges.js';

let pki: TestPki;
let cert: TestCert;
let server: Server;
let base: string;
let dir: string;
const hits = { tsa: 0, ocsp: 0 };
const TSA_TOKEN = 'seal_tsa-token-from-the-environment-0123456789';

beforeAll(async ({}, suite) => {
  if (!skipUnlessJudges(suite, 'qpdf')) return; // the input is qpdf's rewrite of the corpus
  pki = await makeTestPki();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const body = Buffer.concat(chunks);
        if (req.url === '/tsa-with-token' && req.headers.authorization !== `Bearer ${TSA_TOKEN}`) {
          // As this service's own POST /tsa: no token, no time-stamp.
          res.statusCode = 401;
          res.end();
        } else if (req.url === '/tsa' || req.url === '/tsa-with-token') {
          hits.tsa++;
          res.setHeader('content-type', 'application/timestamp-reply');
          res.end(await opensslTsReply(pki, body));
        } else if (req.url === '/ocsp') {
          hits.ocsp++;
          res.setHeader('content-type', 'application/ocsp-response');
          res.end(await opensslOcsp(pki, cert.certDer, pki.intermediate.certDer));
        } else {
          res.statusCode = 404;
          res.end();
        }
      } catch {
        res.statusCode = 500;
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  cert = await issueCert(pki, { name: `lt-cli-${Date.now()}`, subject: '/C=CN/O=Test Unit One/CN=Test Unit One LT Seal', ocspUrl: `${base}/ocsp` });
  dir = scratch('sign-cli-lt-');
  await sharp(redSeal(240, 42).rgba, { raw: { width: 240, height: 240, channels: 4 } }).withMetadata({ density: (240 / 42) * 25.4 }).png().toFile(join(dir, 'seal.png'));
  await writeFile(join(dir, 'in.pdf'), (await getCorpus()).objstm);
}, 120_000);
afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

describe('seal sign with a TSA', () => {
  it('defaults to B-LT: revocation data from the certificate\'s own OCSP address, verifiable offline', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await signCommand([
      join(dir, 'in.pdf'), '--key', cert.keyPath, '--cert', cert.certPath, '--chain', pki.chainPath, '--tsa', `${base}/tsa`,
      '--page', '1', '--x', '50', '--y', '60', '--image', join(dir, 'seal.png'), '-o', join(dir, 'out.pdf'),
    ]);
    err.mockRestore();
    expect(code).toBe(0);
    expect(hits.tsa).toBeGreaterThan(0);
    expect(hits.ocsp).toBeGreaterThan(0);
    const r = await verifyPdf(await readFile(join(dir, 'out.pdf')), { trustAnchors: [pki.root.certDer] });
    expect(r.signatures.map((s) => `${s.status}:${s.reason}:${s.level}`)).toEqual(['VALID:ok:B-LT']);
  });
});

describe('seal sign with a TSA that wants a token', () => {
  const args = () => [
    join(dir, 'in.pdf'), '--key', cert.keyPath, '--cert', cert.certPath, '--chain', pki.chainPath, '--tsa', `${base}/tsa-with-token`,
    '--page', '1', '--x', '50', '--y', '60', '--image', join(dir, 'seal.png'), '-o', join(dir, 'out-token.pdf'),
  ];

  it('sends SEAL_TSA_TOKEN from the environment and says what it wrote', async () => {
    const out: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((c) => (out.push(String(c)), true));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.stubEnv('SEAL_TSA_TOKEN', TSA_TOKEN);
    let code: number;
    try {
      code = await signCommand(args());
    } finally {
      vi.unstubAllEnvs();
      stdout.mockRestore();
      stderr.mockRestore();
    }
    expect(code).toBe(0);
    const written = await readFile(join(dir, 'out-token.pdf'));
    expect(out.join('')).toBe(`seal sign: wrote ${join(dir, 'out-token.pdf')} (${written.length} bytes): signature field "Seal1", level B-LT\n`);
    const r = await verifyPdf(written, { trustAnchors: [pki.root.certDer] });
    expect(r.signatures.map((s) => `${s.field}:${s.status}:${s.level}`)).toEqual([`Seal1:VALID:B-LT`]);
  });

  it('without SEAL_TSA_TOKEN the TSA refuses and nothing is written (exit 1, the TSA named)', async () => {
    const err: string[] = [];
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((c) => (err.push(String(c)), true));
    vi.stubEnv('SEAL_TSA_TOKEN', '');
    let code: number;
    try {
      code = await signCommand([...args().slice(0, -1), join(dir, 'never-written.pdf')]);
    } finally {
      vi.unstubAllEnvs();
      stderr.mockRestore();
    }
    expect(code).toBe(1);
    expect(err.join('')).toMatch(/tsa-unavailable: .*tsa-with-token answered HTTP 401/);
    await expect(readFile(join(dir, 'never-written.pdf'))).rejects.toThrow(/ENOENT/);
  });
});

