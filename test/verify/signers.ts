/**
 * Signers we did not write, for the verifier's tests: poppler's pdfsig (NSS), Apache PDFBox 2 with
 * BouncyCastle (compiled here from java/PdfBoxTool.java), @signpdf's placeholder with an `openssl cms`
 * signature in it, and certificates of other key types issued by the test PKI with openssl.
 */
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import { nssDbWithSigner, type TestCert, type TestPki } from '../helpers/openssl-pki.js';
import { haveJudges } from '../helpers/judges.js';

const run = promisify(execFile);

/** A certificate and key in PEM files (any key type openssl makes). */
export interface KeyCert { name: string; certPath: string; keyPath: string; certDer: Buffer; chainPath: string }

export type KeyType = 'ed25519' | 'ed448' | 'rsa1024' | 'rsa2048' | 'p256' | 'secp256k1';

/** A seal certificate with a key of `type`, issued by the test PKI's issuing CA (openssl x509 -req). */
export async function issueKeyCert(pki: TestPki, name: string, type: KeyType, subject = `/C=CN/O=Other Unit/CN=${name}`): Promise<KeyCert> {
  const dir = await mkdtemp(join(tmpdir(), 'verify-keycert-'));
  const f = (x: string) => join(dir, x);
  const gen = {
    ed25519: ['-algorithm', 'ED25519'], ed448: ['-algorithm', 'ED448'],
    rsa1024: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'], rsa2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    p256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    secp256k1: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1'],
  }[type];
  await run('openssl', ['genpkey', ...gen, '-out', f('key.pem')]);
  await run('openssl', ['req', '-new', '-key', f('key.pem'), '-subj', subject, '-out', f('csr.pem')]);
  await writeFile(f('ext'), '[ ext ]\nbasicConstraints = critical, CA:false\nkeyUsage = critical, digitalSignature, nonRepudiation\n' +
    'extendedKeyUsage = 1.3.6.1.5.5.7.3.36, emailProtection\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n');
  await run('openssl', ['x509', '-req', '-in', f('csr.pem'), '-CA', pki.intermediate.certPath, '-CAkey', pki.intermediate.keyPath,
    '-set_serial', `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`, '-days', '3650', '-sha256',
    '-extfile', f('ext'), '-extensions', 'ext', '-out', f('cert.pem')]);
  return { name, certPath: f('cert.pem'), keyPath: f('key.pem'), certDer: Buffer.from(new X509Certificate(await readFile(f('cert.pem'))).raw), chainPath: pki.intermediate.certPath };
}

export const fromTestCert = (pki: TestPki, c: TestCert): KeyCert => ({ name: c.name, certPath: c.certPath, keyPath: c.keyPath, certDer: c.certDer, chainPath: pki.intermediate.certPath });

/** A KeyCert as the PKI helper's TestCert (for pdfsig's NSS database, which imports a PKCS#12 of it). */
export async function asTestCert(pki: TestPki, k: KeyCert): Promise<TestCert> {
  return {
    name: k.name, keyAlgorithm: 'RSA', certPath: k.certPath, keyPath: k.keyPath, certPem: await readFile(k.certPath, 'utf8'),
    keyPem: await readFile(k.keyPath, 'utf8'), certDer: k.certDer, serialHex: new X509Certificate(k.certDer).serialNumber.toLowerCase(),
    issuer: 'intermediate', chain: [pki.intermediate.certDer],
  };
}

// ---------------------------------------------------------------------------------------------
// poppler pdfsig

