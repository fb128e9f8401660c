import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPem } from '../../src/asn1/pem.js';
import { entryHash, type AuditEntry } from '../../src/seals/audit-chain.js';
import { writeCheckpointIfDue } from '../../src/seals/audit-anchor.js';
import { appendAudit, listAudit, verifyAuditChain } from '../../src/seals/audit.js';
import { verifyAuditExport } from '../../src/seals/audit-verify.js';
import type { Db } from '../../src/store/db.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { storageAdapters } from '../helpers/storage.js';

/**
 * Issue 13: the register is anchored by signed, time-stamped checkpoints, so that an insider with
 * SQL access cannot quietly rewrite it: each way of tampering below must be detected, in the
 * database (GET /v1/audit/verify) and in an exported file (offline, no database).
 */
describe.each(storageAdapters())('the anchored audit log on $name', (adapter) => {
  let svc: TestService;
  let db: Db;
  let auditor: string;
  let root: Buffer;
  const api = () => request(svc.app);

  /** A fresh service on a fresh database: 14 entries, checkpoint 1 over entry 5 (recorded by entry 6), checkpoint 2 over entry 11 (recorded by entry 12). */
  async function fresh() {
    db = await adapter.open();
    svc = await testService(db, { env: { SEAL_AUDIT_CHECKPOINT_ENTRIES: '5' } });
    auditor = (await makeUser(db, 'auditor')).token;
    root = svc.ctx.ca.rootCertificate;
    const write = (i: number) => db.transaction((tx) => appendAudit(tx, svc.ctx.clock, { action: 'test.event', unitId: `u${i % 3}`, details: { i, 用印: '✓' } }));
    for (let i = 1; i <= 5; i++) await write(i);
    expect((await writeCheckpointIfDue(svc.ctx.auditAnchor))?.headSeq).toBe('5'); // entry 6 records it
    for (let i = 7; i <= 10; i++) await write(i);
    expect(await writeCheckpointIfDue(svc.ctx.auditAnchor)).toBeNull(); // 4 entries since (the checkpoint's own does not count)
    await write(11);
    expect((await writeCheckpointIfDue(svc.ctx.auditAnchor))?.headSeq).toBe('11'); // entry 12 records it
    await write(13);
    await write(14);
  }
  const verify = async () => (await api().get('/v1/audit/verify').set(bearer(auditor)).expect(200)).body;
  /** Tampering as someone who owns the tables: the triggers are switched off around it. */
  const tamper = async (sql: string, params: unknown[] = []) => {
    await db.exec('ALTER TABLE audit_log DISABLE TRIGGER USER; ALTER TABLE audit_checkpoints DISABLE TRIGGER USER');
    await db.query(sql, params);
    await db.exec('ALTER TABLE audit_log ENABLE TRIGGER USER; ALTER TABLE audit_checkpoints ENABLE TRIGGER USER');
  };

  beforeAll(fresh);
  afterAll(async () => svc.close());

  it('an intact log verifies with its checkpoints, each signed by the audit key and time-stamped by our TSA', async () => {
    const report = await verify();
    expect(report).toMatchObject({ valid: true, entries: 14, checkpoints: 2, lastCheckpoint: { id: '2', headSeq: '11' }, chainChecked: true, problems: [] });
    const cps = (await api().get('/v1/audit/checkpoints').set(bearer(auditor)).expect(200)).body.checkpoints;
    expect(cps.map((c: { id: string; headSeq: string }) => [c.id, c.headSeq])).toEqual([
      ['1', '5'],
      ['2', '11'],
    ]);
    // the audit signer's certificate chains to our root with its own extended key usage (openssl as the judge)
    const dir = mkdtempSync(join(tmpdir(), 'audit-cert-'));
    writeFileSync(join(dir, 'root.pem'), toPem(root));
    writeFileSync(join(dir, 'chain.pem'), toPem(Buffer.from(cps[0].certificates[1], 'base64')));
    writeFileSync(join(dir, 'audit.pem'), toPem(Buffer.from(cps[0].certificates[0], 'base64')));
    const v = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'chain.pem'), join(dir, 'audit.pem')], { encoding: 'utf8' });
    expect(v.status, v.stdout + v.stderr).toBe(0);
    const text = spawnSync('openssl', ['x509', '-in', join(dir, 'audit.pem'), '-noout', '-text'], { encoding: 'utf8' }).stdout;
    expect(text).toMatch(/Extended Key Usage: critical\s+2\.25\.307863011571226879859732574380042958433\.3\.1/);
    expect(text).toContain('Audit Log Signer');
    // openssl ts -verify accepts the checkpoint's time-stamp over its hash
    writeFileSync(join(dir, 'tst.der'), Buffer.from(cps[0].timestampToken, 'base64'));
    const ts = spawnSync(
      'openssl',
      ['ts', '-verify', '-digest', cps[0].hash, '-in', join(dir, 'tst.der'), '-token_in', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'chain.pem')],
      { encoding: 'utf8' },
    );
    expect(ts.stdout + ts.stderr).toMatch(/Verification: OK/);
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE of audit rows and checkpoints', async () => {
    await expect(db.query(`UPDATE audit_log SET action = 'x' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM audit_log WHERE seq = 14`)).rejects.toThrow(/append-only/);
    await expect(db.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    await expect(db.query(`UPDATE audit_checkpoints SET at = now()`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM audit_checkpoints`)).rejects.toThrow(/append-only/);
    await expect(db.query(`TRUNCATE audit_checkpoints`)).rejects.toThrow(/append-only/);
    expect((await verify()).valid).toBe(true);
  });

  /** Each tampering on a fresh copy of the log, then what the check must say. */
  const cases: { name: string; run: () => Promise<void>; expect: RegExp }[] = [
    {
      name: 'an edited row',
      run: () => tamper(`UPDATE audit_log SET details = '{"i": 99}' WHERE seq = 3`),
      expect: /entry 3 was changed after it was written/,
    },
    {
      name: 'a chain rewritten and re-hashed from the edit onward',
      run: async () => {
        const all = await listAudit(db, { limit: 1000 });
        let prev = all[1]!.hash; // rewrite from entry 3 on
        for (const e of all.slice(2)) {
          const changed = { ...e, prevHash: prev, details: e.seq === '3' ? { i: 99 } : e.details };
          const { hash: _old, ...unsigned } = changed;
          const hash = entryHash(unsigned).toString('hex');
          await tamper('UPDATE audit_log SET details = $2, prev_hash = $3, hash = $4 WHERE seq = $1', [
            e.seq,
            JSON.stringify(changed.details),
            Buffer.from(prev, 'hex'),
            Buffer.from(hash, 'hex'),
          ]);
          prev = hash;
        }
      },
      expect: /entry 5 is not the entry checkpoint 1 signed: the chain was rewritten/,
    },
    {
      name: 'a tail cut off beyond the last checkpoint',
      run: () => tamper('DELETE FROM audit_log WHERE seq > 9'),
      expect: /the log ends at entry 9 but checkpoint 2 covers up to entry 11/,
    },
    {
      name: 'a removed checkpoint (the first)',
      run: () => tamper('DELETE FROM audit_checkpoints WHERE id = 1'),
      expect: /checkpoint 1 is missing/,
    },
    {
      name: 'a removed checkpoint (the last)',
      run: () => tamper('DELETE FROM audit_checkpoints WHERE id = 2'),
      expect: /checkpoint 2, recorded by entry 12, is missing/,
    },
    {
      name: 'a TRUNCATE of the log',
      run: () => tamper('TRUNCATE audit_log'),
      expect: /the log ends at entry 0 but checkpoint 2 covers up to entry 11: entries were cut off or the log was truncated/,
    },
    {
      name: 'an edited checkpoint (a forged head)',
      run: () => tamper(`UPDATE audit_checkpoints SET head_seq = 4 WHERE id = 1`),
      expect: /checkpoint 1 was changed after it was written/,
    },
  ];
  for (const c of cases) {
    it(`detects ${c.name}`, async () => {
      await svc.close();
      await fresh();
      await c.run();
      const report = await verify();
      expect(report.valid).toBe(false);
      expect(report.problems.join('\n')).toMatch(c.expect);
      // the same check straight on the database
      expect((await verifyAuditChain(db, [root])).valid).toBe(false);
    });
  }

  it('an export verifies offline, and every tampering with the file is detected', async () => {
    await svc.close();
    await fresh();
    const text = (await api().get('/v1/audit/export').set(bearer(auditor)).expect(200)).text;
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(14 + 2 + 1);
    expect(JSON.parse(lines.at(-1)!).trailer).toMatchObject({ entries: 14, headSeq: '14', checkpoints: 2, lastCheckpointId: '2', filter: null });
    expect((await verifyAuditExport(text, [root]))).toMatchObject({ valid: true, entries: 14, checkpoints: 2 });
    // another root is not trusted
    const other = await testService(await adapter.open());
    expect((await verifyAuditExport(text, [other.ctx.ca.rootCertificate])).valid).toBe(false);
    await other.close();

    const join_ = (ls: string[]) => ls.join('\n') + '\n';
    const edit = (i: number, f: (v: Record<string, unknown>) => void) => lines.map((l, j) => (j === i ? JSON.stringify(((v) => (f(v), v))(JSON.parse(l))) : l));
    const rehashFrom = (from: number) => {
      const entries = lines.slice(0, 14).map((l) => JSON.parse(l) as AuditEntry);
      let prev = entries[from - 1]!.hash;
      for (const e of entries.slice(from)) {
        if (e.seq === String(from + 1)) e.details = { i: 99 };
        e.prevHash = prev;
        const { hash: _h, ...u } = e;
        e.hash = entryHash(u).toString('hex');
        prev = e.hash;
      }
      return join_([...entries.map((e) => JSON.stringify(e)), ...lines.slice(14)]);
    };
    const tampered: [string, string, RegExp][] = [
      ['an edited entry', join_(edit(2, (v) => ((v.details as Record<string, unknown>).i = 42))), /entry 3 was changed/],
      ['a re-hashed chain', rehashFrom(2), /the chain was rewritten/],
      ['entries cut off the end (trailer kept)', join_([...lines.slice(0, 12), ...lines.slice(14)]), /trailer names 14 entries up to 14, the file holds 12/],
      ['the end cut off (no trailer)', join_(lines.slice(0, 13)), /no signed trailer/],
      ['a removed checkpoint line', join_([...lines.slice(0, 15), ...lines.slice(16)]), /checkpoint 2, recorded by entry 12, is missing/],
      ['a forged trailer', join_(edit(16, (v) => ((v.trailer as Record<string, unknown>).entries = 13))), /trailer: the audit key signature does not match/],
      ['no entries at all (truncated)', join_(lines.slice(14)), /the log ends at entry 0 but checkpoint 2 covers up to entry 11/],
    ];
    for (const [what, file, problem] of tampered) {
      const r = (await verifyAuditExport(file, [root]));
      expect(r.valid, what).toBe(false);
      expect(r.problems.join('\n'), what).toMatch(problem);
    }

    // a filtered export: each entry's own hash and the trailer are checked, not the chain
    const filtered = (await api().get('/v1/audit/export?unitId=u1').set(bearer(auditor)).expect(200)).text;
    expect((await verifyAuditExport(filtered, [root]))).toMatchObject({ valid: true, chainChecked: false });
    const fl = filtered.trimEnd().split('\n');
    const e0 = JSON.parse(fl[0]!);
    e0.details.i = 1000;
    expect((await verifyAuditExport([JSON.stringify(e0), ...fl.slice(1)].join('\n'), [root])).valid).toBe(false);

    if (adapter.name !== 'pglite') return;
    // the command line, offline: exit 0 for the export as made, 1 for a cut one
    const dir = mkdtempSync(join(tmpdir(), 'audit-export-'));
    writeFileSync(join(dir, 'root.pem'), toPem(root));
    writeFileSync(join(dir, 'good.ndjson'), text);
    writeFileSync(join(dir, 'cut.ndjson'), join_([...lines.slice(0, 12), ...lines.slice(14)]));
    const cli = (file: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'verify', '--export', join(dir, file), '--trust', join(dir, 'root.pem')], {
        encoding: 'utf8',
        env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', SEAL_DATA_DIR: '/nonexistent' },
      });
    const good = cli('good.ndjson');
    expect(good.status, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ valid: true, entries: 14 });
    const cut = cli('cut.ndjson');
    expect(cut.status).toBe(1);
    expect(JSON.parse(cut.stdout).problem).toMatch(/trailer/);
  });
});

describe('checkpoints over time, and the audit signer of an older data directory', () => {
  it('a checkpoint is due every M minutes while entries are written, even below N entries', async () => {
    const { openPglite } = await import('../../src/store/pglite.js');
    const { migrate } = await import('../../src/store/migrate.js');
    const db = await openPglite();
    await migrate(db);
    const svc = await testService(db, { env: { SEAL_AUDIT_CHECKPOINT_ENTRIES: '100', SEAL_AUDIT_CHECKPOINT_MINUTES: '10' } });
    try {
      const write = () => db.transaction((tx) => appendAudit(tx, svc.ctx.clock, { action: 'test.event' }));
      await write();
      await write();
      expect(await writeCheckpointIfDue(svc.ctx.auditAnchor)).toBeNull();
      svc.ctx.clock.advance(9 * 60_000);
      expect(await writeCheckpointIfDue(svc.ctx.auditAnchor)).toBeNull();
      svc.ctx.clock.advance(60_000);
      expect((await writeCheckpointIfDue(svc.ctx.auditAnchor))?.headSeq).toBe('2');
      // nothing new since (its own entry aside): no checkpoint however long it waits
      svc.ctx.clock.advance(60 * 60_000);
      expect(await writeCheckpointIfDue(svc.ctx.auditAnchor)).toBeNull();
      await write();
      expect((await writeCheckpointIfDue(svc.ctx.auditAnchor))?.id).toBe('2');
      expect((await verifyAuditChain(db, [svc.ctx.ca.rootCertificate])).valid).toBe(true);
    } finally {
      await svc.close();
    }
  });

  it('a data directory made before the audit signer existed gets one at the next start', async () => {
    const { openPglite } = await import('../../src/store/pglite.js');
    const { migrate } = await import('../../src/store/migrate.js');
    const { ensureCa } = await import('../../src/ca/authority.js');
    const { DbKeyVault } = await import('../../src/crypto/db-key-vault.js');
    const { FixedClock } = await import('../../src/clock.js');
    const { randomBytes } = await import('node:crypto');
    const db = await openPglite();
    await migrate(db);
    const kek = randomBytes(32);
    const deps = { db, vault: new DbKeyVault(db, kek), config: { publicUrl: 'http://127.0.0.1:8080' }, clock: new FixedClock(new Date('2026-11-25T08:00:00Z')) };
    await ensureCa(deps);
    await db.query(`DELETE FROM ca_service_signers WHERE role = 'audit'`); // as a directory from before issue 13
    const ca = await ensureCa(deps);
    const signed = await ca.signAuditRecord(Buffer.from('x'));
    expect(signed.certificates).toHaveLength(2);
    const rows = await db.query<{ role: string }>('SELECT role FROM ca_service_signers ORDER BY role');
    expect(rows.rows.map((r) => r.role)).toEqual(['audit', 'ocsp', 'seal-maker', 'sm2-ocsp', 'sm2-tsa', 'tsa']);
    await db.close();
  });
});
