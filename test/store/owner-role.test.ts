import { randomBytes } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, verifyAuditChain } from '../../src/seals/audit.js';
import { writeCheckpointIfDue } from '../../src/seals/audit-anchor.js';
import type { Db } from '../../src/store/db.js';
import { openStore } from '../../src/store/open.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { creditCode } from '../helpers/units.js';

/**
 * Issue 13: where PostgreSQL allows it, the service's own role cannot rewrite the register. CI's
 * `postgres` is a superuser (which proves nothing), so this test makes two NON-superuser roles on
 * the shared PostgreSQL, an owner and a service role, with a database of their own, and drops all
 * of it afterwards.
 */
const url = process.env.DATABASE_URL;
describe.runIf(url)('the service role on PostgreSQL (SEAL_DATABASE_OWNER_URL)', () => {
  const tag = randomBytes(5).toString('hex');
  const ownerRole = `seal_owner_${tag}`;
  const serviceRole = `seal_service_${tag}`;
  const database = `seal_roles_${tag}`;
  const as = (role: string) => {
    const u = new URL(url!);
    u.username = role;
    u.password = '';
    u.pathname = `/${database}`;
    return u.toString();
  };
  let admin: pg.Client;
  let db: Db;
  let svc: TestService;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${ownerRole} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS`);
    await admin.query(`CREATE ROLE ${serviceRole} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS`);
    await admin.query(`CREATE DATABASE ${database} OWNER ${ownerRole}`);
    db = await openStore({ databaseUrl: as(serviceRole), databaseOwnerUrl: as(ownerRole), dataDir: '/nonexistent' });
    svc = await testService(db, { env: { SEAL_AUDIT_CHECKPOINT_ENTRIES: '3' } });
  });
  afterAll(async () => {
    await svc?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${serviceRole}`);
    await admin.query(`DROP ROLE IF EXISTS ${ownerRole}`);
    await admin.end();
  });

  it('neither role is a superuser; the owner owns the audit tables', async () => {
    const r = await admin.query('SELECT rolname, rolsuper FROM pg_roles WHERE rolname IN ($1, $2) ORDER BY rolname', [ownerRole, serviceRole]);
    expect(r.rows.map((x) => x.rolsuper)).toEqual([false, false]);
    const owners = await db.query<{ tableowner: string }>(`SELECT tableowner FROM pg_tables WHERE tablename IN ('audit_log', 'audit_checkpoints')`);
    expect(owners.rows.map((x) => x.tableowner)).toEqual([ownerRole, ownerRole]);
    expect((await db.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u).toBe(serviceRole);
  });

  it('the service runs as its own role: registers, seals its register, writes checkpoints', async () => {
    const muni = (await makeUser(db, 'municipal-admin')).token;
    const auditor = (await makeUser(db, 'auditor')).token;
    await request(svc.app).post('/v1/units').set(bearer(muni)).send({ name: '权限测试局', code: creditCode(700) }).expect(201);
    for (let i = 0; i < 4; i++) await db.transaction((tx) => appendAudit(tx, svc.ctx.clock, { action: 'test.event', details: { i } }));
    expect(await writeCheckpointIfDue(svc.ctx.auditAnchor)).not.toBeNull();
    const report = (await request(svc.app).get('/v1/audit/verify').set(bearer(auditor)).expect(200)).body;
    expect(report).toMatchObject({ valid: true, checkpoints: 1 });
  });

  it('cannot UPDATE, DELETE or TRUNCATE audit rows or checkpoints, nor touch their triggers', async () => {
    const refused = /permission denied|must be owner/;
    for (const sql of [
      `UPDATE audit_log SET action = 'x' WHERE seq = 1`,
      `DELETE FROM audit_log WHERE seq = 1`,
      `TRUNCATE audit_log`,
      `UPDATE audit_checkpoints SET at = now()`,
      `DELETE FROM audit_checkpoints`,
      `TRUNCATE audit_checkpoints`,
      `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`,
      `ALTER TABLE audit_log DISABLE TRIGGER USER`,
      `DROP TRIGGER audit_log_no_truncate ON audit_log`,
      `DROP TABLE audit_log`,
      `CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
      `ALTER TABLE audit_checkpoints DISABLE TRIGGER USER`,
      `CREATE TABLE sneaky (x int)`,
    ]) {
      await expect(db.query(sql), sql).rejects.toThrow(refused);
    }
    // and the register still holds
    expect((await verifyAuditChain(db, [svc.ctx.ca.rootCertificate])).valid).toBe(true);
  });
});