/** `pdfsig -add-signature` (or `-sign FIELD` to fill an empty signature field), retried: NSS sizing is flaky (TOOLS.md). */
export async function pdfsigSign(pki: TestPki, cert: TestCert, pdf: Uint8Array, opts: { digest?: string; field?: string } = {}): Promise<Buffer> {
  const db = await nssDbWithSigner(pki, cert);
  const work = await mkdtemp(join(tmpdir(), 'verify-pdfsig-'));
  await writeFile(join(work, 'in.pdf'), pdf);
  const mode = opts.field ? ['-sign', opts.field] : ['-add-signature'];
  let last: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      await run('pdfsig', [...mode, '-nick', db.nick, '-nssdir', `sql:${db.dir}`, '-reason', 'approved',
        ...(opts.digest ? ['-digest', opts.digest] : []), join(work, 'in.pdf'), join(work, 'out.pdf')]);
      return await readFile(join(work, 'out.pdf'));
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

// ---------------------------------------------------------------------------------------------
// Apache PDFBox 2 + BouncyCastle

const JARS = ['pdfbox2', 'fontbox2', 'commons-logging', 'bcprov', 'bcpkix', 'bcutil'].map((j) => `/usr/share/java/${j}.jar`);
let compiled: Promise<string> | undefined;

/** True when javac and the jars are here; noted for the run's summary when not, a failure in CI (test/helpers/judges.ts). */
export function pdfBoxAvailable(): boolean {
  return haveJudges('javac', 'pdfbox', 'bouncycastle');
}

async function pdfBoxClasses(): Promise<string> {
  return (compiled ??= (async () => {
    const out = await mkdtemp(join(tmpdir(), 'verify-pdfbox-'));
    await run('javac', ['-cp', JARS.join(':'), '-d', out, new URL('./java/PdfBoxTool.java', import.meta.url).pathname]);
    return out;
  })());
}

/** Runs PdfBoxTool (sign / fill / annotate) on `pdf`; returns the incrementally saved result. */
export async function pdfBox(command: 'sign' | 'fill' | 'annotate' | 'metadata', pdf: Uint8Array, options: Record<string, string> = {}): Promise<Buffer> {
  const classes = await pdfBoxClasses();
  const work = await mkdtemp(join(tmpdir(), 'verify-pdfbox-run-'));
  await writeFile(join(work, 'in.pdf'), pdf);
  await run('java', ['-Djava.awt.headless=true', '-cp', [classes, ...JARS].join(':'), 'PdfBoxTool', command, join(work, 'in.pdf'), join(work, 'out.pdf'),
    ...Object.entries(options).map(([k, v]) => `${k}=${v}`)], { timeout: 120_000 });
  return readFile(join(work, 'out.pdf'));
}

/** PdfBoxTool sign options for a key and certificate. */
export const pdfBoxKey = (k: KeyCert) => ({ key: k.keyPath, cert: k.certPath, chain: k.chainPath });

// ---------------------------------------------------------------------------------------------
// @signpdf placeholder + `openssl cms -sign`

export interface OpensslCmsOptions {
  /** Signers, each its own SignerInfo. */
  signers: KeyCert[];
  md?: string;
  /** No signed attributes. */
  noattr?: boolean;
  /** Encapsulate the signed bytes in the CMS (opaque signing). */
  nodetach?: boolean;
  subFilter?: string;
  /** adbe.pkcs7.sha1: sign the SHA-1 digest of the byte ranges, encapsulated (ISO 32000-1 §12.8.3.3.1). */
  sha1Digest?: boolean;
  /** Re-encode openssl's DER with indefinite lengths everywhere (BER), as streaming encoders write it. */
  ber?: boolean;
}

/**
 * A PDF signed the @signpdf way (pdf-lib placeholder, the whole file saved again) with a CMS that
 * `openssl cms -sign` makes over the byte ranges: openssl decides every DER byte.
 */
export async function opensslSigned(pdf: Uint8Array, o: OpensslCmsOptions): Promise<Buffer> {
  const { pdflibAddPlaceholder } = await import('@signpdf/placeholder-pdf-lib');
  const signpdfMod = await import('@signpdf/signpdf');
  const { Signer } = await import('@signpdf/utils');
  const signpdf = (signpdfMod as unknown as { default: { sign(pdf: Buffer, signer: unknown): Promise<Buffer> } }).default;
  const doc = await PDFDocument.load(pdf);
  pdflibAddPlaceholder({ pdfDoc: doc, reason: 'approved', contactInfo: 'test@example.org', name: 'openssl', location: 'Test City',
    signatureLength: 16_384, ...(o.subFilter ? { subFilter: o.subFilter } : {}) });
  const withPlaceholder = Buffer.from(await doc.save({ useObjectStreams: false }));
  class OpensslSigner extends Signer {
    override async sign(bytes: Buffer): Promise<Buffer> {
      const work = await mkdtemp(join(tmpdir(), 'verify-openssl-cms-'));
      await writeFile(join(work, 'data.bin'), o.sha1Digest ? createHash('sha1').update(bytes).digest() : bytes);
      const args = ['cms', '-sign', '-binary', '-in', join(work, 'data.bin'), '-outform', 'DER', '-out', join(work, 'sig.der'), '-certfile', o.signers[0]!.chainPath];
      for (const s of o.signers) args.push('-signer', s.certPath, '-inkey', s.keyPath);
      if (o.md) args.push('-md', o.md);
      if (o.noattr) args.push('-noattr');
      if (o.nodetach || o.sha1Digest) args.push('-nodetach');
      await run('openssl', args);
      const der = await readFile(join(work, 'sig.der'));
      return o.ber ? toIndefiniteLengths(der) : der;
    }
  }
  return Buffer.from(await signpdf.sign(withPlaceholder, new OpensslSigner()));
}

/**
 * A CMS ContentInfo in BER with indefinite lengths for every constructed element (primitive ones keep their
 * definite length, as X.690 requires), signed attributes included: what streaming encoders produce. The
 * certificates stay as their issuers signed them (DER), as encoders copy them.
 */
export function toIndefiniteLengths(der: Buffer): Buffer {
  const out: Buffer[] = [];
  // depth: ContentInfo 0, [0] 1, SignedData 2, its fields 3 (certificates [0] = 0xa0 there).
  const walk = (p: number, end: number, depth: number, verbatim: boolean) => {
    while (p < end) {
      const tag = der[p]!;
      let len = der[p + 1]!;
      let q = p + 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + der[q + i]!;
        q += n;
      }
      if (tag & 0x20 && !verbatim) {
        out.push(Buffer.from([tag, 0x80]));
        walk(q, q + len, depth + 1, depth === 3 && tag === 0xa0);
        out.push(Buffer.from([0, 0]));
      } else out.push(der.subarray(p, q + len));
      p = q + len;
    }
  };
  walk(0, der.length, 0, false);
  return Buffer.concat(out);
}
