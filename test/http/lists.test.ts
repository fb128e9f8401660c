import request from 'supertest';
import { PDFDocument } from 'pdf-lib';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { storageAdapters } from '../helpers/storage.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { activeSeal, creditCode, unitWithOperator, type UnitFixture } from '../helpers/units.js';

/**
 * The list endpoints (issue 17): what each role sees, filters, newest first, and the one paging
 * convention ({items, nextCursor}, ?limit=&cursor=) followed across pages to the end.
 */
type Page<T> = { items: T[]; nextCursor: string | null };

for (const adapter of storageAdapters()) {
  describe(`lists (${adapter.name})`, () => {
    let db: Db;
    let svc: TestService;
    let muni: string;
    let auditor: string;
    let platform: string;
    let a: UnitFixture;
    let b: UnitFixture;
    let sealA: string;
    let sealB: string;
    const extraUnits: string[] = [];
    const api = () => request(svc.app);
    const minute = () => svc.ctx.clock.advance(60_000);

    /** Every item of a list, page by page, checking each page's size and that no item repeats. */
    async function all<T extends { id?: string; seq?: string }>(path: string, token: string, limit: number): Promise<{ items: T[]; pages: number }> {
      const items: T[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const res = await api()
          .get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
          .set(bearer(token))
          .expect(200);
        const page = res.body as Page<T>;
        expect(page.items.length).toBeLessThanOrEqual(limit);
        if (page.nextCursor) expect(page.items).toHaveLength(limit);
        items.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor);
      const keys = items.map((i) => i.id ?? i.seq);
      expect(new Set(keys).size).toBe(keys.length);
      return { items, pages };
    }

    beforeAll(async () => {
      db = await adapter.open();
      svc = await testService(db);
      muni = (await makeUser(db, 'municipal-admin', null, '市局管理员')).token;
      auditor = (await makeUser(db, 'auditor', null, '审计员')).token;
      platform = (await makeUser(db, 'platform', null, '交换平台')).token;
      a = await unitWithOperator(svc.app, muni, 1, '广州市甲局');
      minute();
      b = await unitWithOperator(svc.app, muni, 2, '广州市乙局');
      for (let i = 0; i < 5; i++) {
        minute();
        extraUnits.push((await api().post('/v1/units').set(bearer(muni)).send({ name: `广州市第${i}测试中心`, code: creditCode(10 + i) }).expect(201)).body.id);
      }
      minute();
      sealA = await activeSeal(svc.app, muni, a, '广州市甲局');
      minute();
      sealB = await activeSeal(svc.app, muni, b, '广州市乙局');
      // one application waiting for a decision, in unit B
      minute();
      await api()
        .post('/v1/seal-applications')
        .set(bearer(b.admin.token))
        .send({ unitId: b.unitId, template: 'round-special', text: '广州市乙局', bottomText: '合同专用章', physicalSealRef: 'B-2', purpose: '合同' })
        .expect(201);
    }, 240_000);

    afterAll(async () => {
      await svc?.close();
    });

    describe('GET /v1/units', () => {
      it('the municipal office sees every unit, newest first, across pages', async () => {
        const { items, pages } = await all<{ id: string; createdAt: string; name: string; activeSeals: number }>('/v1/units', muni, 3);
        expect(items).toHaveLength(7);
        expect(pages).toBe(3);
        expect(items.map((u) => u.id)).toEqual([...extraUnits].reverse().concat([b.unitId, a.unitId]));
        expect(items.find((u) => u.id === a.unitId)).toMatchObject({ name: '广州市甲局', code: creditCode(1), status: 'active', activeSeals: 1 });
      });

      it('a unit registered while someone pages neither shifts nor repeats the later pages (keyset cursor)', async () => {
        const first = (await api().get('/v1/units?limit=3').set(bearer(muni)).expect(200)).body as Page<{ id: string }>;
        minute();
        const late = (await api().post('/v1/units').set(bearer(muni)).send({ name: '广州市后来登记局', code: creditCode(99) }).expect(201)).body.id as string;
        const second = (await api().get(`/v1/units?limit=3&cursor=${first.nextCursor}`).set(bearer(muni)).expect(200)).body as Page<{ id: string }>;
        expect(second.items.map((u) => u.id)).toEqual([extraUnits[1], extraUnits[0], b.unitId]);
        expect(second.items.map((u) => u.id)).not.toContain(late);
        expect(first.items.map((u) => u.id)).toEqual([extraUnits[4], extraUnits[3], extraUnits[2]]);
        // the newest-first view now starts with it; the unit is deregistered again so the counts below hold
        expect(((await api().get('/v1/units?limit=1').set(bearer(muni)).expect(200)).body as Page<{ id: string }>).items[0]!.id).toBe(late);
        await api().post(`/v1/units/${late}/deregister`).set(bearer(muni)).expect(200);
      });

      it('filters by text in the name, alias or code, and by state', async () => {
        const byName = (await api().get('/v1/units?q=乙').set(bearer(auditor)).expect(200)).body as Page<{ id: string }>;
        expect(byName.items.map((u) => u.id)).toEqual([b.unitId]);
        const byCode = (await api().get(`/v1/units?q=${creditCode(12)}`).set(bearer(muni)).expect(200)).body as Page<{ id: string }>;
        expect(byCode.items.map((u) => u.id)).toEqual([extraUnits[2]]);
        // LIKE wildcards in q are taken literally
        expect((await api().get('/v1/units?q=%25').set(bearer(muni)).expect(200)).body.items).toEqual([]);
        await api().post(`/v1/units/${extraUnits[0]}/deregister`).set(bearer(muni)).expect(200);
        const gone = (await api().get('/v1/units?state=deregistered').set(bearer(muni)).expect(200)).body as Page<{ id: string; status: string }>;
        expect(gone.items.map((u) => u.id)).toHaveLength(2);
        expect(gone.items.map((u) => u.id)).toContain(extraUnits[0]);
        const active = (await api().get('/v1/units?state=active&limit=1000').set(bearer(muni)).expect(200)).body as Page<{ id: string }>;
        expect(active.items).toHaveLength(6);
        expect(active.nextCursor).toBeNull();
      });

      it("a unit administrator sees its own unit only; operators and the platform are refused, anonymous is 401", async () => {
        const own = (await api().get('/v1/units').set(bearer(a.admin.token)).expect(200)).body as Page<{ id: string }>;
        expect(own.items.map((u) => u.id)).toEqual([a.unitId]);
        await api().get('/v1/units').set(bearer(a.operator.token)).expect(403);
        await api().get('/v1/units').set(bearer(platform)).expect(403);
        const anon = await api().get('/v1/units').expect(401);
        expect(anon.headers['content-type']).toMatch(/application\/problem\+json/);
      });

      it('a bad limit or cursor is 400 naming the parameter', async () => {
        const limit = await api().get('/v1/units?limit=0').set(bearer(muni)).expect(400);
        expect(limit.body.field ?? limit.body.detail).toMatch(/limit/);
        const cursor = await api().get('/v1/units?cursor=bm90LWEtY3Vyc29y').set(bearer(muni)).expect(400);
        expect(cursor.body).toMatchObject({ type: 'urn:e-seal:problem:invalid-cursor', field: 'query.cursor' });
        await api().get('/v1/units?unknown=1').set(bearer(muni)).expect(400);
      });
    });

    describe('users', () => {
      it("a unit's users: its administrator, the municipal office and auditors; another unit's administrator is refused", async () => {
        for (const token of [a.admin.token, muni, auditor]) {
          const page = (await api().get(`/v1/units/${a.unitId}/users`).set(bearer(token)).expect(200)).body as Page<{ id: string; role: string; unitId: string }>;
          expect(page.items.map((u) => u.id).sort()).toEqual([a.admin.id, a.operator.id].sort());
          expect(page.items.every((u) => u.unitId === a.unitId)).toBe(true);
        }
        await api().get(`/v1/units/${a.unitId}/users`).set(bearer(b.admin.token)).expect(403);
        await api().get(`/v1/units/${a.unitId}/users`).set(bearer(a.operator.token)).expect(403);
        await api().get(`/v1/units/no-such-unit/users`).set(bearer(muni)).expect(404);
      });

      it('filters by role, name and state (a disabled user shows as disabled at once)', async () => {
        const extra = (await api().post(`/v1/units/${a.unitId}/users`).set(bearer(a.admin.token)).send({ name: '离职人员', role: 'operator' }).expect(201)).body;
        const ops = (await api().get(`/v1/units/${a.unitId}/users?role=operator`).set(bearer(a.admin.token)).expect(200)).body as Page<{ id: string }>;
        expect(ops.items.map((u) => u.id).sort()).toEqual([a.operator.id, extra.id].sort());
        await api().delete(`/v1/users/${extra.id}`).set(bearer(a.admin.token)).expect(204);
        const disabled = (await api().get(`/v1/units/${a.unitId}/users?state=disabled`).set(bearer(a.admin.token)).expect(200)).body as Page<{ id: string; status: string; disabledAt: string }>;
        expect(disabled.items).toEqual([expect.objectContaining({ id: extra.id, status: 'disabled', disabledAt: expect.any(String) })]);
        const named = (await api().get(`/v1/units/${a.unitId}/users?q=${encodeURIComponent('离职')}`).set(bearer(muni)).expect(200)).body as Page<{ id: string }>;
        expect(named.items.map((u) => u.id)).toEqual([extra.id]);
        await api().get(`/v1/units/${a.unitId}/users?role=auditor`).set(bearer(muni)).expect(400);
      });

      it('GET /v1/users lists the municipal roles only, for the municipal office and auditors', async () => {
        const page = (await api().get('/v1/users').set(bearer(muni)).expect(200)).body as Page<{ role: string; unitId: string | null }>;
        expect(page.items.map((u) => u.role).sort()).toEqual(['auditor', 'municipal-admin', 'platform']);
        expect(page.items.every((u) => u.unitId === null)).toBe(true);
        const auditors = (await api().get('/v1/users?role=auditor').set(bearer(auditor)).expect(200)).body as Page<{ name: string }>;
        expect(auditors.items.map((u) => u.name)).toEqual(['审计员']);
        await api().get('/v1/users').set(bearer(a.admin.token)).expect(403);
        await api().get('/v1/users').set(bearer(platform)).expect(403);
        await api().get('/v1/users').expect(401);
      });
    });

    describe('GET /v1/seal-applications', () => {
      it('pending applications for the municipal office, with the unit name; decided ones by state', async () => {
        const pending = (await api().get('/v1/seal-applications?state=applied').set(bearer(muni)).expect(200)).body as Page<{ unitId: string; unitName: string; status: string; bottomText: string }>;
        expect(pending.items).toEqual([expect.objectContaining({ unitId: b.unitId, unitName: '广州市乙局', status: 'applied', bottomText: '合同专用章' })]);
        const approved = (await api().get('/v1/seal-applications?state=approved').set(bearer(auditor)).expect(200)).body as Page<{ sealId: string }>;
        expect(approved.items.map((x) => x.sealId)).toEqual([sealB, sealA]);
      });

      it("a unit administrator sees its own unit's only and may not name another unit", async () => {
        const own = (await api().get('/v1/seal-applications').set(bearer(a.admin.token)).expect(200)).body as Page<{ unitId: string }>;
        expect(own.items.length).toBe(1);
        expect(own.items.every((x) => x.unitId === a.unitId)).toBe(true);
        await api().get(`/v1/seal-applications?unitId=${b.unitId}`).set(bearer(a.admin.token)).expect(403);
        await api().get('/v1/seal-applications').set(bearer(a.operator.token)).expect(403);
      });
    });

    describe('GET /v1/seals', () => {
      it('the municipal office sees every seal by state; a unit administrator its own', async () => {
        const active = (await api().get('/v1/seals?state=active').set(bearer(muni)).expect(200)).body as Page<{ id: string; operators: unknown[]; notAfter: string }>;
        expect(active.items.map((s) => s.id)).toEqual([sealB, sealA]);
        expect(active.items[1]!.operators).toEqual([{ id: a.operator.id, name: '用印人' }]);
        expect(active.items[1]).toMatchObject({ algorithm: 'ECDSA-P256', kind: 'unit', unitName: '广州市甲局' });
        const own = (await api().get('/v1/seals').set(bearer(b.admin.token)).expect(200)).body as Page<{ id: string }>;
        expect(own.items.map((s) => s.id)).toEqual([sealB]);
        await api().get(`/v1/seals?unitId=${a.unitId}`).set(bearer(b.admin.token)).expect(403);
        const dept = (await api().post(`/v1/units/${a.unitId}/department-seals`).set(bearer(a.admin.token)).send({ department: '办公室' }).expect(201)).body.sealId;
        const departments = (await api().get('/v1/seals?kind=department').set(bearer(a.admin.token)).expect(200)).body as Page<{ id: string; department: string }>;
        expect(departments.items).toEqual([expect.objectContaining({ id: dept, department: '办公室' })]);
        expect(((await api().get('/v1/seals?kind=unit').set(bearer(a.admin.token)).expect(200)).body as Page<{ id: string }>).items.map((s) => s.id)).toEqual([sealA]);
        await api().post(`/v1/seals/${dept}/return`).set(bearer(a.admin.token)).send({ reason: '测试' }).expect(200);
      });

      it('an operator lists only the seals it may use; the platform those some operator may use', async () => {
        const mine = (await api().get('/v1/seals').set(bearer(a.operator.token)).expect(200)).body as Page<{ id: string }>;
        expect(mine.items.map((s) => s.id)).toEqual([sealA]);
        const forPlatform = (await api().get('/v1/seals').set(bearer(platform)).expect(200)).body as Page<{ id: string; operators: unknown[] }>;
        expect(forPlatform.items.map((s) => s.id).sort()).toEqual([sealA, sealB].sort());
        // withdrawn: the operator no longer sees it
        await api().delete(`/v1/seals/${sealB}/operators/${b.operator.id}`).set(bearer(b.admin.token)).expect(200);
        expect(((await api().get('/v1/seals').set(bearer(b.operator.token)).expect(200)).body as Page<unknown>).items).toEqual([]);
        expect(((await api().get('/v1/seals').set(bearer(platform)).expect(200)).body as Page<{ id: string }>).items.map((s) => s.id)).toEqual([sealA]);
        await api().post(`/v1/seals/${sealB}/operators`).set(bearer(b.admin.token)).send({ userId: b.operator.id }).expect(201);
      });

      it('expiresBefore filters on the certificate, and seals expiring within 90 days are flagged', async () => {
        const list = (await api().get('/v1/seals').set(bearer(muni)).expect(200)).body as Page<{ id: string; notAfter: string; expiringSoon: boolean }>;
        const notAfter = new Date(list.items.find((s) => s.id === sealA)!.notAfter);
        expect(notAfter.getTime()).toBeGreaterThan(svc.ctx.clock.now().getTime());
        expect(list.items.every((s) => s.expiringSoon === false)).toBe(true);
        const before = (t: Date) => api().get(`/v1/seals?expiresBefore=${encodeURIComponent(t.toISOString())}`).set(bearer(auditor)).expect(200);
        expect(((await before(new Date(notAfter.getTime() + 86_400_000))).body as Page<{ id: string }>).items.map((s) => s.id)).toContain(sealA);
        expect(((await before(svc.ctx.clock.now())).body as Page<unknown>).items).toEqual([]);
        const saved = svc.ctx.clock.now();
        svc.ctx.clock.set(new Date(notAfter.getTime() - 30 * 86_400_000));
        try {
          const soon = (await api().get('/v1/seals').set(bearer(muni)).expect(200)).body as Page<{ id: string; expiringSoon: boolean }>;
          expect(soon.items.find((s) => s.id === sealA)!.expiringSoon).toBe(true);
        } finally {
          svc.ctx.clock.set(saved);
        }
        await api().get('/v1/seals?expiresBefore=tomorrow').set(bearer(muni)).expect(400);
      });
    });

    describe('GET /v1/audit', () => {
      it('newest first, paged by the same convention, every entry exactly once', async () => {
        const { items, pages } = await all<{ seq: string }>('/v1/audit', auditor, 7);
        expect(pages).toBeGreaterThan(2);
        const seqs = items.map((e) => BigInt(e.seq));
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! - 1n);
        expect(seqs[seqs.length - 1]).toBe(1n);
      });

      it("a unit administrator reads its own unit's register only", async () => {
        const { items } = await all<{ seq: string; unitId: string; action: string }>('/v1/audit', a.admin.token, 50);
        expect(items.length).toBeGreaterThan(3);
        expect(items.every((e) => e.unitId === a.unitId)).toBe(true);
        expect(items.map((e) => e.action)).toContain('seal.operator-authorised');
        await api().get(`/v1/audit?unitId=${b.unitId}`).set(bearer(a.admin.token)).expect(403);
        await api().get('/v1/audit').set(bearer(a.operator.token)).expect(403);
        await api().get('/v1/audit/verify').set(bearer(a.admin.token)).expect(403);
        const exported = await api().get('/v1/audit/export').set(bearer(a.admin.token)).expect(200);
        const lines = exported.text.trim().split('\n').map((l) => JSON.parse(l) as { unitId?: string; trailer?: { filter: { unitId: string } } });
        expect(lines.filter((l) => 'seq' in l).every((l) => l.unitId === a.unitId)).toBe(true);
        expect(lines[lines.length - 1]!.trailer!.filter.unitId).toBe(a.unitId);
      });

      it("looks a document up by its SHA-256, and filters by action", async () => {
        const doc = await PDFDocument.create();
        doc.addPage([595, 842]);
        const pdf = Buffer.from(await doc.save());
        const sha = createHash('sha256').update(pdf).digest('hex');
        await api().post('/v1/verify').set(bearer(auditor)).set('Content-Type', 'application/pdf').send(pdf).expect(200);
        const found = (await api().get(`/v1/audit?documentSha256=${sha.toUpperCase()}`).set(bearer(muni)).expect(200)).body as Page<{ action: string; details: { documentSha256: string } }>;
        expect(found.items).toEqual([expect.objectContaining({ action: 'document.verified', details: expect.objectContaining({ documentSha256: sha }) })]);
        const none = (await api().get(`/v1/audit?documentSha256=${'0'.repeat(64)}`).set(bearer(muni)).expect(200)).body as Page<unknown>;
        expect(none).toEqual({ items: [], nextCursor: null });
        const approvals = (await api().get('/v1/audit?action=application.approved').set(bearer(muni)).expect(200)).body as Page<{ action: string }>;
        expect(approvals.items.length).toBe(2);
        await api().get('/v1/audit?documentSha256=abc').set(bearer(muni)).expect(400);
      });
    });
  });
}
