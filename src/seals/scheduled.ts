import type { Actor } from './actor.js';
import type { RegisterDeps } from './deps.js';
import { applyDueRenames } from './units.js';

/**
 * Work the calendar brings, run by every instance on a timer; each piece is claimed by a
 * conditional update, so whichever instance gets there first does it, and only once.
 * - renames whose effective date (Asia/Shanghai) has come take effect (Art. 18(3));
 * - retired department sub-CAs get their last CRL, then their keys destroyed.
 */
export const SCHEDULER: Actor = { principal: { userId: 'system:scheduler', name: 'scheduled job', role: 'municipal-admin', unitId: null } };

export async function runScheduledJobs(deps: RegisterDeps): Promise<{ renamesApplied: number }> {
  const renamesApplied = await applyDueRenames(deps, SCHEDULER);
  await deps.maker.finishRetirements();
  return { renamesApplied };
}

/** Runs the jobs now and then every `everyMs`, one run at a time; returns a stop function. */
export function startScheduledJobs(deps: RegisterDeps, everyMs: number, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = runScheduledJobs(deps)
      .catch(onError)
      .finally(() => (running = null));
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
