import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

/**
 * One process at a time on an embedded database directory. PGlite takes no lock of its own: a second process
 * (`seal token create` while the service runs) opens the same files, writes, and its writes are lost when the
 * service next flushes. So whoever opens the directory first writes its pid beside it; a second opener while
 * that process lives is refused with one line that says who holds it. A lock left by a process that died is
 * taken over.
 */
export class DatabaseInUseError extends Error {
  constructor(readonly path: string, readonly pid: number) {
    super(`the embedded database ${path} is in use by process ${pid} (a running service): stop it first, or go through the service over HTTP`);
    this.name = 'DatabaseInUseError';
  }
}

export interface DirLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<dir>.lock` for this process, or throws DatabaseInUseError when a live process holds it. */
export function lockDirectory(dir: string): DirLock {
  const file = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = NaN;
    try {
      holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
    } catch {
      /* removed meanwhile: try again */
    }
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) throw new DatabaseInUseError(dir, holder);
    // A stale lock (its process is gone), or this process's own from an earlier open that was not closed.
    rmSync(file, { force: true });
  }
  throw new Error(`cannot lock ${dir}: ${file} keeps reappearing`);
}
