/**
 * One document job in a worker thread of its own, for the offline CLI (`seal verify`, `seal sign`,
 * `seal extend`): the same limits as the service, with a deadline (--timeout) after which the worker is
 * terminated and the command ends with exit 1 and the reason, never a hang. No pool library: the one-file
 * verifier bundle uses this too, starting ITSELF as the worker (a command module calls `serveOneShotJob()` at
 * load, which in such a worker runs the job handed over in workerData).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { AppError } from '../errors.js';
import { setParserWarningSink } from '../pdf/parser-warnings.js';
import type { Callback, Outcome } from './jobs.js';
import type { HeavyJobs } from './run-job.js';
import { answer, settle, stopped, type JobWithFunctions } from './main-thread.js';
import { deserializeError, serializeError } from './job-errors.js';
import { SCRIPT_WORKER_CODE, type WorkerScript } from './script-worker.js';

const KEY = 'e-seal-one-shot-job';

type FromWorker = { type: 'call'; id: number; call: Callback } | { type: 'outcome'; outcome: Outcome };
type ToWorker = { type: 'reply'; id: number; ok: boolean; value?: unknown; error?: ReturnType<typeof serializeError> };

/** Whether this thread is a one-shot worker (then the job is started; the module loading it should do nothing else). */
export function serveOneShotJob(heavy: HeavyJobs = {}, hooks: { beforeOutcome?: () => void } = {}): boolean {
  const data = workerData as Record<string, unknown> | null;
  if (isMainThread || !parentPort || !data || data[KEY] === undefined) return false;
  const port = parentPort;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  port.on('message', (m: ToWorker) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(deserializeError(m.error!));
  });
  const call = (c: Callback) => new Promise<unknown>((resolve, reject) => {
    const id = next++;
    pending.set(id, { resolve, reject });
    port.postMessage({ type: 'call', id, call: c } satisfies FromWorker);
  });
  setParserWarningSink(() => {}); // the CLI prints results, not parser chatter
  void runHere(data[KEY] as JobWithFunctions['job'], call, heavy).then((outcome) => {
    // Before the outcome: the main thread ends this worker as soon as it has it.
    try { hooks.beforeOutcome?.(); } catch { /* the job's answer matters more */ }
    port.postMessage({ type: 'outcome', outcome } satisfies FromWorker);
  });
  return true;
}

/**
 * Runs a job on this thread. run-job.ts (and with it pdf-lib, pkijs, the whole verifier) is loaded here, when a job
 * runs, not when a command module is: the CLI's main thread, which only hands the job to its worker, then never
 * evaluates them (half of `seal verify`'s start-up was both threads evaluating the same libraries).
 */
async function runHere(job: JobWithFunctions['job'], call: (c: Callback) => Promise<unknown>, heavy: HeavyJobs): Promise<Outcome> {
  const { outcomeOf } = await import('./run-job.js');
  return outcomeOf(job, call, heavy);
}

export interface OneShotLimits { timeoutSeconds: number; memoryMb: number }

/**
 * Runs the job in a new worker started from `entry` (a module that calls serveOneShotJob() when loaded), and
 * answers its calls with the functions that stay on this thread. Past the deadline or the memory limit: 422
 * `document-too-complex` naming the limit.
 * With `start.script` (a one-file CommonJS build of the job runner that exports serveOneShotJob: the offline verifier
 * embeds one), the worker runs that instead, compiled from V8's code cache (src/isolation/script-worker.ts).
 */
export function runOneShot<T>(entry: string | undefined, x: JobWithFunctions, limits: OneShotLimits, start: { script?: WorkerScript } = {}): Promise<T> {
  const url = start.script ? undefined : moduleFile(entry);
  // No module file to start a worker from (the verifier's V8 start-up snapshot): on this thread, with the same
  // limits in the parsers but no deadline of its own.
  if (!url && !start.script) return runHere(x.job, (c) => answer(c, x.fns), {}).then((o) => settle<T>(o));
  return new Promise<T>((resolve, reject) => {
    // The worker's code runs the script, or imports the module (a .ts one after registering tsx, as in tests and `tsx` runs).
    const code = !url ? SCRIPT_WORKER_CODE : url.pathname.endsWith('.ts')
      ? `import(${JSON.stringify(tsxFrom('tsx/esm/api'))}).then((t) => t.register()).then(() => import(${JSON.stringify(url.href)}))`
      : `import(${JSON.stringify(url.href)})`;
    const worker = new Worker(code, {
      eval: true,
      workerData: { [KEY]: x.job, ...(start.script ? { script: start.script } : {}) },
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb, stackSizeMb: 4 },
    });
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      f();
    };
    const timer = setTimeout(() => finish(() => reject(stopped('deadline', limits.timeoutSeconds))), limits.timeoutSeconds * 1000);
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'outcome') {
        finish(() => { try { resolve(settle<T>(m.outcome)); } catch (e) { reject(e); } });
        return;
      }
      answer(m.call, x.fns).then(
        (value) => worker.postMessage({ type: 'reply', id: m.id, ok: true, value } satisfies ToWorker),
        (e) => worker.postMessage({ type: 'reply', id: m.id, ok: false, error: serializeError(e) } satisfies ToWorker),
      );
    });
    worker.on('error', (e) => finish(() => reject(
      (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? stopped('memory', limits.memoryMb) : e instanceof AppError ? e : e,
    )));
    worker.on('exit', (code) => finish(() => reject(new Error(`the document worker ended (exit ${code}) without an answer`))));
  });
}

/** The module at `entry` (a command's import.meta.url) when it is a file a worker can load. */
function moduleFile(entry: string | undefined): URL | undefined {
  try {
    const u = new URL(entry ?? '');
    return u.protocol === 'file:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** --timeout SECONDS from a command's arguments (removed from them); the default when absent. */
export function timeoutOption(args: string[], dflt = 120): { args: string[]; timeoutSeconds: number } | { error: string } {
  const out: string[] = [];
  let timeoutSeconds = dflt;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--timeout' || a.startsWith('--timeout=')) {
      const v = a === '--timeout' ? args[++i] : a.slice('--timeout='.length);
      const n = Number(v);
      if (!v || !Number.isFinite(n) || n <= 0 || n > 86_400) return { error: '--timeout needs a number of seconds' };
      timeoutSeconds = n;
    } else out.push(a);
  }
  return { args: out, timeoutSeconds };
}

/** Heap of a CLI document worker (MB). */
export const CLI_WORKER_MEMORY_MB = 1024;

/**
 * tsx, found from this module rather than from the working directory (a worker resolves bare names from the
 * process's cwd, which may be any folder when `seal` runs from the sources).
 */
export const tsxFrom = (specifier: 'tsx' | 'tsx/esm/api'): string => import.meta.resolve(specifier);
