/**
 * Running one job on the thread it was sent to (a pool worker, or in-process for the offline verifier bundle),
 * with the main thread's functions reached through `call`. The one place that maps a Job to the library call.
 */
import { Lru } from '../lru.js';
import type { Timestamper } from '../pdf/cms.js';
import { extendPdf } from '../pdf/extend.js';
import { readPdf, type PdfFile } from '../pdf/reader.js';
import { sealPdf } from '../pdf/seal.js';
import type { Examination, ExamineRequest } from '../placement/index.js';
import type { SealFont } from '../render/font.js';
import { verifyPdf } from '../verify/verify-pdf.js';
import type { Callback, FetchReply, Job, Outcome, SealJobOptions } from './jobs.js';
import { serializeError } from './job-errors.js';

export type CallMain = (call: Callback) => Promise<unknown>;

/**
 * Jobs that need heavy packages are given by the caller, so this module stays light enough for the offline
 * verifier bundle (no pdf.js there): the service's worker passes the text extraction of src/placement.
 */
export interface HeavyJobs {
  /** `read`: the document as our reader already read it (examine-seal reads it once for both steps). */
  examine?: (pdf: Uint8Array, request: ExamineRequest, read?: PdfFile) => Promise<Examination>;
  /** The seal face, for form values outside Latin-1 that a sealing draws (src/pdf/field-appearances.ts). */
  valueFace?: () => Promise<SealFont>;
}

const asBuffer = (u: unknown): Buffer => Buffer.from(u as Uint8Array);

export async function runJob(job: Job, call: CallMain, heavy: HeavyJobs = {}): Promise<unknown> {
  switch (job.kind) {
    case 'verify': {
      const fetcher = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
        const body = init?.body instanceof Uint8Array ? init.body : undefined;
        const r = (await call({
          name: 'fetch', url: String(url), ...(init?.method ? { method: init.method } : {}),
          ...(init?.headers ? { headers: Object.fromEntries(new Headers(init.headers).entries()) } : {}), ...(body ? { body } : {}),
        })) as FetchReply;
        return new Response(Uint8Array.from(r.body).buffer, { status: r.status, headers: r.headers });
      };
      return verifyPdf(job.bytes, {
        trustAnchors: job.trustAnchors.map(asBuffer),
        ...(job.now !== undefined ? { now: new Date(job.now) } : {}),
        ...(job.online ? { online: { fetch: fetcher as typeof fetch } } : {}),
        ...(job.allowRsa !== undefined ? { allowRsa: job.allowRsa } : {}),
        ...(job.evidence ? { evidence: {
          certificates: job.evidence.certificates?.map(asBuffer), ocsps: job.evidence.ocsps?.map(asBuffer), crls: job.evidence.crls?.map(asBuffer),
        } } : {}),
      });
    }
    case 'examine':
      if (!heavy.examine) throw new Error('this thread cannot examine documents');
      return heavy.examine(job.bytes, job.request);
    case 'seal':
      return sealFromJob(job.bytes, job.options, call, heavy);
    case 'examine-seal': {
      if (!heavy.examine) throw new Error('this thread cannot examine documents');
      // Read once: the examination and the sealing share the reading (trailer, cross-references, parsed objects).
      const file = readPdf(job.bytes);
      const examination = await heavy.examine(job.bytes, job.request, file);
      // The main thread decides on the examination: the sealing's options, or a refusal (thrown here, nothing signed).
      const options = (await call({ name: 'examined', examination })) as SealJobOptions;
      return { examination, pdf: await sealFromJob(file, options, call, heavy) };
    }
    case 'extend':
      return extendPdf(job.bytes, {
        revocation: async (cert, issuer) => revocationReply(await call({ name: 'revocation', cert, issuer })),
        timestamper: async (imprint, hash) => asBuffer(await call({ name: 'timestamp', imprint, hash })),
        ...(job.digest ? { digest: job.digest } : {}),
        ...(job.extraCertificates ? { extraCertificates: job.extraCertificates.map(asBuffer) } : {}),
        ...(job.issuerCertificates ? { issuerCertificates: job.issuerCertificates.map(asBuffer) } : {}),
        ...(job.writeOptions ? { writeOptions: job.writeOptions } : {}),
      });
  }
}

/** sealPdf with a seal job's options, the main thread's functions reached through `call`. */
function sealFromJob(input: Uint8Array | PdfFile, options: SealJobOptions, call: CallMain, heavy: HeavyJobs): Promise<Buffer> {
  const { ses, ...o } = options;
  return sealPdf(input, {
    ...o,
    ...(heavy.valueFace ? { valueFace: heavy.valueFace } : {}),
    signingTime: new Date(o.signingTime),
    appearance: o.appearance.encoded
      ? { ...o.appearance, encoded: { rgb: asBuffer(o.appearance.encoded.rgb), alpha: asBuffer(o.appearance.encoded.alpha) } }
      : { ...o.appearance, rgba: asBuffer(o.appearance.rgba) },
    signer: {
      certificates: o.signer.certificates.map(asBuffer), keyAlgorithm: o.signer.keyAlgorithm, digest: o.signer.digest,
      sign: async (data) => asBuffer(await call({ name: 'sign', data })),
    },
    // An SES_Signature is signed by the seal's signer (the 'sign' call), like its CMS would be.
    ...(ses ? { ses: { certificate: asBuffer(ses.certificate), seseal: asBuffer(ses.seseal) } } : {}),
    timestamper: o.timestamper !== false ? timestamperProxy(o.timestamper, call) : undefined,
    revocation: o.revocation ? async (cert: Buffer, issuer: Buffer) => revocationReply(await call({ name: 'revocation', cert, issuer })) : undefined,
    extraCertificates: o.extraCertificates?.map(asBuffer),
  });
}

/**
 * One proxy per main-thread timestamper, kept across jobs (a worker runs one job at a time, so the proxy calls
 * through the current job's port): the token size learnt for it stays cached.
 */
const proxies = new Lru<number, { timestamper: Timestamper; call: CallMain }>(16);
function timestamperProxy(id: number, call: CallMain): Timestamper {
  let p = proxies.get(id);
  if (!p) {
    const entry: { timestamper: Timestamper; call: CallMain } = {
      call,
      timestamper: async (imprint, hash) => asBuffer(await entry.call({ name: 'timestamp', imprint, hash })),
    };
    proxies.set(id, (p = entry));
  }
  p.call = call;
  return p.timestamper;
}

function revocationReply(v: unknown): { ocsp?: Buffer; crl?: Buffer } {
  const r = v as { ocsp?: Uint8Array; crl?: Uint8Array };
  return { ...(r.ocsp ? { ocsp: asBuffer(r.ocsp) } : {}), ...(r.crl ? { crl: asBuffer(r.crl) } : {}) };
}

/** Runs a job and answers its outcome as data (errors included), for the thread boundary. */
export async function outcomeOf(job: Job, call: CallMain, heavy: HeavyJobs = {}): Promise<Outcome> {
  try {
    return { ok: true, value: await runJob(job, call, heavy) };
  } catch (e) {
    return { ok: false, error: serializeError(e) };
  }
}
