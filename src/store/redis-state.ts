import { createClient, RESP_TYPES } from 'redis';
import type { SharedState, Subscription } from './shared-state.js';
import { SharedStateUnavailableError } from './unavailable.js';

export interface RedisStateOptions {
  prefix?: string;
  /** Longest wait for one command; past it the call fails (the caller falls back or answers 503). */
  commandTimeoutMs?: number;
  /** Longest wait for the first connection at start; past it the service starts and keeps reconnecting. */
  connectTimeoutMs?: number;
}

/**
 * SharedState on Redis (REDIS_URL), shared by every instance. Keys are prefixed so one Redis can
 * serve several deployments.
 *
 * While Redis is unreachable every call fails at once with SharedStateUnavailableError (503): no
 * offline queue (commands are refused while reconnecting rather than held), a bounded command
 * queue, and a timeout per command for a server that accepts connections but does not answer.
 * The client reconnects by itself; callers recover on their next call.
 */
export async function openRedisState(url: string, opts: RedisStateOptions = {}): Promise<SharedState> {
  const prefix = opts.prefix ?? 'seal:';
  const commandTimeoutMs = opts.commandTimeoutMs ?? 500;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    commandsQueueMaxLength: 10_000,
    socket: { connectTimeout: 1_000, reconnectStrategy: (n) => Math.min(50 + n * 100, 1_000) },
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  client.on('error', () => {}); // reconnects by itself; a failing command still throws to its caller
  const connecting = client.connect().catch(() => undefined);
  // A Redis that is down at start does not stop the service: it starts, falls back, and reconnects.
  await Promise.race([connecting, new Promise((r) => setTimeout(r, opts.connectTimeoutMs ?? 2_000).unref())]);

  const k = (key: string) => prefix + key;
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    if (!client.isReady) throw new SharedStateUnavailableError('not connected');
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new SharedStateUnavailableError(`${what} timed out`)), commandTimeoutMs);
        }),
      ]);
    } catch (err) {
      if (err instanceof SharedStateUnavailableError) throw err;
      throw new SharedStateUnavailableError(`${what}: ${(err as Error)?.message ?? 'failed'}`, err);
    } finally {
      clearTimeout(timer);
    }
  };

  // Subscriptions need a connection of their own (a subscribed connection runs no other commands),
  // made on the first subscribe. After it reconnects every listener hears null: messages published
  // while it was away are lost, so whoever keeps state from them must drop it.
  const listeners = new Map<string, Set<(message: string | null) => void>>();
  let subscriber: ReturnType<typeof openSubscriber> | undefined;
  const openSubscriber = () => {
    const sub = createClient({ url, socket: { connectTimeout: 1_000, reconnectStrategy: (n) => Math.min(50 + n * 100, 1_000) } });
    sub.on('error', () => {});
    let readyBefore = false;
    sub.on('ready', () => {
      if (readyBefore) for (const set of listeners.values()) for (const l of set) l(null);
      readyBefore = true;
    });
    sub.connect().catch(() => undefined);
    return sub;
  };

  return {
    kind: 'redis',
    async publish(channel, message) {
      await call('PUBLISH', () => client.publish(k(channel), message));
    },
    subscribe(channel, listener): Subscription {
      subscriber ??= openSubscriber();
      const sub = subscriber;
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        const all = set;
        // Queued until connected; the client subscribes again by itself after every reconnect.
        void sub.subscribe(k(channel), (message: string) => {
          for (const l of [...all]) l(message);
        }).catch(() => undefined);
      }
      set.add(listener);
      const mine = set;
      return {
        get live() {
          return sub.isReady;
        },
        unsubscribe: async () => void mine.delete(listener),
      };
    },
    async get(key) {
      const v = await call('GET', () => client.get(k(key)));
      return v === null ? null : Buffer.from(v as unknown as Buffer);
    },
    async set(key, value, ttlMs) {
      await call('SET', () => client.set(k(key), value, { PX: Math.max(1, Math.ceil(ttlMs)) }));
    },
    async setIfAbsent(key, value, ttlMs) {
      const r = await call('SET NX', () => client.set(k(key), value, { PX: Math.max(1, Math.ceil(ttlMs)), NX: true }));
      return r !== null;
    },
    async delete(key) {
      await call('DEL', () => client.del(k(key)));
    },
    async increment(key, ttlMs, by = 1) {
      // INCRBY then PEXPIRE NX in one MULTI: the window starts at the first increment and is never extended.
      const [count] = await call('INCRBY', () => client.multi().incrBy(k(key), by).pExpire(k(key), Math.max(1, Math.ceil(ttlMs)), 'NX').exec());
      return Number(count);
    },
    async close() {
      listeners.clear();
      if (subscriber?.isReady) await subscriber.quit().catch(() => subscriber?.destroy());
      else if (subscriber?.isOpen) subscriber.destroy();
      // A client that is reconnecting would wait for Redis to say goodbye: it is dropped instead.
      if (client.isReady) await call('QUIT', () => client.quit()).catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    },
  };
}
