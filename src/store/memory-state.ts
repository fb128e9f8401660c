import type { SharedState, Subscription } from './shared-state.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';

/** In-process SharedState for a single instance (no REDIS_URL). Expired entries are dropped lazily. */
export class MemoryState implements SharedState {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, { value: Buffer; expiresAt: number }>();
  private readonly listeners = new Map<string, Set<(message: string | null) => void>>();

  constructor(private readonly clock: Clock = systemClock, private readonly maxEntries = 100_000) {}

  private live(key: string) {
    const e = this.entries.get(key);
    if (e && e.expiresAt <= this.clock.now().getTime()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private put(key: string, value: Buffer, ttlMs: number) {
    if (this.entries.size >= this.maxEntries) this.sweep();
    this.entries.delete(key); // re-insert so Map order stays oldest-first for eviction
    this.entries.set(key, { value: Buffer.from(value), expiresAt: this.clock.now().getTime() + ttlMs });
  }

  /** Drops expired entries, then the oldest ones if still full: memory stays bounded. */
  private sweep() {
    const now = this.clock.now().getTime();
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
    for (const k of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) break;
      this.entries.delete(k);
    }
  }

  async get(key: string) {
    const e = this.live(key);
    return e ? Buffer.from(e.value) : null;
  }
  async set(key: string, value: Buffer, ttlMs: number) {
    this.put(key, value, ttlMs);
  }
  async setIfAbsent(key: string, value: Buffer, ttlMs: number) {
    if (this.live(key)) return false;
    this.put(key, value, ttlMs);
    return true;
  }
  async delete(key: string) {
    this.entries.delete(key);
  }
  async increment(key: string, ttlMs: number, by = 1) {
    const e = this.live(key);
    const next = (e ? Number(e.value.toString()) : 0) + by;
    if (e) e.value = Buffer.from(String(next));
    else this.put(key, Buffer.from(String(next)), ttlMs);
    return next;
  }
  async publish(channel: string, message: string) {
    // One process: every subscriber is here, and hears it before publish returns.
    for (const listener of [...(this.listeners.get(channel) ?? [])]) listener(message);
  }
  subscribe(channel: string, listener: (message: string | null) => void): Subscription {
    const set = this.listeners.get(channel) ?? new Set();
    this.listeners.set(channel, set);
    set.add(listener);
    return { live: true, unsubscribe: async () => void set.delete(listener) };
  }
  async close() {
    this.entries.clear();
    this.listeners.clear();
  }
}
