/**
 * Shared test material for the verifier: the openssl test PKI, a base document, a seal appearance,
 * seal certificates with the image binding (made with the openssl CLI), and sealing shortcuts.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { sealPdf, type PadesLevel } from '../../src/pdf/seal.js';
import { canonicalImageHash } from '../../src/render/canonical.js';
import { SEAL_IMAGE_BINDING_OID } from '../../src/verify/seal-image.js';
import {
  makeTestPki, opensslOcsp, opensslTimestamper, signerFor, type TestCert, type TestPki, type Revocation,
} from '../helpers/openssl-pki.js';
import type { RevocationSource } from '../../src/pdf/cms.js';

const run = promisify(execFile);

export interface Appearance { rgba: Buffer; width: number; height: number; widthMm: number; heightMm: number }

/** A synthetic seal image: a red ring with transparent outside, `variant` shifts the pattern. */
export function sealAppearance(variant = 0, size = 64): Appearance {
  const rgba = Buffer.alloc(size * size * 4);
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const d = Math.hypot(x - c, y - c);
    const i = (y * size + x) * 4;
    const onRing = d < c && d > c - 6;
    const star = Math.abs(x - c) + Math.abs(y - c) < 10 + variant;
    if (onRing || star) { rgba[i] = 220; rgba[i + 1] = 20 + variant; rgba[i + 2] = 30; rgba[i + 3] = onRing ? 255 : 200; }
  }
  return { rgba, width: size, height: size, widthMm: 40, heightMm: 40 };
}

export function imageHash(a: Appearance): Buffer {
  return canonicalImageHash({ width: a.width, height: a.height, rgba: a.rgba });
}

/** A small document with text on two pages, made by pdf-lib. */
export async function basePdf(pages = 2): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < pages; i++) {
    const p = doc.addPage([595, 842]);
    p.drawText(`Notice ${i + 1}: the permit is granted.`, { x: 72, y: 760, size: 14, font, color: rgb(0, 0, 0) });
  }
  doc.setCreationDate(new Date('2026-01-01T00:00:00Z'));
  doc.setModificationDate(new Date('2026-01-01T00:00:00Z'));
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

export interface SealCertOptions {
  name: string;
  subject: string;
  imageHash?: Buffer;
  keyUsage?: string;
  /** issuer cert + key (default the PKI's intermediate) */
  issuer?: { certPath: string; keyPath: string; chain: Buffer[] };
  days?: number;
  extra?: string[];
  ocspUrl?: string;
}

/** A seal certificate issued with `openssl x509 -req` (so private extensions like the image binding can be added). */
export async function issueSealCert(pki: TestPki, o: SealCertOptions): Promise<TestCert> {
  const dir = join(pki.dir, 'verify-kit');
  await mkdir(dir, { recursive: true });
  const keyPath = join(dir, `${o.name}.key`);
  const csr = join(dir, `${o.name}.csr`);
  const certPath = join(dir, `${o.name}.pem`);
  const ext = join(dir, `${o.name}.ext`);
  await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath]);
  await run('openssl', ['req', '-new', '-key', keyPath, '-subj', o.subject, '-utf8', '-out', csr]);
  const lines = [
    '[ ext ]', 'basicConstraints = critical, CA:false', `keyUsage = ${o.keyUsage ?? 'critical, digitalSignature, nonRepudiation'}`,
    'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always',
  ];
  if (o.imageHash) {
    const h = o.imageHash.toString('hex');
    // SealImageBinding ::= SEQUENCE { AlgorithmIdentifier(sha256), OCTET STRING hash }
    lines.push(`${SEAL_IMAGE_BINDING_OID} = DER:302f300b0609608648016503040201` + `0420${h}`);
  }
  if (o.ocspUrl) lines.push(`authorityInfoAccess = OCSP;URI:${o.ocspUrl}`);
  lines.push(...(o.extra ?? []));
  await writeFile(ext, lines.join('\n') + '\n');
  const issuer = o.issuer ?? { certPath: pki.intermediate.certPath, keyPath: pki.intermediate.keyPath, chain: pki.leafP256.chain };
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', issuer.certPath, '-CAkey', issuer.keyPath, '-set_serial', '0x' + randomSerial(),
    '-days', String(o.days ?? 3650), '-sha256', '-extfile', ext, '-extensions', 'ext', '-out', certPath]);
  const certPem = await readFile(certPath, 'utf8');
  const x = new X509Certificate(certPem);
  return {
    name: o.name, keyAlgorithm: 'ECDSA-P256', certPath, keyPath, certPem, keyPem: await readFile(keyPath, 'utf8'),
    certDer: Buffer.from(x.raw), serialHex: x.serialNumber.toLowerCase(), issuer: 'intermediate', chain: issuer.chain,
  };
}

let serialCounter = 0;
function randomSerial(): string {
  return (Date.now().toString(16) + (serialCounter++).toString(16).padStart(4, '0')).padStart(16, '0');
}

/** A RevocationSource answering from the test PKI's openssl OCSP responder; `revoked` maps serial (lower hex) to a revocation. */
export function ocspSource(pki: TestPki, revoked: Map<string, Revocation> = new Map()): RevocationSource {
  return async (cert, issuer) => {
    const serial = new X509Certificate(cert).serialNumber.toLowerCase();
    return { ocsp: await opensslOcsp(pki, cert, issuer, revoked.get(serial)) };
  };
}

export interface SealOptions {
  level?: PadesLevel;
  signingTime?: Date;
  appearance?: Appearance;
  page?: number;
  revocation?: RevocationSource;
  certify?: 1 | 2 | 3;
  x?: number;
  y?: number;
}

export async function seal(pki: TestPki, pdf: Uint8Array, cert: TestCert, o: SealOptions = {}): Promise<Buffer> {
  const level = o.level ?? 'B-T';
  return sealPdf(pdf, {
    page: o.page ?? 1, xMm: o.x ?? 60, yMm: o.y ?? 60, appearance: o.appearance ?? sealAppearance(),
    signer: signerFor(cert), level, signingTime: o.signingTime ?? new Date(),
    ...(level !== 'B-B' ? { timestamper: opensslTimestamper(pki) } : {}),
    ...(level === 'B-LT' || level === 'B-LTA' ? { revocation: o.revocation ?? ocspSource(pki) } : {}),
    ...(o.certify ? { certify: o.certify } : {}),
  });
}

export { makeTestPki };
export type { TestPki, TestCert };
