/**
 * What every benchmark process shares: the test PKI, our signer and in-process TSA, a seal appearance, and the
 * baseline's PKCS#12. The PKI lives in bench/out/pki (gitignored) so the memory child reuses the parent's.
 */
import type { DocumentWorkers } from '../src/isolation/document-workers.js';
import { sign as nodeSign, createHash, createPrivateKey } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { P12Signer } from '@signpdf/signer-p12';
import { SignPdf } from '@signpdf/signpdf';
import { PDFDocument } from 'pdf-lib';
import type { CmsSigner, Timestamper } from '../src/pdf/cms.js';
import type { VerificationReport, VerifyOptions } from '../src/verify/index.js';
import { makeTestPki, nssDbWithSigner, opensslOcsp, runTool, signerFor, type TestPki } from '../test/helpers/openssl-pki.js';
import { inProcessTimestamper } from './inprocess-tsa.js';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const OUT_DIR = join(BENCH_DIR, 'out');

/** The canonical pixels of a 42 mm round seal (red ring and star, transparent elsewhere) at 12 px/mm. */
export function benchAppearance() {
  const size = 504;
  const rgba = Buffer.alloc(size * size * 4);
  const c = size / 2;
  // a five-pointed star: 10 vertices alternating outer and inner radius, tested by ray casting
  const vertices = Array.from({ length: 10 }, (_, i) => {
    const r = (i % 2 === 0 ? 0.3 : 0.115) * size;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    return [r * Math.cos(a), r * Math.sin(a)] as const;
  });
  const star = (x: number, y: number): boolean => {
    let inside = false;
    for (let i = 0, j = vertices.length - 1; i < vertices.length; j = i++) {
      const [xi, yi] = vertices[i]!;
      const [xj, yj] = vertices[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - c;
      const dy = y + 0.5 - c;
      const r = Math.hypot(dx, dy);
      const ink = (r <= c - 2 && r >= c - 26) || star(dx, dy);
      if (ink) rgba.set([210, 24, 24, 255], (y * size + x) * 4);
    }
  }
  return { rgba, width: size, height: size, widthMm: 42, heightMm: 42 };
}

export interface BenchContext {
  pki: TestPki;
  signer: CmsSigner;
  timestamper: Timestamper;
  appearance: ReturnType<typeof benchAppearance>;
  /** @signpdf baseline: a self-signed RSA-2048 PKCS#12 (node-forge, inside signer-p12, reads RSA certificates only) */
  p12: Buffer;
  p12Password: string;
}

/** Keys and signers, kept in `dir` (bench/out, gitignored, by default; tests pass a temp dir). */
export async function benchContext(dir = OUT_DIR): Promise<BenchContext> {
  await mkdir(dir, { recursive: true });
  const pki = await makeTestPki(join(dir, 'pki'));
  const p12Path = join(dir, 'baseline.p12');
  const p12Password = 'bench';
  if (!existsSync(p12Path)) {
    const key = join(dir, 'baseline.key');
    const crt = join(dir, 'baseline.crt');
    for (const args of [
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-subj', '/CN=signpdf baseline', '-days', '3650'],
      ['pkcs12', '-export', '-inkey', key, '-in', crt, '-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1',
        '-out', p12Path, '-passout', `pass:${p12Password}`],
    ]) {
      const r = await runTool('openssl', args);
      if (r.code !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
    }
  }
  return {
    pki,
    signer: signerFor(pki.leafP256),
    timestamper: inProcessTimestamper({ certPem: pki.tsa.certPem, keyPem: pki.tsa.keyPem, chain: pki.tsa.chain }),
    appearance: benchAppearance(),
    p12: await readFile(p12Path),
    p12Password,
  };
}

export type SealFn = (pdf: Uint8Array, opts: Record<string, unknown>) => Promise<Buffer>;

/** Our sealPdf (PDF-STRUCT helper's src/pdf/seal.ts), or undefined while it does not exist. */
export async function loadSealPdf(): Promise<SealFn | undefined> {
  try {
    const m = (await import('../src/pdf/seal.js')) as unknown as { sealPdf?: SealFn };
    return m.sealPdf;
  } catch {
    return undefined;
  }
}

export type VerifyFn = (pdf: Uint8Array, opts: VerifyOptions) => Promise<VerificationReport>;

/** The verifier's verifyPdf (src/verify/), or undefined while it cannot be loaded; loaded lazily so the memory child does not carry it. */
export async function loadVerifyPdf(): Promise<VerifyFn | undefined> {
  try {
    const m = (await import('../src/verify/index.js')) as unknown as { verifyPdf?: VerifyFn };
    return m.verifyPdf;
  } catch {
    return undefined;
  }
}

/** (a) ours: B-T with a visible seal on page 1. */
export function oursRun(ctx: BenchContext, sealPdf: SealFn) {
  return (pdf: Buffer) => sealPdf(pdf, {
    page: 1, xMm: 120, yMm: 80, appearance: ctx.appearance, signer: ctx.signer, level: 'B-T',
    signingTime: new Date(), timestamper: ctx.timestamper, reason: 'benchmark',
  });
}

/** (b) baseline: @signpdf/signpdf with @signpdf/placeholder-pdf-lib and @signpdf/signer-p12, as its README shows. */
export function baselineRun(ctx: BenchContext) {
  const signpdf = new SignPdf();
  return async (pdf: Buffer) => {
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    pdflibAddPlaceholder({ pdfDoc: doc, reason: 'benchmark', contactInfo: 'bench@example.test', name: 'bench', location: 'bench' });
    const withPlaceholder = Buffer.from(await doc.save({ useObjectStreams: false }));
    return signpdf.sign(withPlaceholder, new P12Signer(ctx.p12, { passphrase: ctx.p12Password }));
  };
}

/** (c) the floor: SHA-256 of the file plus two ECDSA P-256 signatures (the seal's and the time-stamp's). */
export function floorRun(ctx: BenchContext) {
  const key = createPrivateKey(ctx.pki.leafP256.keyPem);
  const tsaKey = createPrivateKey(ctx.pki.tsa.keyPem);
  return async (pdf: Buffer) => {
    const digest = createHash('sha256').update(pdf).digest();
    return [nodeSign('sha256', digest, key), nodeSign('sha256', digest, tsaKey)];
  };
}

/**
 * (d) verification: `verifyPdf` over the document our sealing produced (B-T, visible seal), the bench PKI's root as
 * the only trust anchor, offline. The document is sealed once per file (not timed). A report that is not valid
 * throws, so a verifier that gives up early is reported as failed rather than timed as fast.
 */
export async function verifyRun(ctx: BenchContext, sealPdf: SealFn, verifyPdf: VerifyFn, pdf: Buffer) {
  const sealed = await oursRun(ctx, sealPdf)(pdf);
  const trustAnchors = [ctx.pki.root.certDer];
  return async () => {
    const report = await verifyPdf(sealed, { trustAnchors });
    if (!report.valid) {
      const s = report.signatures.find((x) => x.status !== 'VALID');
      throw new Error(`verifyPdf did not find our sealed document valid: ${s ? `${s.status} ${s.reason}` : 'no signature found'}`);
    }
    return report;
  };
}

/**
 * (d') verification of a document extended for the long term after sealing: ours (B-T), then `extendPdf` adds a DSS
 * revision (certificates and OCSP responses from the bench PKI's openssl responder) and a document time-stamp
 * revision, as `seal extend` and POST /v1/extend do. Only the DSS and the time-stamp changed after the seal, so
 * verification should cost about the same on 2000 pages as on 2, plus hashing (issue 18). Valid B-LTA or it throws.
 */
export async function verifyLtaRun(ctx: BenchContext, sealPdf: SealFn, verifyPdf: VerifyFn, pdf: Buffer) {
  const { extendPdf } = await import('../src/pdf/extend.js');
  const sealed = await oursRun(ctx, sealPdf)(pdf);
  const extended = (await extendPdf(sealed, {
    revocation: async (cert, issuer) => ({ ocsp: await opensslOcsp(ctx.pki, cert, issuer) }),
    timestamper: ctx.timestamper,
  })).pdf;
  const trustAnchors = [ctx.pki.root.certDer];
  return async () => {
    const report = await verifyPdf(extended, { trustAnchors });
    const s = report.signatures.find((x) => x.status !== 'VALID');
    if (!report.valid || s) throw new Error(`verifyPdf did not find the extended document valid: ${s ? `${s.status} ${s.reason}` : 'no signature'}`);
    if (report.signatures[0]?.level !== 'B-LTA') throw new Error(`the extended seal is ${report.signatures[0]?.level}, not B-LTA`);
    return report;
  };
}

/** Reference: poppler's `pdfsig -add-signature` (C++), one whole process per document, RSA leaf from an NSS db. */
export async function pdfsigRun(ctx: BenchContext) {
  const db = await nssDbWithSigner(ctx.pki, ctx.pki.leafRsa);
  const dir = await mkdtemp(join(tmpdir(), 'bench-pdfsig-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true })); // copies of up to 50 MB
  let n = 0;
  return async (pdf: Buffer) => {
    const input = join(dir, `in-${pdf.length}.pdf`);
    if (!existsSync(input)) await writeFile(input, pdf);
    const output = join(dir, `out-${n++ % 2}.pdf`);
    await rm(output, { force: true });
    const r = await runTool('pdfsig', ['-add-signature', '-nssdir', `sql:${db.dir}`, '-nick', db.nick, input, output]);
    if (r.code !== 0) throw new Error(`pdfsig failed: ${r.stderr}`);
  };
}

/** (a) and (d) as the service runs them: in the document worker pool (src/isolation), for the pool's overhead. */
export function poolSealRun(ctx: BenchContext, pool: DocumentWorkers) {
  return (pdf: Buffer) => pool.seal(pdf, {
    page: 1, xMm: 120, yMm: 80, appearance: ctx.appearance, signer: ctx.signer, level: 'B-T',
    signingTime: new Date(), timestamper: ctx.timestamper, reason: 'benchmark',
  });
}

export async function poolVerifyRun(ctx: BenchContext, pool: DocumentWorkers, pdf: Buffer) {
  const sealed = await poolSealRun(ctx, pool)(pdf);
  const trustAnchors = [ctx.pki.root.certDer];
  return async () => {
    const report = await pool.verify(sealed, { trustAnchors });
    if (!report.valid) throw new Error('the pool did not find our sealed document valid');
    return report;
  };
}
