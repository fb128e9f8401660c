import { createPrivateKey, sign as nodeSign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { AppError } from '../../errors.js';
import { httpTimestamper, type CmsSigner, type RevocationSource } from '../../pdf/cms.js';
import { sealJob } from '../../isolation/main-thread.js';
import { CLI_WORKER_MEMORY_MB, runOneShot, serveOneShotJob } from '../../isolation/one-shot.js';
import { valueFace } from '../../isolation/value-face.js';
import { readPdf } from '../../pdf/reader.js';
import type { PadesLevel } from '../../pdf/seal.js';
import { uniqueFieldName } from '../../pdf/signature-field.js';
import { canonicalPixels } from '../../render/canonical.js';
import { fromPem } from '../../asn1/pem.js';
import { parseCertificate } from '../../verify/certificate.js';
import { ocspRequestFor } from '../../verify/revocation.js';

const USAGE =
  'usage: seal sign IN.pdf --key key.pem --cert cert.pem [--chain chain.pem] [--page N --x MM --y MM] [--riding] --image seal.png\n' +
  '                 [--size-mm W[xH]] [--level B-B|B-T|B-LT|B-LTA] [--tsa URL] [--reason TEXT] [--location TEXT] [--field NAME]\n' +
  '                 [--timeout SECONDS] -o OUT.pdf\n' +
  '  --timeout S: give up on a document that takes longer than S seconds to seal (default 120): exit 1.\n' +
  '  x, y: mm from the bottom-left corner of the page as a reader sees it, to the seal\'s centre.\n' +
  '  --riding: also a riding seal (骑缝章) across the right edge of every page, in the same signature; alone\n' +
  '  (without --x and --y) only the riding seal.\n' +
  '  The seal\'s size comes from --size-mm, else from the PNG\'s resolution (as `seal render` writes it).\n' +
  '  With --tsa the level defaults to B-LT: revocation data is fetched from the OCSP and CRL addresses in the\n' +
  '  certificates (give the root in --chain to cover the issuing CA too); without --tsa it is B-B.\n' +
  '  A TSA that wants a bearer token (this service\'s POST /tsa does) gets it from the environment variable\n' +
  '  SEAL_TSA_TOKEN, never from the command line (where ps shows it).\n' +
  '  On success it prints what it wrote: the file, its size, the signature field and the level.';

// Loaded as the command's own document worker (see runOneShot below): run the job handed over, nothing else;
// form values outside Latin-1 are drawn with the seal face, loaded only if a form needs it.
serveOneShotJob({ valueFace });

/**
 * `seal sign`: seal a PDF with a local key file, no service and no database. Exit 0 on success, 2 on a usage
 * error or an input that cannot be sealed (one line on stderr, the problem type first), 1 on I/O errors and on a
 * document past the limits or the --timeout (document-too-complex). The document is read and sealed in a worker
 * of its own; the key stays on this thread.
 */
export async function signCommand(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: {
        key: { type: 'string' },
        cert: { type: 'string' },
        chain: { type: 'string' },
        page: { type: 'string' },
        x: { type: 'string' },
        y: { type: 'string' },
        image: { type: 'string' },
        'size-mm': { type: 'string' },
        level: { type: 'string' },
        tsa: { type: 'string' },
        reason: { type: 'string' },
        location: { type: 'string' },
        field: { type: 'string' },
        riding: { type: 'boolean' },
        timeout: { type: 'string' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (err) {
    return usage((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const input = positionals[0];
  if (!input || positionals.length > 1) return usage('exactly one input PDF is required');
  const riding = values.riding === true;
  // Where the seal goes: --page, --x and --y together, or --riding alone (the riding seal only).
  const placed = riding && ['page', 'x', 'y'].every((k) => str(k) === undefined) ? [] : ['page', 'x', 'y'];
  const missing = ['key', 'cert', ...placed, 'image', 'output'].filter((k) => str(k) === undefined);
  if (missing.length) return usage(`missing ${missing.map((m) => (m === 'output' ? '-o' : `--${m}`)).join(', ')}`);
  const page = placed.length ? Number(str('page')) : 1;
  const xMm = placed.length ? Number(str('x')) : undefined;
  const yMm = placed.length ? Number(str('y')) : undefined;
  if (!Number.isInteger(page) || page < 1) return usage('--page must be a whole number from 1');
  if (placed.length && (!Number.isFinite(xMm) || !Number.isFinite(yMm))) return usage('--x and --y must be numbers (mm)');
  const level = (str('level') ?? (str('tsa') ? 'B-LT' : 'B-B')) as PadesLevel;
  if (!['B-B', 'B-T', 'B-LT', 'B-LTA'].includes(level)) return usage('--level must be B-B, B-T, B-LT or B-LTA');
  if (level !== 'B-B' && !str('tsa')) return usage(`--level ${level} needs --tsa URL`);
  const timeoutSeconds = str('timeout') === undefined ? 120 : Number(str('timeout'));
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) return usage('--timeout must be a number of seconds');

  let pdf: Buffer, keyPem: Buffer, certPem: Buffer, chainPem: Buffer | undefined, png: Buffer;
  try {
    [pdf, keyPem, certPem, png] = await Promise.all([readFile(input), readFile(str('key')!), readFile(str('cert')!), readFile(str('image')!)]);
    chainPem = str('chain') ? await readFile(str('chain')!) : undefined;
  } catch (err) {
    process.stderr.write(`seal sign: cannot read ${(err as NodeJS.ErrnoException).path ?? 'input'}: ${(err as NodeJS.ErrnoException).code ?? 'error'}\n`);
    return 1;
  }

  try {
    const signer = localSigner(keyPem, certPem, chainPem);
    const pixels = await canonicalPixels(png);
    const size = await sealSizeMm(png, pixels.width, pixels.height, str('size-mm'));
    const tsaToken = process.env.SEAL_TSA_TOKEN;
    const out = Buffer.from(await runOneShot<Uint8Array>(import.meta.url, sealJob(pdf, {
      page, ...(xMm !== undefined && yMm !== undefined ? { xMm, yMm } : {}), ...(riding ? { riding } : {}), level, signer, signingTime: new Date(),
      appearance: { ...pixels, widthMm: size.w, heightMm: size.h },
      timestamper: str('tsa') ? httpTimestamper(str('tsa')!, fetch, tsaToken ? { headers: { authorization: `Bearer ${tsaToken}` } } : {}) : undefined,
      revocation: onlineRevocation(globalThis.fetch),
      reason: str('reason'), location: str('location'), fieldName: str('field'),
    }), { timeoutSeconds, memoryMb: CLI_WORKER_MEMORY_MB }));
    // The name sealPdf gave the field (the same choice, made on the same input), reported on success. Read on this
    // thread only now that the worker has read the same bytes within the limits and the deadline.
    const fieldName = uniqueFieldName(readPdf(pdf), str('field'));
    try {
      await writeFile(str('output')!, out);
    } catch (err) {
      process.stderr.write(`seal sign: cannot write ${str('output')}: ${(err as NodeJS.ErrnoException).code ?? 'error'}\n`);
      return 1;
    }
    process.stdout.write(`seal sign: wrote ${str('output')} (${out.length} bytes): signature field "${fieldName}", level ${level}\n`);
    return 0;
  } catch (err) {
    if (err instanceof AppError && err.type === 'document-too-complex') {
      process.stderr.write(`seal sign: ${err.type}: ${err.message}\n`);
      return 1;
    }
    if (err instanceof AppError && err.status < 500) {
      process.stderr.write(`seal sign: ${err.type}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof AppError) {
      process.stderr.write(`seal sign: ${err.type}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/**
 * Revocation data for B-LT from the addresses a certificate names (OCSP first, then its CRL). The signer
 * chose these certificates, so asking their own responders is what the signer means to do.
 */
export function onlineRevocation(fetchImpl: typeof fetch): RevocationSource {
  return async (certDer, issuerDer) => {
    const cert = parseCertificate(certDer);
    const issuer = parseCertificate(issuerDer);
    const out: { ocsp?: Buffer; crl?: Buffer } = {};
    for (const url of cert.ocspUrls) {
      try {
        const res = await fetchImpl(url, {
          method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: new Uint8Array(ocspRequestFor(cert, issuer)),
          signal: AbortSignal.timeout(15_000),
        });
        if (res.ok) { out.ocsp = Buffer.from(await res.arrayBuffer()); break; }
      } catch { /* the next address, or the CRL */ }
    }
    for (const url of out.ocsp ? [] : cert.crlUrls) {
      try {
        const res = await fetchImpl(url, { signal: AbortSignal.timeout(15_000) });
        if (res.ok) { out.crl = Buffer.from(await res.arrayBuffer()); break; }
      } catch { /* none */ }
    }
    return out;
  };
}

function usage(message: string): number {
  process.stderr.write(`seal sign: ${message}\n${USAGE}\n`);
  return 2;
}

/** A CmsSigner over a local PEM key; the key never leaves this closure and is never printed. */
export function localSigner(keyPem: Buffer, certPem: Buffer, chainPem?: Buffer): CmsSigner {
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new AppError(400, 'bad-key', 'The key file is not a readable unencrypted PEM private key.');
  }
  const leaf = fromPem(certPem)[0];
  if (!leaf) throw new AppError(400, 'bad-certificate', 'The certificate file holds no PEM certificate.');
  if (!new X509Certificate(leaf).checkPrivateKey(key)) throw new AppError(400, 'key-mismatch', 'The key does not belong to the certificate.');
  const chain = chainPem ? fromPem(chainPem).filter((c) => !c.equals(leaf)) : [];
  const details = key.asymmetricKeyDetails;
  let keyAlgorithm: CmsSigner['keyAlgorithm'];
  let digest: CmsSigner['digest'];
  if (key.asymmetricKeyType === 'rsa') [keyAlgorithm, digest] = ['RSA', 'SHA-256'];
  else if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') [keyAlgorithm, digest] = ['ECDSA-P256', 'SHA-256'];
  else if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'secp384r1') [keyAlgorithm, digest] = ['ECDSA-P384', 'SHA-384'];
  else throw new AppError(400, 'unsupported-key', `Keys of type ${key.asymmetricKeyType}${details?.namedCurve ? ` (${details.namedCurve})` : ''} are not supported.`);
  const hash = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }[digest];
  return { certificates: [leaf, ...chain], keyAlgorithm, digest, sign: async (data) => nodeSign(hash, data, key) };
}

async function sealSizeMm(png: Buffer, width: number, height: number, given?: string): Promise<{ w: number; h: number }> {
  if (given !== undefined) {
    const m = /^(\d+(?:\.\d+)?)(?:x(\d+(?:\.\d+)?))?$/.exec(given);
    if (!m) throw new AppError(400, 'bad-size', '--size-mm must be W or WxH in mm, e.g. 42 or 45x30.');
    const w = Number(m[1]);
    return { w, h: m[2] ? Number(m[2]) : (w * height) / width };
  }
  const density = (await sharp(png).metadata()).density;
  if (!density || density <= 72) throw new AppError(400, 'bad-size', 'The PNG carries no resolution; give the seal size with --size-mm.');
  return { w: (width / density) * 25.4, h: (height / density) * 25.4 };
}
