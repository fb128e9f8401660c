import { describe, expect, it } from 'vitest';
import { toAppError } from '../../src/http/problem.js';
import { openPg } from '../../src/store/pg.js';
import { openRedisState } from '../../src/store/redis-state.js';
import { SharedStateUnavailableError, StorageUnavailableError } from '../../src/store/unavailable.js';
import { freePort } from '../helpers/processes.js';

/** A store that is not there fails fast with a 503-shaped error, never a hang or a 500. */
describe('backing stores that cannot be reached', () => {
  it('PostgreSQL refusing connections: StorageUnavailableError (503) within a second', async () => {
    const port = await freePort(); // nothing listens there
    const t0 = performance.now();
    const err = await openPg(`postgres://postgres@127.0.0.1:${port}/none`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect(toAppError(err)).toMatchObject({ status: 503, type: 'storage-unavailable' });
  });

  it('a driver error of the connection class that reaches the HTTP layer unwrapped is 503 too', () => {
    for (const e of [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), new Error('Connection terminated unexpectedly')]) {
      expect(toAppError(e)).toMatchObject({ status: 503, type: 'storage-unavailable' });
    }
    // a query the server answered with an error is not an outage
    expect(toAppError(Object.assign(new Error('duplicate key'), { code: '23505' })).status).toBe(500);
  });

  it('Redis not there: the service still starts, every call fails at once with SharedStateUnavailableError (503)', async () => {
    const port = await freePort();
    const t0 = performance.now();
    const state = await openRedisState(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 500 });
    expect(performance.now() - t0).toBeLessThan(2_000);
    const calls = [
      () => state.get('k'),
      () => state.set('k', Buffer.from('v'), 1000),
      () => state.setIfAbsent('k', Buffer.from('v'), 1000),
      () => state.delete('k'),
      () => state.increment('k', 1000),
    ];
    for (const c of calls) {
      const t = performance.now();
      const err = await c().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SharedStateUnavailableError);
      expect(performance.now() - t).toBeLessThan(100);
      expect(toAppError(err)).toMatchObject({ status: 503, type: 'shared-state-unavailable' });
    }
    await state.close();
  });
});
