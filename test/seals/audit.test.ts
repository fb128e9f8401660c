import { afterEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/clock.js';
import { appendAudit, listAudit, verifyAuditChain } from '../../src/seals/audit.js';
import type { Db } from '../../src/store/db.js';
import { storageAdapters } from '../helpers/storage.js';

describe.each(storageAdapters())('the audit log on $name', (adapter) => {
  const clock = new FixedClock(new Date('2026-11-25T08:00:00Z'));
  const open: Db[] = [];
  afterEach(async () => Promise.all(open.splice(0).map((d) => d.close())));
  const fresh = async () => {
    const db = await adapter.open();
    open.push(db);
    return db;
  };
  const write = (db: Db, n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        db.transaction((tx) => appendAudit(tx, clock, { action: 'test.event', unitId: i % 2 ? 'u1' : 'u2', details: { i, text: '用印 ✓', nested: { b: 1, a: [1.5, 'x'] } } })),
      ),
    );

  it('chains concurrent appends without gaps and verifies', async () => {
    const db = await fresh();
    await write(db, 25);
    const report = await verifyAuditChain(db, []);
    expect(report).toMatchObject({ valid: true, entries: 25 });
    const all = await listAudit(db, { limit: 1000 });
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)));
    expect(report.headHash).toBe(all[24]!.hash);
    expect((await listAudit(db, { unitId: 'u1' })).every((e) => e.unitId === 'u1')).toBe(true);
  });

  it('refuses updates and deletes in the database itself', async () => {
    const db = await fresh();
    await write(db, 2);
    await expect(db.query(`UPDATE audit_log SET action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
  });

  it('detects an edited, a deleted and an inserted row', async () => {
    const db = await fresh();
    await write(db, 6);
    const tamper = async (sql: string) => {
      await db.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      await db.exec(sql);
      await db.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    };
    await tamper(`UPDATE audit_log SET at = at + interval '1 second' WHERE seq = 3`);
    expect(await verifyAuditChain(db, [])).toMatchObject({ valid: false, firstBadSeq: '3' });

    const db2 = await fresh();
    await write(db2, 6);
    await db2.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    await db2.exec('DELETE FROM audit_log WHERE seq = 4');
    const gap = await verifyAuditChain(db2, []);
    expect(gap).toMatchObject({ valid: false, firstBadSeq: '5' });
    expect(gap.problem).toMatch(/entry 4 is missing/);
    // renumbering to hide the gap breaks the links instead
    await db2.exec('UPDATE audit_log SET seq = seq - 1 WHERE seq > 4');
    expect(await verifyAuditChain(db2, [])).toMatchObject({ valid: false, firstBadSeq: '4' });
  });
});

describe('seal audit verify', () => {
  it('exits 0 on an intact chain and 1 after a row is edited', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { openPglite } = await import('../../src/store/pglite.js');
    const { migrate } = await import('../../src/store/migrate.js');
    const dir = mkdtempSync(`${tmpdir()}/seal-audit-cli-`);
    const db = await openPglite(`${dir}/db`);
    await migrate(db);
    const clock = new FixedClock(new Date('2026-11-25T08:00:00Z'));
    for (let i = 0; i < 3; i++) await db.transaction((tx) => appendAudit(tx, clock, { action: 'test.event', details: { i } }));
    await db.close();
    const run = () =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'verify'], {
        env: { ...process.env, SEAL_DATA_DIR: dir, DATABASE_URL: '', REDIS_URL: '' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const ok = run();
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, entries: 3 });
    const db2 = await openPglite(`${dir}/db`);
    await db2.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    await db2.exec(`UPDATE audit_log SET details = '{"i": 7}' WHERE seq = 2`);
    await db2.close();
    const bad = run();
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ valid: false, firstBadSeq: '2' });
  });
});
