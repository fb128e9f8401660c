import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createUserWithToken } from '../../src/auth/tokens.js';
import type { Role } from '../../src/auth/roles.js';
import { FixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { ServiceContext } from '../../src/context.js';
import type { RequestListener } from 'node:http';
import { createApp, createRequestListener } from '../../src/http/app.js';
import { assembleContext } from '../../src/main.js';
import type { Db } from '../../src/store/db.js';
import { MemoryState } from '../../src/store/memory-state.js';
import type { SharedState } from '../../src/store/shared-state.js';

export interface TestServiceOptions {
  state?: SharedState;
  env?: Record<string, string>;
  clock?: FixedClock;
}

export interface TestService {
  ctx: ServiceContext & { clock: FixedClock };
  /** What the server listens with: the PKI front, then the Express app (supertest takes either). */
  app: RequestListener;
  /** The Express app alone (its routes, for the openapi.yaml check). */
  express: ReturnType<typeof createApp>;
  /** Serials the CA has revoked. */
  revokedSerials(): Promise<string[]>;
  /** True when the seal's private key material is gone from the vault. */
  keyDestroyed(sealId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The whole service (CA, register, HTTP app) on the given storage, silent logs, a clock the test controls. */
export async function testService(db: Db, opts: TestServiceOptions = {}): Promise<TestService> {
  const clock = opts.clock ?? new FixedClock(new Date('2026-11-25T08:00:00Z'));
  const config = loadConfig({ SEAL_DATA_DIR: '/nonexistent-test-data', SEAL_RATE_LIMIT_PER_MINUTE: '100000', SEAL_REFUSAL_AUDIT_PER_MINUTE: '100000', ...opts.env });
  const state = opts.state ?? new MemoryState(clock);
  const ctx = await assembleContext({ config, db, state, clock, logger: pino({ level: 'silent' }), kek: randomBytes(32) });
  const express = createApp(ctx);
  const app = createRequestListener({ ...ctx, clock }, express);
  return {
    ctx: { ...ctx, clock },
    app,
    express,
    async revokedSerials() {
      const { rows } = await db.query<{ serial: string }>('SELECT serial FROM ca_certificates WHERE revoked_at IS NOT NULL');
      return rows.map((r) => r.serial);
    },
    async keyDestroyed(sealId) {
      const { rows } = await db.query<{ wrapped_key: Uint8Array | null }>(
        'SELECT k.wrapped_key FROM seals s JOIN vault_keys k ON k.key_id = s.key_id WHERE s.id = $1',
        [sealId],
      );
      if (!rows[0]) throw new Error(`no seal ${sealId}`);
      return rows[0].wrapped_key === null;
    },
    async close() {
      await ctx.checkpointer.stop();
      await ctx.ca.close();
      await state.close();
      await db.close();
    },
  };
}

export async function makeUser(db: Db, role: Role, unitId: string | null = null, name = `${role} user`) {
  return db.transaction((tx) => createUserWithToken(tx, { name, role, unitId }));
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
