/**
 * The main thread's side of a document job, wherever the job runs (the service's pool, the CLI's one-shot
 * worker, in-process): the job built from the friendly options, the functions that stay on this thread, the
 * answer to each call a worker makes, and the job's outcome revived. No worker library here: the offline
 * verifier bundle uses it too.
 */
import { LimitExceeded, type Limit } from '../limits.js';
import type { DigestName, RevocationSource, Timestamper } from '../pdf/cms.js';
import type { ExtendOptions } from '../pdf/extend.js';
import type { SealPdfOptions } from '../pdf/seal.js';
import type { Examination, ExamineRequest } from '../placement/index.js';
import type { VerifyOptions } from '../verify/types.js';
import type { Callback, FetchReply, Job, Outcome, SealJobOptions } from './jobs.js';
import { deserializeError } from './job-errors.js';

export interface MainThreadFunctions {
  sign?: (data: Uint8Array) => Promise<Buffer>;
  timestamp?: Timestamper;
  revocation?: RevocationSource;
  fetch?: typeof fetch;
  warning?: (message: string) => void;
  /** An examine-seal job's examination in, its sealing's options out (or thrown: the sealing is refused). */
  examined?: (examination: Examination) => Promise<SealJobOptions>;
}

/** Answers one call from a worker with the main thread's functions. */
export async function answer(call: Callback, fns: MainThreadFunctions): Promise<unknown> {
  const missing = () => new Error(`the job has no ${call.name} function`);
  switch (call.name) {
    case 'sign': if (!fns.sign) throw missing(); return fns.sign(Buffer.from(call.data));
    case 'timestamp': if (!fns.timestamp) throw missing(); return fns.timestamp(Buffer.from(call.imprint), call.hash);
    case 'revocation': if (!fns.revocation) throw missing(); return fns.revocation(Buffer.from(call.cert), Buffer.from(call.issuer));
    case 'fetch': {
      if (!fns.fetch) throw missing();
      const res = await fns.fetch(call.url, {
        ...(call.method ? { method: call.method } : {}), ...(call.headers ? { headers: call.headers } : {}),
        ...(call.body ? { body: Uint8Array.from(call.body) } : {}), signal: AbortSignal.timeout(10_000),
      });
      const reply: FetchReply = { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: new Uint8Array(await res.arrayBuffer()) };
      return reply;
    }
    case 'warning': fns.warning?.(call.message); return undefined;
    case 'examined': if (!fns.examined) throw missing(); return fns.examined(call.examination);
  }
}

/** What a job needs from the main thread, and the job itself, from the friendly options. */
export function sealJob(bytes: Uint8Array, opts: SealPdfOptions): { job: Job; fns: MainThreadFunctions } {
  const { options, fns } = sealJobOptions(opts);
  return { job: { kind: 'seal', bytes, options }, fns };
}

/** The sealing options as plain data for the worker, and the functions that stay on this thread. */
function sealJobOptions(opts: SealPdfOptions): { options: SealJobOptions; fns: MainThreadFunctions } {
  // Functions cannot cross to the worker: signing (CMS or SES, both by the seal's signer), time-stamps and revocation data are called back.
  const { signer, timestamper, revocation, ses, ...rest } = opts;
  return {
    options: {
      ...rest, signer: { certificates: signer.certificates, keyAlgorithm: signer.keyAlgorithm, digest: signer.digest },
      timestamper: timestamper ? timestamperId(timestamper) : false, revocation: revocation !== undefined,
      ...(ses ? { ses: { certificate: ses.certificate, seseal: ses.seseal } } : {}),
    },
    fns: {
      sign: (d) => signer.sign(d),
      ...(timestamper ? { timestamp: timestamper } : {}), ...(revocation ? { revocation } : {}),
    },
  };
}

/**
 * One job that examines and seals (the document handed over and read once): `then` gets the examination and
 * answers the sealing's options, or throws to refuse the sealing before anything is signed or time-stamped. The
 * functions the sealing needs (signing, time-stamps, revocation data) join the job's functions when it answers.
 */
export function examineSealJob(bytes: Uint8Array, request: ExamineRequest, then: (examination: Examination) => Promise<SealPdfOptions>): JobWithFunctions {
  const fns: MainThreadFunctions = {
    examined: async (examination) => {
      const { options, fns: sealing } = sealJobOptions(await then(examination));
      Object.assign(fns, sealing);
      return options;
    },
  };
  return { job: { kind: 'examine-seal', bytes, request }, fns };
}

export function verifyJob(bytes: Uint8Array, opts: VerifyOptions): { job: Job; fns: MainThreadFunctions } {
  return {
    job: {
      kind: 'verify', bytes, trustAnchors: opts.trustAnchors.map((a) => Buffer.from(a)), online: !!opts.online,
      ...(opts.now ? { now: opts.now.getTime() } : {}), ...(opts.allowRsa !== undefined ? { allowRsa: opts.allowRsa } : {}),
      ...(opts.evidence ? { evidence: opts.evidence } : {}),
    },
    fns: opts.online ? { fetch: opts.online.fetch } : {},
  };
}

export function extendJob(bytes: Uint8Array, opts: ExtendOptions): { job: Job; fns: MainThreadFunctions } {
  return {
    job: {
      kind: 'extend', bytes, ...(opts.digest ? { digest: opts.digest as DigestName } : {}),
      ...(opts.extraCertificates ? { extraCertificates: opts.extraCertificates } : {}),
      ...(opts.issuerCertificates ? { issuerCertificates: opts.issuerCertificates } : {}),
      ...(opts.writeOptions ? { writeOptions: opts.writeOptions } : {}),
    },
    fns: { revocation: opts.revocation, timestamp: opts.timestamper },
  };
}

export const deadlineLimit = (seconds: number): Limit => ({
  name: 'processing-time', value: seconds, scope: 'document',
  why: 'a real document is read, sealed or verified in well under a second; a job still running after the deadline is stopped so its worker serves others',
});
export const memoryLimit = (mb: number): Limit => ({
  name: 'worker-memory', value: mb, scope: 'document',
  why: 'the heap of one document worker; real documents need a few tens of MB',
});

/** Revives a job's outcome: its value, or its error rethrown on this thread. */
export function settle<T>(o: Outcome): T {
  if (o.ok) return o.value as T;
  throw deserializeError(o.error);
}


const timestamperIds = new WeakMap<Timestamper, number>();
let nextTimestamperId = 1;
/**
 * A number for a timestamper function, the same every time: the worker keeps one proxy per number, so the token
 * size it learns with a trial request (src/pdf/timestamp-size.ts, cached per timestamper) is learnt once, as it
 * is in-process, not once per job.
 */
function timestamperId(t: Timestamper): number {
  let id = timestamperIds.get(t);
  if (id === undefined) timestamperIds.set(t, (id = nextTimestamperId++));
  return id;
}

export type JobWithFunctions = { job: Job; fns: MainThreadFunctions };

/** The error for a job stopped at its deadline or by its memory limit. */
export function stopped(kind: 'deadline' | 'memory', value: number): LimitExceeded {
  return kind === 'deadline'
    ? new LimitExceeded(deadlineLimit(value), 'the time the document takes to process')
    : new LimitExceeded(memoryLimit(value), 'the memory the document takes to process');
}
