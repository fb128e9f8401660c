import { pino } from 'pino';
import { createUserWithToken } from '../../src/auth/tokens.js';
import type { Role } from '../../src/auth/roles.js';
import { FixedClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { ServiceContext } from '../../src/context.js';
import type { Db } from '../../src/store/db.js';
import { MemoryState } from '../../src/store/memory-state.js';
import type { SharedState } from '../../src/store/shared-state.js';

export interface TestContextOptions {
  db: Db;
  state?: SharedState;
  env?: Record<string, string>;
  clock?: FixedClock;
}

/** A ServiceContext on the given storage, silent logs, a clock the test controls. */
export function testContext(opts: TestContextOptions): ServiceContext & { clock: FixedClock } {
  const clock = opts.clock ?? new FixedClock(new Date('2026-11-25T08:00:00Z'));
  const config: Config = loadConfig({ SEAL_DATA_DIR: '/nonexistent-test-data', ...opts.env });
  return {
    config,
    db: opts.db,
    state: opts.state ?? new MemoryState(clock),
    clock,
    logger: pino({ level: 'silent' }),
  };
}

export async function makeUser(db: Db, role: Role, unitId: string | null = null, name = `${role} user`) {
  return db.transaction((tx) => createUserWithToken(tx, { name, role, unitId }));
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
