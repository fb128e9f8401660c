/**
 * 文档隔离 document isolation: every untrusted document is parsed, sealed, verified and extended in a pool of
 * worker threads (piscina), never on the main thread (DESIGN.md, "Untrusted documents"). Each worker has
 * `resourceLimits` (heap, stack) and each job a deadline counted from when a worker starts it; a worker that runs
 * over is terminated and replaced (piscina does both on abort), and the request gets 422 `document-too-complex`
 * naming the limit. The main thread stays free, so /healthz answers within milliseconds throughout.
 *
 * `resourceLimits` does not bound Buffers: inflate and allocation caps are enforced in the parsers themselves
 * (src/limits.ts). Imprint images are not processed here: sharp bounds them itself (limitInputPixels, timeout).
 *
 * The functions a job needs that must stay on the main thread (the KeyVault's signing, the TSA, our CA's
 * revocation data, fetching) are passed as `MainThreadFunctions` and called by the worker over the job's port.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { tsxFrom } from './one-shot.js';
import { AppError } from '../errors.js';
import type { ExtendOptions, ExtendResult } from '../pdf/extend.js';
import { isDocumentBuffer } from '../pdf/incremental-writer.js';
import type { SealPdfOptions } from '../pdf/seal.js';
import { examineForSealing, type Examination, type ExamineRequest } from '../placement/index.js';
import type { VerificationReport, VerifyOptions } from '../verify/types.js';
import { MOVED, type Job, type Outcome, type ToMain, type ToWorker } from './jobs.js';
import { answer, examineSealJob, extendJob, sealJob, settle, stopped, verifyJob, type MainThreadFunctions } from './main-thread.js';
import { serializeError } from './job-errors.js';
import { outcomeOf } from './run-job.js';
import { valueFace } from './value-face.js';

export interface DocumentWorkerSettings {
  /** Worker threads (SEAL_DOCUMENT_WORKERS); default: the machine's cores. */
  size: number;
  /** Seconds a job may run once a worker has started it (SEAL_DOCUMENT_DEADLINE_SECONDS). */
  deadlineSeconds: number;
  /** Heap of one worker in MB (SEAL_DOCUMENT_WORKER_MEMORY_MB). */
  memoryMb: number;
}

export const defaultDocumentWorkerSettings = (): DocumentWorkerSettings => ({ size: availableParallelism(), deadlineSeconds: 60, memoryMb: 512 });

/** The document operations, wherever they run. */
export interface DocumentWorkers {
  verify(bytes: Uint8Array, opts: VerifyOptions): Promise<VerificationReport>;
  examine(bytes: Uint8Array, request: ExamineRequest): Promise<Examination>;
  /**
   * A sealing as the service does it, in one job on one worker: the document is read once, examined, and sealed
   * from the same reading. `then` gets the examination and answers the sealing's options, or throws to refuse
   * the sealing (nothing is then signed or time-stamped; the error thrown is the one the caller gets). With
   * `handOver`, a document made by documentBuffer goes to the worker by transfer, not copy (the caller's `bytes`
   * are then empty) and comes back sealed in place.
   */
  examineAndSeal(bytes: Uint8Array, request: ExamineRequest, then: (examination: Examination) => Promise<SealPdfOptions>,
    handOver?: { handOver: true }): Promise<{ examination: Examination; pdf: Buffer }>;
  /**
   * With `handOver`, a document made by documentBuffer goes to the worker by transfer, not copy: the caller's
   * `bytes` are then empty, and the sealed document that comes back holds them (an incremental update leaves
   * the document's bytes as they were, before it).
   */
  seal(bytes: Uint8Array, opts: SealPdfOptions, handOver?: { handOver: true }): Promise<Buffer>;
  extend(bytes: Uint8Array, opts: ExtendOptions): Promise<ExtendResult>;
  close(): Promise<void>;
}

/** Whether this module runs from TypeScript sources (tests, tsx): the worker then needs tsx to load. */
const fromSources = import.meta.url.endsWith('.ts');

