/**
 * Shared short-lived state: what several instances behind a load balancer must see quickly
 * (idempotency keys, rate limits, cached OCSP responses). Redis when REDIS_URL is set, in-process
 * otherwise. PostgreSQL stays the source of truth: everything here may be lost at any time.
 */
export interface SharedState {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<Buffer | null>;
  set(key: string, value: Buffer, ttlMs: number): Promise<void>;
  /** Sets only when the key is absent; true when this call set it (an atomic claim). */
  setIfAbsent(key: string, value: Buffer, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Adds `by` (default one) to a counter that expires ttlMs after its first increment; returns the new count. */
  increment(key: string, ttlMs: number, by?: number): Promise<number>;
  /** Delivers `message` to every subscriber of `channel` on every instance, this one included. */
  publish(channel: string, message: string): Promise<void>;
  /**
   * Calls `listener` with each message published on `channel`, and with null whenever messages may
   * have been missed (after the connection to Redis came back): the subscriber must then assume
   * anything happened. `live` is false while messages could be missed right now.
   */
  subscribe(channel: string, listener: (message: string | null) => void): Subscription;
  close(): Promise<void>;
}

export interface Subscription {
  /** True while every message published on the channel reaches this subscriber. */
  readonly live: boolean;
  unsubscribe(): Promise<void>;
}
