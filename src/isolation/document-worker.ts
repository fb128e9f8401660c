/**
 * The body of a document worker (a piscina worker thread): runs one job at a time on untrusted bytes. Calls back
 * to the main thread over the job's own MessagePort for what must not happen here (signing with the seal's key,
 * time-stamps, revocation data, fetching) and to hand over parser warnings for the service's logger.
 */
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { adoptReceivedDocument } from '../pdf/incremental-writer.js';
import { setParserWarningSink } from '../pdf/parser-warnings.js';
import type { Job, Outcome, ToMain, ToWorker } from './jobs.js';
import { deserializeError, outcomeOf } from './run-job.js';

/** Results this large go back to the main thread by transfer, not by copy (small Buffers may share Node's pool). */
const TRANSFER_FROM = 64 * 1024;

/**
 * The outcome as piscina posts it: a sealed, extended or handed-over examined document's ArrayBuffer is
 * transferred (the worker holds no other view of it), so the document is not copied on its way back.
 */
function movable(outcome: Outcome): Outcome | object {
  const v = outcome.ok ? outcome.value : undefined;
  // a sealed document, or an extended or examined one ({ pdf, ... })
  const pdf = v instanceof Uint8Array ? v : (v as { pdf?: unknown } | undefined)?.pdf instanceof Uint8Array ? (v as { pdf: Uint8Array }).pdf : undefined;
  if (!pdf || pdf.byteLength < TRANSFER_FROM) return outcome;
  const transferable = { [Piscina.transferableSymbol]: [pdf.buffer], [Piscina.valueSymbol]: outcome };
  return Piscina.move(transferable as unknown as Parameters<typeof Piscina.move>[0]);
}

export default async function documentJob(task: { job: Job; port: MessagePort }): Promise<Outcome | object> {
  const { port } = task;
  // A document to seal arrived as this thread's own copy with the sender's spare room after it: sealed in place.
  const job = task.job.kind === 'seal' ? { ...task.job, bytes: adoptReceivedDocument(task.job.bytes) ?? task.job.bytes } : task.job;
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
    return movable(await outcomeOf(job, call));
  } finally {
    port.close();
  }
}
