/**
 * The body of a document worker (a piscina worker thread): runs one job at a time on untrusted bytes. Calls back
 * to the main thread over the job's own MessagePort for what must not happen here (signing with the seal's key,
 * time-stamps, revocation data, fetching) and to hand over parser warnings for the service's logger.
 */
import type { MessagePort } from 'node:worker_threads';
import { adoptReceivedDocument } from '../pdf/incremental-writer.js';
import { setParserWarningSink } from '../pdf/parser-warnings.js';
import { examineForSealing } from '../placement/index.js';
import { MOVED, type Job, type Outcome, type ToMain, type ToWorker } from './jobs.js';
import { deserializeError } from './job-errors.js';
import { outcomeOf } from './run-job.js';
import { valueFace } from './value-face.js';

export default async function documentJob(task: { job: Job; port: MessagePort }): Promise<Outcome> {
  const { port } = task;
  // A document to seal arrived as this thread's own copy with the sender's spare room after it: sealed in place.
  const job = task.job.kind === 'seal' || task.job.kind === 'examine-seal'
    ? { ...task.job, bytes: adoptReceivedDocument(task.job.bytes) ?? task.job.bytes } : task.job;
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  port.on('message', (m: ToWorker) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(deserializeError(m.error));
  });
  const send = (m: ToMain) => port.postMessage(m);
  const call = (c: Parameters<typeof outcomeOf>[1] extends (x: infer C) => unknown ? C : never) =>
    new Promise<unknown>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      send({ type: 'call', id, call: c });
    });
  setParserWarningSink((message) => send({ type: 'call', id: -1, call: { name: 'warning', message } }));
  send({ type: 'started' });
  try {
    const outcome = await outcomeOf(job, call, { examine: examineForSealing, valueFace });
    // A sealed (or examined and sealed) or extended document is moved to the main thread rather than copied.
    const doc = !outcome.ok ? undefined : outcome.value instanceof Uint8Array ? outcome.value
      : (outcome.value as { pdf?: unknown } | null)?.pdf instanceof Uint8Array ? (outcome.value as { pdf: Uint8Array }).pdf : undefined;
    if (outcome.ok && doc && movable(doc)) {
      port.postMessage({ type: 'document', bytes: doc } satisfies ToMain, [doc.buffer as ArrayBuffer]);
      return { ok: true, value: outcome.value instanceof Uint8Array ? MOVED : { ...(outcome.value as object), pdf: MOVED } };
    }
    return outcome;
  } finally {
    port.close();
  }
}

/** A buffer that owns its memory (not a slice of Node's shared pool) can be transferred. */
function movable(b: Uint8Array): boolean {
  return b.byteLength >= 64 * 1024 && b.buffer instanceof ArrayBuffer && b.buffer.byteLength >= b.byteLength;
}
