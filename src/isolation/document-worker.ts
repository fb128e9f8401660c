/**
 * The body of a document worker (a piscina worker thread): runs one job at a time on untrusted bytes. Calls back
 * to the main thread over the job's own MessagePort for what must not happen here (signing with the seal's key,
 * time-stamps, revocation data, fetching) and to hand over parser warnings for the service's logger.
 */
import type { MessagePort } from 'node:worker_threads';
import { setParserWarningSink } from '../pdf/parser-warnings.js';
import type { Job, Outcome, ToMain, ToWorker } from './jobs.js';
import { deserializeError, outcomeOf } from './run-job.js';

export default async function documentJob(task: { job: Job; port: MessagePort }): Promise<Outcome> {
  const { job, port } = task;
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
    return await outcomeOf(job, call);
  } finally {
    port.close();
  }
}