export function documentWorkerPool(settings: DocumentWorkerSettings, log?: (message: string) => void): DocumentWorkers {
  const pool = new Piscina({
    filename: fileURLToPath(new URL(`./document-worker.${fromSources ? 'ts' : 'js'}`, import.meta.url)),
    minThreads: 1,
    maxThreads: Math.max(1, settings.size),
    // Idle workers beyond the first are ended after a minute; a fresh worker costs ~100 ms to start.
    idleTimeout: 60_000,
    resourceLimits: { maxOldGenerationSizeMb: settings.memoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, settings.memoryMb / 8)), stackSizeMb: 4 },
    ...(fromSources ? { execArgv: ['--import', tsxFrom('tsx')] } : {}),
  });

  async function run<T>(job: Job, fns: MainThreadFunctions, transfer: ArrayBuffer[] = []): Promise<T> {
    const { port1, port2 } = new MessageChannel();
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let moved: ((b: Uint8Array) => void) | undefined;
    const document = new Promise<Uint8Array>((resolve) => { moved = resolve; });
    port1.on('message', (m: ToMain) => {
      if (m.type === 'document') { moved?.(m.bytes); return; }
      if (m.type === 'started') {
        timer = setTimeout(() => abort.abort(), settings.deadlineSeconds * 1000);
        return;
      }
      const reply = (r: ToWorker) => { try { port1.postMessage(r); } catch { /* the worker is gone */ } };
      answer(m.call, { ...fns, warning: (w) => log?.(w) }).then(
        (value) => m.id >= 0 && reply({ type: 'reply', id: m.id, ok: true, value }),
        (e) => m.id >= 0 && reply({ type: 'reply', id: m.id, ok: false, error: serializeError(e) }),
      );
    });
    try {
      const outcome = (await pool.run({ job, port: port2 }, { transferList: [port2, ...transfer], signal: abort.signal })) as Outcome;
      // The document came on the job's port (moved, not copied); the two channels are not ordered with each other.
      if (outcome.ok && outcome.value === MOVED) return (await document) as T;
      if (outcome.ok && (outcome.value as { pdf?: unknown } | null)?.pdf === MOVED) return { ...(outcome.value as object), pdf: await document } as T;
      return settle<T>(outcome);
    } catch (e) {
      if (e instanceof AppError) throw e;
      if (abort.signal.aborted) throw stopped('deadline', settings.deadlineSeconds);
      if ((e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') throw stopped('memory', settings.memoryMb);
      throw e;
    } finally {
      clearTimeout(timer);
      port1.close();
    }
  }

  return {
    verify: (bytes, opts) => { const { job, fns } = verifyJob(bytes, opts); return run(job, fns); },
    examine: (bytes, request) => run({ kind: 'examine', bytes, request }, {}),
    examineAndSeal: (bytes, request, then, handOver) => refusedAsThrown(then, async (guarded) => {
      const transfer = handOver && isDocumentBuffer(bytes) ? [bytes.buffer as ArrayBuffer] : [];
      const r = await run<{ examination: Examination; pdf: Uint8Array }>(...spread(examineSealJob(bytes, request, guarded)), transfer);
      return { examination: r.examination, pdf: asBuffer(r.pdf) };
    }),
    seal: async (bytes, opts, handOver) => {
      const transfer = handOver && isDocumentBuffer(bytes) ? [bytes.buffer as ArrayBuffer] : [];
      return asBuffer(await run<Uint8Array>(...spread(sealJob(bytes, opts)), transfer));
    },
    extend: async (bytes, opts) => {
      const r = await run<ExtendResult>(...spread(extendJob(bytes, opts)));
      return { ...r, pdf: asBuffer(r.pdf) };
    },
    close: () => pool.destroy(),
  };
}

/**
 * The error a caller's `then` threw, as it threw it (not as it came back across the thread boundary, as data): the
 * job ends with it, since the worker rethrows it.
 */
async function refusedAsThrown<E, O, T>(then: (e: E) => Promise<O>, job: (guarded: (e: E) => Promise<O>) => Promise<T>): Promise<T> {
  let refusal: { error: unknown } | undefined;
  const guarded = async (e: E): Promise<O> => {
    try {
      return await then(e);
    } catch (error) {
      refusal = { error };
      throw error;
    }
  };
  try {
    return await job(guarded);
  } catch (e) {
    if (refusal) throw refusal.error;
    throw e;
  }
}

const spread = (x: { job: Job; fns: MainThreadFunctions }): [Job, MainThreadFunctions] => [x.job, x.fns];

/** A document that came back from a worker (transferred: this thread's alone) as a Buffer, without a copy. */
const asBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

/**
 * The same operations on this thread, for the offline verifier bundle (which carries no pool): the same limits,
 * no deadline of its own (the CLI sets one around the whole process).
 */
export function inProcessDocuments(): DocumentWorkers {
  const run = async <T>(x: { job: Job; fns: MainThreadFunctions }): Promise<T> =>
    settle<T>(await outcomeOf(x.job, (c) => answer(c, x.fns), { examine: examineForSealing, valueFace }));
  return {
    verify: (bytes, opts) => run(verifyJob(bytes, opts)),
    examine: (bytes, request) => run({ job: { kind: 'examine', bytes, request }, fns: {} }),
    examineAndSeal: (bytes, request, then) => refusedAsThrown(then, async (guarded) => {
      const r = await run<{ examination: Examination; pdf: Uint8Array }>(examineSealJob(bytes, request, guarded));
      return { examination: r.examination, pdf: asBuffer(r.pdf) };
    }),
    seal: (bytes, opts) => run(sealJob(bytes, opts)),
    extend: (bytes, opts) => run(extendJob(bytes, opts)),
    close: async () => {},
  };
}

let shared: DocumentWorkers | undefined;
let sharedSettings: DocumentWorkerSettings = defaultDocumentWorkerSettings();
let sharedLog: ((m: string) => void) | undefined;

/** Settings for the process's pool (the composition root calls this before the first document arrives). */
export function configureDocumentWorkers(settings: DocumentWorkerSettings, log?: (message: string) => void): void {
  const changed = JSON.stringify(settings) !== JSON.stringify(sharedSettings);
  sharedSettings = settings;
  sharedLog = log;
  // A pool started with other settings is retired (its running jobs finish); the next document starts a new one.
  if (changed && shared) void closeDocumentWorkers();
}

/** The process's document pool, started on first use. */
export function documentWorkers(): DocumentWorkers {
  shared ??= documentWorkerPool(sharedSettings, sharedLog);
  return shared;
}

/** Stops the process's pool (service shutdown). */
export async function closeDocumentWorkers(): Promise<void> {
  const s = shared;
  shared = undefined;
  await s?.close();
}
