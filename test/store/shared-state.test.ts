import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/clock.js';
import { MemoryState } from '../../src/store/memory-state.js';
import { openRedisState } from '../../src/store/redis-state.js';
import type { SharedState } from '../../src/store/shared-state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kinds: {
  name: string;
  open: () => Promise<SharedState>;
  expire: (s: SharedState, ms: number) => Promise<void>;
  /** A second instance on the same shared state (memory: the same object, as one process has one). */
  peer: (s: SharedState) => Promise<SharedState>;
}[] = [];
const clock = new FixedClock(new Date('2026-11-25T00:00:00Z'));
kinds.push({ name: 'memory', open: async () => new MemoryState(clock), expire: async (_s, ms) => clock.advance(ms), peer: async (s) => s });
if (process.env.REDIS_URL) {
  const url = process.env.REDIS_URL;
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  kinds.push({ name: 'redis', open: () => openRedisState(url, { prefix }), expire: async (_s, ms) => { await sleep(ms); }, peer: () => openRedisState(url, { prefix }) });
} else if (process.env.CI) {
  throw new Error('CI is set but REDIS_URL is not: the Redis adapter would go untested');
}

describe.each(kinds)('shared state on $name', ({ open, expire, peer }) => {
  const opened: SharedState[] = [];
  afterAll(async () => Promise.all(opened.map((s) => s.close())));
  const fresh = async () => {
    const s = await open();
    opened.push(s);
    return s;
  };

  it('stores, reads and deletes bytes', async () => {
    const s = await fresh();
    expect(await s.get('k')).toBeNull();
    await s.set('k', Buffer.from([0, 1, 2, 255]), 10_000);
    expect(await s.get('k')).toEqual(Buffer.from([0, 1, 2, 255]));
    await s.delete('k');
    expect(await s.get('k')).toBeNull();
  });

  it('setIfAbsent claims a key for exactly one of many concurrent callers', async () => {
    const s = await fresh();
    const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => s.setIfAbsent('claim', Buffer.from(String(i)), 10_000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('entries expire after their time to live', async () => {
    const s = await fresh();
    await s.set('short', Buffer.from('x'), 50);
    await expire(s, 120);
    expect(await s.get('short')).toBeNull();
    expect(await s.setIfAbsent('short', Buffer.from('y'), 1000)).toBe(true);
  });

  it('counters count concurrently and reset with their window', async () => {
    const s = await fresh();
    const counts = await Promise.all(Array.from({ length: 10 }, () => s.increment('c', 80)));
    expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await expire(s, 150);
    expect(await s.increment('c', 80)).toBe(1);
  });

  it('a message published by one instance reaches every subscriber of its channel, the publisher included', async () => {
    const a = await fresh();
    const b = await peer(a);
    if (b !== a) opened.push(b);
    const heardA: (string | null)[] = [];
    const heardB: (string | null)[] = [];
    const subA = a.subscribe('revocations', (m) => heardA.push(m));
    const subB = b.subscribe('revocations', (m) => heardB.push(m));
    b.subscribe('other-channel', () => heardB.push('wrong channel'));
    for (let i = 0; i < 100 && !(subA.live && subB.live); i++) await sleep(20);
    expect(subA.live && subB.live).toBe(true);
    await sleep(50); // the SUBSCRIBE itself is on its way once the connection is up
    await a.publish('revocations', 'serial-1');
    for (let i = 0; i < 100 && heardB.length === 0; i++) await sleep(10);
    expect(heardA).toEqual(['serial-1']);
    expect(heardB).toEqual(['serial-1']);
    await subB.unsubscribe();
    await a.publish('revocations', 'serial-2');
    for (let i = 0; i < 100 && heardA.length < 2; i++) await sleep(10);
    await sleep(30);
    expect(heardA).toEqual(['serial-1', 'serial-2']);
    expect(heardB).toEqual(['serial-1']);
  });
});
