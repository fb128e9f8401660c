/**
 * Official documents as units make them — written as ODT and printed to PDF by LibreOffice with Debian's
 * Song faces — sealed through the service with placement=auto: one issuer (date in digits, date in Chinese
 * numerals, a name spread with spaces, a last page holding only the signature block), three joint issuers
 * sealing in turn, a scan; documents headed with a classification mark refused (Art. 6) and registered.
 * Every seal is found on the page poppler renders, where GB/T 9704's rule (applied to poppler's own word
 * boxes) puts it, within 2 mm.
 */
import { PDFDocument } from 'pdf-lib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter } from '../../src/ca/credit-code.js';
import type { Db } from '../../src/store/db.js';
import { storageAdapters } from '../helpers/storage.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { toolRequired } from '../pdf/fixtures.js';
import { keepForLooking, popplerWords, redSeals, renderPage, ruleCentre, type SealSeen } from './look.js';
import { libreOfficePdf, scannedDocument, type Para } from './official-documents.js';

const code = (n: number) => {
  const first17 = `11440100${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
};

const UNITS = [
  { name: '广州市财政局', aliases: ['市财政局'] },
  { name: '广州市教育局', aliases: [] as string[] },
  { name: '广州市人力资源和社会保障局', aliases: ['广州市人社局'] },
];

/** GB/T 9704 body: title (二号), addressee, text (三号, first line indented two characters). */
function body(title: string, text: string[], mark?: string): Para[] {
  return [
    ...(mark ? [{ text: mark, face: 'sans' as const, align: 'start' as const }] : []),
    { text: title, size: 22, align: 'center' },
    { text: '各区人民政府，市政府各部门：', align: 'start' },
    ...text.map((t) => ({ text: t, indentEm: 2 })),
  ];
}

const PARAGRAPH = '为进一步做好有关工作，经研究，现就有关事项通知如下。各单位要高度重视，加强组织领导，明确责任分工，确保各项工作落到实处。';

/** The signature block of one issuer (§7.3.5.1): the date 右空四字, the name centred over it. */
function signatureBlock(name: string, date: string, face: Para['face'] = 'serif', opts: { pageBreak?: boolean } = {}): Para[] {
  const half = (s: string) => [...s.replace(/\s/g, '')].reduce((w, c) => w + (c.codePointAt(0)! < 0x2e80 ? 0.5 : 1), 0);
  const nameW = [...name].reduce((w, c) => w + (c === ' ' ? 0.33 : c.codePointAt(0)! < 0x2e80 ? 0.5 : 1), 0);
  const dateW = half(date);
  return [
    { text: '', pageBreakBefore: opts.pageBreak },
    { text: name, face, align: 'end', rightEm: 4 + (dateW - nameW) / 2 },
    { text: date, face, align: 'end', rightEm: 4 },
  ];
}

const describeIf = toolRequired('soffice') && toolRequired('pdftoppm') ? describe : describe.skip;

describeIf('placement=auto through the service, on documents printed by LibreOffice', () => {
  let db: Db;
  let svc: TestService;
  let muni: string;
  const units: { unitId: string; operator: string; sealId: string }[] = [];
  const api = () => request(svc.app);

  beforeAll(async () => {
    db = await storageAdapters()[0]!.open();
    svc = await testService(db);
    muni = (await makeUser(db, 'municipal-admin')).token;
    for (const [i, u] of UNITS.entries()) {
      const unitId = (await api().post('/v1/units').set(bearer(muni)).send({ name: u.name, code: code(300 + i), aliases: u.aliases }).expect(201)).body.id;
      const admin = (await api().post(`/v1/units/${unitId}/users`).set(bearer(muni)).send({ name: 'admin', role: 'unit-admin' }).expect(201)).body.token;
      const op = (await api().post(`/v1/units/${unitId}/users`).set(bearer(admin)).send({ name: 'op', role: 'operator' }).expect(201)).body;
      const appId = (await api().post('/v1/seal-applications').set(bearer(admin))
        .send({ unitId, template: 'round-official', text: u.name, physicalSealRef: `ref-${i}`, purpose: '公文用印' }).expect(201)).body.id;
      const sealId = (await api().post(`/v1/seal-applications/${appId}/approve`).set(bearer(muni)).expect(201)).body.sealId;
      await api().post(`/v1/seals/${sealId}/operators`).set(bearer(admin)).send({ userId: op.id }).expect(201);
      units.push({ unitId, operator: op.token, sealId });
    }
  });
  afterAll(async () => {
    await svc?.close();
  });

  const sign = (u: (typeof units)[number], pdf: Uint8Array, query: string) =>
    api().post(`/v1/seals/${u.sealId}/sign?${query}`).set(bearer(u.operator)).set('Content-Type', 'application/pdf')
      .buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      }).send(Buffer.from(pdf));
  const problem = (res: { body: Buffer }) => JSON.parse(res.body.toString());

  /** The Seal-Placement header, read back. */
  const header = (h: string | undefined) => {
    const m = /^page=(\d+); x=(-?[\d.]+); y=(-?[\d.]+)$/.exec(h ?? '');
    expect(m, `Seal-Placement: ${h}`).not.toBeNull();
    return { page: Number(m![1]), x: Number(m![2]), y: Number(m![3]) };
  };

  async function sealedWhereTheRuleSays(pdf: Uint8Array, unit: number, page: number, name: string, date: string | undefined, look: string): Promise<{ sealed: Buffer; seen: SealSeen[] }> {
    const res = await sign(units[unit]!, pdf, 'placement=auto&level=B-B').expect(200);
    const at = header(res.headers['seal-placement']);
    expect(at.page).toBe(page);
    const sealed = res.body as Buffer;
    const want = ruleCentre(await popplerWords(sealed, page), name, date);
    expect(Math.hypot(at.x - want.x, at.y - want.y), JSON.stringify({ at, want })).toBeLessThan(2);
    const png = await renderPage(sealed, page);
    keepForLooking(png, `${look}.png`);
    const { seals } = await redSeals(png);
    const mine = seals.find((s) => Math.hypot(s.x - at.x, s.y - at.y) < 5);
    expect(mine, `a red seal near ${JSON.stringify(at)} among ${JSON.stringify(seals.map((s) => [s.x, s.y]))}`).toBeDefined();
    expect(Math.abs(mine!.w - 42)).toBeLessThan(1.5); // the round official seal, 42 mm
    expect(Math.hypot(mine!.x - want.x, mine!.y - want.y), JSON.stringify({ mine, want })).toBeLessThan(2);
    return { sealed, seen: seals };
  }

  it('one issuer, several pages, date in digits: over the name and the date on the last page', async () => {
    const pdf = await libreOfficePdf([
      ...body('广州市财政局关于做好预算执行工作的通知', Array(9).fill(PARAGRAPH)),
      ...signatureBlock('广州市财政局', '2026年11月29日'),
    ]);
    const pages = (await PDFDocument.load(pdf)).getPageCount();
    expect(pages).toBeGreaterThanOrEqual(2);
    await sealedWhereTheRuleSays(pdf, 0, pages, '广州市财政局', '2026年11月29日', 'lo-single-digits');
  });

  it('date in Chinese numerals, AR PL UMing, the name spread with spaces, the last page holding only the signature block', async () => {
    const pdf = await libreOfficePdf([
      ...body('广州市教育局关于开展校园安全检查的通知', [PARAGRAPH, PARAGRAPH]),
      ...signatureBlock('广 州 市 教 育 局', '二〇二六年十一月二十九日', 'uming', { pageBreak: true }),
    ]);
    await sealedWhereTheRuleSays(pdf, 1, 2, '广州市教育局', '二〇二六年十一月二十九日', 'lo-chinese-date-last-page');
  });

  it('after a rename announced for a later date, a seal that still reads the old name finds the old name (Art. 18(3))', async () => {
    // The rename takes the registered name at once; the old seal stays usable until the effective date, and
    // the documents it seals meanwhile are signed with the name that seal reads.
    await api().post(`/v1/units/${units[1]!.unitId}/rename`).set(bearer(muni)).send({ newName: '广州市教育委员会', effectiveDate: '2099-01-04' }).expect(200);
    const oldName = await libreOfficePdf([
      ...body('广州市教育局关于做好寒假安全工作的通知', [PARAGRAPH]),
      ...signatureBlock('广州市教育局', '2026年12月1日'),
    ]);
    await sealedWhereTheRuleSays(oldName, 1, 1, '广州市教育局', '2026年12月1日', 'lo-old-name-after-rename');
    // A document already written with the new name is found too: the unit's registered name is still looked for.
    const newName = await libreOfficePdf([
      ...body('广州市教育委员会关于做好寒假安全工作的通知', [PARAGRAPH]),
      ...signatureBlock('广州市教育委员会', '2026年12月2日'),
    ]);
    await sealedWhereTheRuleSays(newName, 1, 1, '广州市教育委员会', '2026年12月2日', 'lo-new-name-old-seal');
  });

  it('three joint issuers seal in turn: three seals side by side, each over its own name, none touching', async () => {
    // §7.3.5.2: the names in a row in issuing order (centre tabs), the date below the last one.
    const names = ['广州市财政局', '广州市教育局', '广州市人社局'];
    const date = '2026年11月29日';
    // Text area 28..184 mm; date right end at 184 - 4 em; its centre 141.6 mm from the page edge.
    const centres = [51.6, 96.6, 141.6].map((x) => x - 28);
    let pdf: Uint8Array = await libreOfficePdf([
      ...body('广州市财政局 广州市教育局 广州市人力资源和社会保障局关于联合开展检查的通知', [PARAGRAPH, PARAGRAPH]),
      { text: '' },
      { text: `\t${names.join('\t')}`, align: 'start', centreTabsMm: centres },
      { text: date, align: 'end', rightEm: 4 },
    ]);
    const seenAfter: SealSeen[][] = [];
    for (const [i, name] of names.entries()) {
      const { sealed, seen } = await sealedWhereTheRuleSays(pdf, i, 1, name, i === 2 ? date : undefined, `lo-joint-${i + 1}`);
      seenAfter.push(seen);
      pdf = sealed;
    }
    const final = seenAfter[2]!;
    expect(final).toHaveLength(3);
    for (let i = 1; i < 3; i++) expect(final[i]!.box.x0, 'seals side by side, not touching').toBeGreaterThan(final[i - 1]!.box.x1);
    // In issuing order, left to right.
    const report = await api().post('/v1/verify').set(bearer(muni)).set('Content-Type', 'application/pdf').send(pdf).expect(200);
    expect(report.body.signatures.map((s: { status: string }) => s.status)).toEqual(['VALID', 'VALID', 'VALID']);
    expect(report.body.signatures.map((s: { signer: { unit: string } }) => s.signer.unit)).toEqual(UNITS.map((u) => u.name));
    expect(report.body.classification).toBeNull();
  });

  it('a scan (images only): placement=auto is 422 placement-not-found; x and y still seal it', async () => {
    const printed = await libreOfficePdf([...body('广州市财政局关于做好预算执行工作的通知', [PARAGRAPH]), ...signatureBlock('广州市财政局', '2026年11月29日')]);
    const scan = await scannedDocument(printed);
    const res = await sign(units[0]!, scan, 'placement=auto&level=B-B').expect(422);
    expect(problem(res)).toMatchObject({ type: 'urn:e-seal:problem:placement-not-found', field: 'placement' });
    expect(problem(res).detail).toContain('广州市财政局');
    await sign(units[0]!, scan, 'x=140&y=200&level=B-B').expect(200);
  });

  it('where the seal goes: exactly one of placement=auto or both x and y, else 400 naming the parameter', async () => {
    const pdf = await libreOfficePdf([...body('广州市财政局关于做好预算执行工作的通知', [PARAGRAPH]), ...signatureBlock('广州市财政局', '2026年11月29日')]);
    for (const [query, field] of [['placement=auto&x=140&y=60', 'x'], ['x=140', 'y'], ['y=60', 'x'], ['level=B-B', 'placement'], ['placement=manual&x=1&y=1', 'query.placement']] as const) {
      const res = await sign(units[0]!, pdf, query).expect(400);
      expect(problem(res).field ?? problem(res).errors?.[0]?.path ?? '', query).toContain(field);
    }
    const ok = await sign(units[0]!, pdf, 'x=140&y=200&level=B-B').expect(200);
    expect(ok.headers['seal-placement']).toBe('page=1; x=140; y=200');
  });

  it('riding=true: alone, or with placement=auto in the same signature; a replayed answer keeps Seal-Placement', async () => {
    const pdf = await libreOfficePdf([
      ...body('广州市财政局关于做好预算执行工作的通知', Array(9).fill(PARAGRAPH)),
      ...signatureBlock('广州市财政局', '2026年11月29日'),
    ]);
    const pages = (await PDFDocument.load(pdf)).getPageCount();
    const alone = await sign(units[0]!, pdf, 'riding=true&level=B-B').expect(200);
    expect(alone.headers['seal-placement']).toBeUndefined();
    const both = await sign(units[0]!, pdf, 'riding=true&placement=auto&level=B-T').set('Idempotency-Key', 'riding-auto-1').expect(200);
    const at = header(both.headers['seal-placement']);
    expect(at.page).toBe(pages);
    const again = await sign(units[0]!, pdf, 'riding=true&placement=auto&level=B-T').set('Idempotency-Key', 'riding-auto-1').expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['seal-placement']).toBe(both.headers['seal-placement']);
    for (const [sealed, withMain] of [[alone.body as Buffer, false], [both.body as Buffer, true]] as const) {
      const report = await api().post('/v1/verify').set(bearer(muni)).set('Content-Type', 'application/pdf').send(sealed).expect(200);
      expect(report.body.signatures).toHaveLength(1);
      expect(report.body.signatures[0]).toMatchObject({ status: 'VALID', riding: true, ridingPages: Array.from({ length: pages }, (_, i) => i + 1) });
      const png = await renderPage(sealed, pages);
      keepForLooking(png, `lo-riding-${withMain ? 'with-main' : 'alone'}.png`);
      const { seals, width } = await redSeals(png);
      expect(seals.filter((x) => x.box.x1 >= width - 2), 'a slice at the right edge').toHaveLength(1);
      expect(seals.filter((x) => x.box.x1 < width - 2), 'the main seal').toHaveLength(withMain ? 1 : 0);
    }
    const single = await libreOfficePdf([...body('广州市财政局关于做好预算执行工作的通知', [PARAGRAPH]), ...signatureBlock('广州市财政局', '2026年11月29日')]);
    const refused = await sign(units[0]!, single, 'riding=true').expect(422);
    expect(problem(refused).type).toBe('urn:e-seal:problem:riding-needs-pages');
  });

  describe('classification marks (Art. 6)', () => {
    for (const mark of ['机密★1年', '秘密', '绝密★长期']) {
      it(`a document headed ${mark} is refused whatever the parameter says, and the refusal is registered`, async () => {
        const pdf = await libreOfficePdf([...body('广州市财政局关于做好预算执行工作的通知', [PARAGRAPH], mark), ...signatureBlock('广州市财政局', '2026年11月29日')]);
        const before = (await api().get(`/v1/audit?sealId=${units[0]!.sealId}&limit=1000`).set(bearer(muni))).body.items.length;
        for (const query of ['placement=auto', 'x=140&y=200&classification=none']) {
          const res = await sign(units[0]!, pdf, query).expect(422);
          expect(problem(res)).toMatchObject({ type: 'urn:e-seal:problem:classified-document', classification: { level: mark.slice(0, 2), text: mark } });
          expect(problem(res).detail).toContain('Art. 6');
        }
        // Registered: two refusals, no sealing.
        let entries: { action: string; outcome: string; details: { problem?: string } }[] = [];
        for (let i = 0; i < 50; i++) {
          entries = (await api().get(`/v1/audit?sealId=${units[0]!.sealId}&limit=1000`).set(bearer(muni))).body.items;
          if (entries.length >= before + 2) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        const fresh = entries.slice(0, entries.length - before); // newest first
        expect(fresh.filter((e) => e.action === 'request.refused' && String(e.details.problem).includes('classified-document'))).toHaveLength(2);
        expect(fresh.filter((e) => e.action === 'seal.used')).toHaveLength(0);
        const report = await api().post('/v1/verify').set(bearer(muni)).set('Content-Type', 'application/pdf').send(pdf).expect(200);
        expect(report.body.classification).toMatchObject({ level: mark.slice(0, 2), text: mark, page: 1 });
      });
    }

    it('机密 inside the body text is not a mark: the document is sealed', async () => {
      const pdf = await libreOfficePdf([
        ...body('广州市财政局关于加强文件管理的通知', ['各单位工作人员不得泄露机密，不得在非涉密网络处理涉密信息。', PARAGRAPH]),
        ...signatureBlock('广州市财政局', '2026年11月29日'),
      ]);
      await sealedWhereTheRuleSays(pdf, 0, 1, '广州市财政局', '2026年11月29日', 'lo-body-jimi');
    });
  });
});
