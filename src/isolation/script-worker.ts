/**
 * A one-shot document worker that runs a one-file CommonJS build of the job runner (the offline verifier embeds
 * one: scripts/build-verifier.mjs) compiled from V8's code cache, instead of loading the module graph.
 *
 * Why: `seal verify` is a whole process an auditor waits for, and its worker spent about as long compiling the
 * verifier (2 MB of JavaScript, then each function again the first time it runs) as verifying an 8 MB document.
 * V8's code cache holds the bytecode of every function that ran, so the next process skips both. Node 20 has no
 * compile cache for modules (module.enableCompileCache is Node 22), hence a script run through node:vm.
 *
 * The cache is kept only beside the file the script came from (the same trust as that file: bytecode is code), and
 * used only when this user owns it and no one else may write it (a verifier copied to a shared folder), with a
 * SHA-256 of its data (V8 would end the process on damaged data rather than refuse it),
 * written after the first job ran (so it holds what ran), atomically (a temporary file renamed); a folder the user
 * cannot write to just means compiling every time. It is used only for the very file it was made from (size,
 * modification time, inode) on the very Node binary (version, architecture, V8); V8 itself also refuses data made
 * by another V8 or with other flags, and then a fresh one is written.
 */
import { statSync } from 'node:fs';

/** What a one-shot worker is given to run: the script, the file it came from, and where its code cache is kept. */
export interface WorkerScript {
  source: string;
  /** The file the source was read from or embedded in (stack traces, require(), and the cache's stamp). */
  filename: string;
  cacheFile: string;
  /** Identifies that file and this Node binary: a cache made under another stamp is not used. */
  stamp: string;
}

/** The worker script `source` that was embedded in (or read from) `filename`, with its code cache beside it. */
export function workerScriptIn(filename: string, source: string): WorkerScript {
  const s = statSync(filename);
  return {
    source,
    filename,
    cacheFile: `${filename}.v8cache`,
    stamp: [s.size, s.mtimeMs, s.ino, process.version, process.arch, process.versions.v8].join('\0'),
  };
}

/**
 * The code a worker is started with (`new Worker(SCRIPT_WORKER_CODE, { eval: true, workerData: { script, … } })`):
 * runs workerData.script as Node runs a CommonJS file, then its serveOneShotJob() with a hook that writes the code
 * cache before the outcome goes back. Eval'd code, not a module file: the offline verifier is one file.
 */
export const SCRIPT_WORKER_CODE = `(${bootScriptWorker.toString()})(require);`;

/** Runs in the worker from its source text: it may use nothing but its parameter (no imports, no closures). */
function bootScriptWorker(load: NodeRequire): void {
  const { workerData, threadId } = load('node:worker_threads') as typeof import('node:worker_threads');
  const fs = load('node:fs') as typeof import('node:fs');
  const { Script } = load('node:vm') as typeof import('node:vm');
  const { createHash } = load('node:crypto') as typeof import('node:crypto');
  const { createRequire } = load('node:module') as typeof import('node:module');
  const { dirname } = load('node:path') as typeof import('node:path');
  const ws = (workerData as { script: WorkerScript }).script;
  // The file: the stamp's hash, the data's hash, the data. V8 does not check the data's integrity (a damaged cache
  // ends the process in a fatal error), so a file whose data does not match its hash is not used.
  const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();
  const key = sha256(ws.stamp);
  let cachedData: Buffer | undefined;
  let fd: number | undefined;
  try {
    // Only a cache this user wrote and no one else can change: in a shared folder (a verifier copied to /tmp) another
    // user could otherwise put bytecode of their own beside it, and V8 would run it in place of the verifier.
    fd = fs.openSync(ws.cacheFile, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const st = fs.fstatSync(fd);
    if (st.isFile() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0) {
      const c = fs.readFileSync(fd);
      const data = c.subarray(64);
      if (data.length && c.subarray(0, 32).equals(key) && c.subarray(32, 64).equals(sha256(data))) cachedData = data;
    }
  } catch {
    // no cache yet
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${ws.source}\n})`, {
    filename: ws.filename,
    ...(cachedData ? { cachedData } : {}),
  });
  const fromCache = cachedData !== undefined && !script.cachedDataRejected;
  const mod = { exports: {} as { serveOneShotJob?: (heavy: object, hooks: { beforeOutcome(): void }) => boolean } };
  (script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, createRequire(ws.filename), mod, ws.filename, dirname(ws.filename));
  if (typeof mod.exports.serveOneShotJob !== 'function') throw new Error(`the worker script in ${ws.filename} does not export serveOneShotJob`);
  mod.exports.serveOneShotJob({}, {
    beforeOutcome() {
      if (fromCache) return;
      const tmp = `${ws.cacheFile}.${process.pid}-${threadId}.tmp`;
      let created = false;
      try {
        const data = script.createCachedData();
        // 'wx': a new file or nothing (never through a link someone put at that name)
        const out = fs.openSync(tmp, 'wx', 0o644);
        created = true;
        try { fs.writeFileSync(out, Buffer.concat([key, sha256(data), data])); } finally { fs.closeSync(out); }
        fs.renameSync(tmp, ws.cacheFile);
      } catch {
        // A folder the user cannot write to, or a full disk: the next process compiles again.
        if (created) try { fs.rmSync(tmp, { force: true }); } catch { /* left for no one to use: not this user's cache name */ }
      }
    },
  });
}
