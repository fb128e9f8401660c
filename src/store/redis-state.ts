import { createClient, RESP_TYPES } from 'redis';
import type { SharedState } from './shared-state.js';

/** SharedState on Redis (REDIS_URL), shared by every instance. Keys are prefixed so one Redis can serve several deployments. */
export async function openRedisState(url: string, prefix = 'seal:'): Promise<SharedState> {
  const client = createClient({ url, socket: { connectTimeout: 5_000, reconnectStrategy: (n) => Math.min(n * 100, 2_000) } })
    .withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  client.on('error', () => {}); // reconnects by itself; a failing command still throws to its caller
  await client.connect();
  const k = (key: string) => prefix + key;
  return {
    kind: 'redis',
    async get(key) {
      const v = await client.get(k(key));
      return v === null ? null : Buffer.from(v as unknown as Buffer);
    },
    async set(key, value, ttlMs) {
      await client.set(k(key), value, { PX: Math.max(1, Math.ceil(ttlMs)) });
    },
    async setIfAbsent(key, value, ttlMs) {
      const r = await client.set(k(key), value, { PX: Math.max(1, Math.ceil(ttlMs)), NX: true });
      return r !== null;
    },
    async delete(key) {
      await client.del(k(key));
    },
    async increment(key, ttlMs) {
      // INCR then PEXPIRE NX in one MULTI: the window starts at the first increment and is never extended.
      const [count] = await client
        .multi()
        .incr(k(key))
        .pExpire(k(key), Math.max(1, Math.ceil(ttlMs)), 'NX')
        .exec();
      return Number(count);
    },
    async close() {
      await client.quit().catch(() => {});
    },
  };
}
