/**
 * The TSA certificate that makes archive time-stamps lives as long as the root: an archive time-stamp must
 * stay verifiable until the last validation an auditor makes. A data directory made when the TSA certificate
 * came from the issuing CA for 5 years gets a root-issued one at its next start; old tokens keep theirs.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCa } from '../../src/ca/authority.js';
import { loadCaPolicy, type CaPolicy } from '../../src/ca/profiles.js';
import { FixedClock } from '../../src/clock.js';
import { DbKeyVault } from '../../src/crypto/db-key-vault.js';
import type { Db } from '../../src/store/db.js';
import { MemoryState } from '../../src/store/memory-state.js';
import { storageAdapters } from '../helpers/storage.js';

const T0 = new Date('2026-11-25T08:00:00Z');

describe.each(storageAdapters())('TSA certificate lifetime on $name', (adapter) => {
  let db: Db;
  beforeAll(async () => {
    db = await adapter.open();
  });
  afterAll(() => db.close());

  it('a fresh CA: the TSA certificate is issued by the root and expires with it', async () => {
    const clock = new FixedClock(T0);
    const ca = await ensureCa({ db, vault: new DbKeyVault(db, randomBytes(32)), config: { publicUrl: 'http://127.0.0.1:1' }, clock, state: new MemoryState(clock) });
    const tsa = new X509Certificate(ca.tsaCertificate);
    const root = new X509Certificate(ca.rootCertificate);
    expect(tsa.issuer).toBe(root.subject);
    expect(tsa.checkIssued(root)).toBe(true);
    expect(new Date(tsa.validTo).getTime()).toBe(new Date(root.validTo).getTime());
  });

  it('a data directory with a 5-year TSA certificate from the issuing CA gets a root-issued one at its next start', async () => {
    const old = await adapter.open();
    try {
      const kek = randomBytes(32);
      const clock = new FixedClock(T0);
      const policy = loadCaPolicy();
      const before: CaPolicy = { ...policy, profiles: { ...policy.profiles, tsa: { ...policy.profiles.tsa, validityDays: 1826 } } };
      delete (before.profiles.tsa as { issuer?: string }).issuer;
      const first = await ensureCa({ db: old, vault: new DbKeyVault(old, kek), config: { publicUrl: 'x' }, clock, state: new MemoryState(clock), policy: before });
      const was = new X509Certificate(first.tsaCertificate);
      expect(was.issuer).toBe(new X509Certificate(first.issuingCertificate).subject);
      const later = new FixedClock(new Date(T0.getTime() + 86_400_000));
      const restarted = await ensureCa({ db: old, vault: new DbKeyVault(old, kek), config: { publicUrl: 'x' }, clock: later, state: new MemoryState(later) });
      const now = new X509Certificate(restarted.tsaCertificate);
      expect(now.serialNumber).not.toBe(was.serialNumber);
      expect(now.issuer).toBe(new X509Certificate(restarted.rootCertificate).subject);
      expect(new Date(now.validTo).getTime()).toBe(new Date(new X509Certificate(restarted.rootCertificate).validTo).getTime());
      // A time-stamp made now carries the new certificate and no issuing-CA certificate.
      const token = await restarted.timestamp(randomBytes(32), 'SHA-256');
      expect(token.includes(restarted.tsaCertificate)).toBe(true);
      expect(token.includes(restarted.issuingCertificate)).toBe(false);
      // Started again, nothing changes.
      const third = await ensureCa({ db: old, vault: new DbKeyVault(old, kek), config: { publicUrl: 'x' }, clock: later, state: new MemoryState(later) });
      expect(third.tsaCertificate.equals(restarted.tsaCertificate)).toBe(true);
    } finally {
      await old.close();
    }
  });
});
