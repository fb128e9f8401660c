/**
 * The SM2 rows of `npm run bench` (issue 15): sealing with an SM2 seal — a GB/T 38540 SES_Signature in
 * /Contents, B-T with a visible seal, the time-stamp from an in-process SM2 TSA — against its own floor:
 * SM3 of the file and two SM2 signatures (the seal's and the time-stamp's) with node:crypto. SM3 hashes
 * several times slower than SHA-256 here, so the P-256 floor is not its yardstick.
 *
 * Keys and certificates are made with OpenSSL 3 (SM3withSM2, the standard user ID) in bench/out/sm2; the
 * SESeal is built and signed with the service's own codec (src/asn1/seseal.ts), the seal's key as its maker.
 */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ecPoint, inProcessTimestamper } from './inprocess-tsa.js';
import { OID } from '../src/asn1/oids.js';
import { encodeSealInfo, encodeSESeal } from '../src/asn1/seseal.js';
import { signWithKey } from '../src/crypto/sign.js';
import type { CmsSigner, Timestamper } from '../src/pdf/cms.js';
import type { SesSigner } from '../src/pdf/ses.js';
import { runTool } from '../test/helpers/openssl-pki.js';

import { benchAppearance, OUT_DIR, type SealFn } from './setup.js';

export interface Sm2BenchContext {
  signer: CmsSigner;
  ses: SesSigner;
  timestamper: Timestamper;
  /** The raw SM2 keys for the floor. */
  sealKey: { key: ReturnType<typeof createPrivateKey>; point: Buffer };
  tsaKey: { key: ReturnType<typeof createPrivateKey>; point: Buffer };
}

async function sm2KeyAndCert(dir: string, name: string, subject: string, ext: string[]): Promise<{ keyPem: string; certPem: string }> {
  const key = join(dir, `${name}.key`);
  const crt = join(dir, `${name}.crt`);
  if (!existsSync(crt)) {
    for (const args of [
      ['genpkey', '-algorithm', 'SM2', '-out', key],
      ['req', '-x509', '-new', '-key', key, '-sm3', '-sigopt', 'distid:1234567812345678', '-subj', subject, '-days', '3650', ...ext.flatMap((e) => ['-addext', e]), '-out', crt],
    ]) {
      const r = await runTool('openssl', args);
      if (r.code !== 0) throw new Error(`openssl ${args[0]} (SM2) failed: ${r.stderr}`);
    }
  }
  return { keyPem: await readFile(key, 'utf8'), certPem: await readFile(crt, 'utf8') };
}

const loaded = (pem: { keyPem: string; certPem: string }) => {
  const x = new X509Certificate(pem.certPem);
  return { key: createPrivateKey(pem.keyPem), point: ecPoint(x.publicKey.export({ format: 'der', type: 'spki' })), der: Buffer.from(x.raw) };
};

export async function sm2BenchContext(dir = join(OUT_DIR, 'sm2')): Promise<Sm2BenchContext> {
  await mkdir(dir, { recursive: true });
  const sealPem = await sm2KeyAndCert(dir, 'seal', '/C=CN/O=Bench Unit/CN=Bench SM2 Seal', ['keyUsage=critical,digitalSignature,nonRepudiation']);
  const tsaPem = await sm2KeyAndCert(dir, 'tsa', '/C=CN/O=Bench/CN=Bench SM2 TSA', ['extendedKeyUsage=critical,timeStamping', 'keyUsage=critical,digitalSignature']);
  const seal = loaded(sealPem);
  const tsa = loaded(tsaPem);
  const sign = async (data: Uint8Array) => signWithKey('sm2', 'SM3', seal.key, data, seal.point);
  const appearance = benchAppearance();
  const now = new Date();
  const infoDer = encodeSealInfo({
    vendorId: 'BENCH', esId: '91350100M000100Y430001', type: 1, name: 'Bench SM2 Seal', holderCertificates: [seal.der],
    createDate: now, validStart: now, validEnd: new Date(now.getTime() + 365 * 86_400_000),
    picture: { type: 'PNG', data: Buffer.alloc(20_000, 1), widthMm: appearance.widthMm, heightMm: appearance.heightMm },
  });
  const seseal = encodeSESeal(infoDer, seal.der, OID.sm3WithSm2, await sign(infoDer));
  return {
    signer: { certificates: [seal.der], keyAlgorithm: 'SM2', digest: 'SM3', sign },
    ses: { certificate: seal.der, seseal, sign },
    timestamper: inProcessTimestamper({ ...tsaPem, chain: [] }, undefined, true),
    sealKey: seal,
    tsaKey: tsa,
  };
}

/** ours, SM2: B-T, visible seal on page 1, /Contents an SES_Signature with its SM2 time-stamp. */
export function sm2SealRun(ctx: Sm2BenchContext, sealPdf: SealFn) {
  const appearance = benchAppearance();
  return (pdf: Buffer) => sealPdf(pdf, {
    page: 1, xMm: 120, yMm: 80, appearance, signer: ctx.signer, ses: ctx.ses, level: 'B-T',
    signingTime: new Date(), timestamper: ctx.timestamper, reason: 'benchmark',
  });
}

/** The SM2 floor: SM3 of the file and two SM2 signatures (the seal's and the time-stamp's). */
export function sm2FloorRun(ctx: Sm2BenchContext) {
  return async (pdf: Buffer) => {
    const digest = createHash('sm3').update(pdf).digest();
    return [signWithKey('sm2', 'SM3', ctx.sealKey.key, digest, ctx.sealKey.point), signWithKey('sm2', 'SM3', ctx.tsaKey.key, digest, ctx.tsaKey.point)];
  };
}
