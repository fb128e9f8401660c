/**
 * What one sealing asks of the database (issue 18: on PGlite every query runs on the service's own thread). A
 * sealing at x and y, B-T: the caller's token; the seal with the operator's authorisation (one query); the seal's key
 * row to sign and the TSA's key row and clock to time-stamp (the vault reads a key's row for every signature, so a
 * destroy on any instance takes effect at once); then the register transaction (the seal's row FOR SHARE, the log's
 * lock, its head, the entry); and after the answer the checkpointer's look at the head (one query). Not the unit
 * (only placement=auto needs its names), nor the key's algorithm a second time.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../../src/store/db.js';
import { basicPdf } from '../pdf/fixtures.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { storageAdapters } from '../helpers/storage.js';
import { activeSeal, unitWithOperator } from '../helpers/units.js';

/** The database, with every statement it is asked (in a transaction or not) noted in `log`. */
function counting(db: Db, log: string[]): Db {
  const note = (q: Queryable): Queryable => ({
    query: (sql, params) => { log.push(sql.replace(/\s+/g, ' ').trim()); return q.query(sql, params); },
    exec: (sql) => { log.push(sql); return q.exec(sql); },
  });
  return {
    ...note(db), kind: db.kind, ping: () => db.ping(), close: () => db.close(),
    transaction: (fn) => db.transaction((tx) => fn(note(tx))),
  };
}

describe.each(storageAdapters())('the queries of one sealing on $name', (adapter) => {
  let svc: TestService;
  const log: string[] = [];

  beforeAll(async () => {
    svc = await testService(counting(await adapter.open(), log));
  });
  afterAll(async () => svc.close());

  it('a sealing at x and y: the seal and its authorisation in one query, no unit, each key row once per signature', async () => {
    const muni = (await makeUser(svc.ctx.register.db, 'municipal-admin')).token;
    const u = await unitWithOperator(svc.app, muni, 931, '查询计数局');
    const sealId = await activeSeal(svc.app, muni, u, '查询计数局');
    const pdf = Buffer.from(await basicPdf());
    const seal = () => request(svc.app).post(`/v1/seals/${sealId}/sign?page=1&x=100&y=100&level=B-T`)
      .set(bearer(u.operator.token)).set('Content-Type', 'application/pdf').send(pdf).expect(200);
    await seal(); // the first sealing learns the time-stamp token's size and makes the seal's appearance
    await svc.ctx.checkpointer.settled();
    log.length = 0;
    await seal();
    await svc.ctx.checkpointer.settled();
    const reads = (table: string) => log.filter((q) => new RegExp(`\\bFROM ${table}\\b`).test(q)).length;
    expect(reads('seals'), log.join('\n')).toBe(2); // the authorisation, and FOR SHARE in the register transaction
    expect(log.filter((q) => /FROM seals WHERE id = \$1 FOR SHARE/.test(q) || /FOR SHARE OF s/.test(q))).toHaveLength(1);
    expect(reads('units')).toBe(0);
    expect(reads('vault_keys')).toBe(2); // the seal's signature, the time-stamp's
    expect(reads('audit_checkpoints')).toBe(1);
    expect(log.length, log.join('\n')).toBeLessThanOrEqual(10);
  }, 120_000);
});
