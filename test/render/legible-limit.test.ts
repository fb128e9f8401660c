/**
 * Seal text is never squeezed into slivers: each template states its smallest legible glyph width
 * (minGlyphWidthMm), every template is tested at its limit (fits, no character narrower than that) and one past it
 * (422 text-too-long naming the most characters that fit), through the renderer, `seal render`, and the render,
 * application and department-seal endpoints.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { renderCommand } from '../../src/cli/commands/render.js';
import { getTemplate, listTemplates, renderSeal, sealLayout } from '../../src/render/index.js';
import { legibleArcCharacters, legibleGridCharacters } from '../../src/render/layout.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { storageAdapters } from '../helpers/storage.js';
import { creditCode } from '../helpers/units.js';
import { THIRTY } from './cases.js';

const limitOf = (template: string) => {
  const t = getTemplate(template);
  return t.arcText ? legibleArcCharacters(t) : legibleGridCharacters(t);
};
const minWidthOf = (template: string) => {
  const t = getTemplate(template);
  return (t.arcText ?? t.gridText)!.minGlyphWidthMm.value;
};
/** n characters of a real unit name, repeated as needed. */
const name = (n: number) => [...THIRTY.repeat(2)].slice(0, n).join('');

describe('every template states its smallest legible glyph width', () => {
  it.each(listTemplates())('%s', (template) => {
    expect(minWidthOf(template)).toBeGreaterThanOrEqual(1.5);
  });
});

describe('at the limit and one past it', () => {
  // Where a person looks at the images at the limit (the file tool shows PNGs).
  const lookDir = join(tmpdir(), 'seal-legible-limit');
  mkdirSync(lookDir, { recursive: true });

  it.each(listTemplates())('%s: the limit renders, every character at least the legible width; one more is 422 naming the limit', async (template) => {
    const limit = limitOf(template);
    expect(limit).toBeGreaterThan(3);
    expect(limit).toBeLessThanOrEqual(getTemplate(template).arcText?.maxCharacters.value ?? getTemplate(template).gridText!.maxCharacters.value);
    const layout = sealLayout({ template, text: name(limit), bottomText: '' });
    expect(layout.glyphs.filter((g) => g.field === 'text')).toHaveLength(limit);
    if (layout.arc) expect(layout.arc.fontSizeMm * layout.arc.condense).toBeGreaterThanOrEqual(minWidthOf(template) - 1e-9);
    const seal = await renderSeal({ template, text: name(limit), dpi: 300 });
    writeFileSync(join(lookDir, `${template}-${limit}.png`), seal.png);

    const past = renderSeal({ template, text: name(limit + 1), dpi: 300 });
    await expect(past).rejects.toMatchObject({ status: 422, type: 'text-too-long', details: { field: 'text', maxCharacters: limit } });
    await expect(past).rejects.toThrow(new RegExp(`has ${limit + 1} characters; template "${template}" fits at most ${limit} without drawing a character narrower than ${minWidthOf(template)} mm`));
  });

  it('seal render one past the limit: exit 2, one line naming the most characters', async () => {
    const err: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((c) => (err.push(String(c)), true));
    try {
      const limit = limitOf('round-official');
      const file = join(lookDir, 'cli-past.png');
      expect(await renderCommand(['--template', 'round-official', '--text', name(limit + 1), '-o', file])).toBe(2);
      expect(err.join('')).toMatch(new RegExp(`text-too-long: .*fits at most ${limit} without drawing a character narrower than 2 mm`));
      err.length = 0;
      expect(await renderCommand(['--template', 'round-official', '--text', name(limit), '--dpi', '300', '-o', file])).toBe(0);
    } finally {
      spy.mockRestore();
    }
  });
});

describe.each(storageAdapters())('the endpoints refuse a name past the limit ($name)', (adapter) => {
  let svc: TestService;
  let muni: string;
  beforeAll(async () => {
    svc = await testService(await adapter.open());
    muni = (await makeUser(svc.ctx.db, 'municipal-admin')).token;
  });
  afterAll(() => svc?.close());

  it('POST /v1/render/preview and POST /v1/seal-applications: 422 text-too-long with maxCharacters', async () => {
    const api = () => request(svc.app);
    const limit = limitOf('oval');
    const preview = await api().post('/v1/render/preview').set(bearer(muni)).send({ template: 'oval', text: name(limit + 1) });
    expect(preview.status).toBe(422);
    expect(preview.body).toMatchObject({ type: 'urn:e-seal:problem:text-too-long', field: 'text', maxCharacters: limit });
    expect(preview.body.detail).toMatch(`fits at most ${limit}`);
    expect((await api().post('/v1/render/preview').set(bearer(muni)).send({ template: 'oval', text: name(limit) })).status).toBe(200);

    const unitId = (await api().post('/v1/units').set(bearer(muni)).send({ name: name(limit + 1), code: creditCode(7101) }).expect(201)).body.id;
    const admin = (await api().post(`/v1/units/${unitId}/users`).set(bearer(muni)).send({ name: 'admin', role: 'unit-admin' }).expect(201)).body.token;
    const application = await api()
      .post('/v1/seal-applications')
      .set(bearer(admin))
      .send({ unitId, template: 'oval', text: name(limit + 1), physicalSealRef: 'ref', purpose: 'finance' });
    expect(application.status).toBe(422);
    expect(application.body).toMatchObject({ type: 'urn:e-seal:problem:text-too-long', field: 'text', maxCharacters: limit });
  });

  it('POST /v1/units/{id}/department-seals: a unit name too long for the department seal arc is 422 naming unit.name and the limit', async () => {
    const api = () => request(svc.app);
    const limit = limitOf('round-department');
    const unitName = name(limit + 1);
    const unitId = (await api().post('/v1/units').set(bearer(muni)).send({ name: unitName, code: creditCode(7102) }).expect(201)).body.id;
    const admin = (await api().post(`/v1/units/${unitId}/users`).set(bearer(muni)).send({ name: 'admin', role: 'unit-admin' }).expect(201)).body.token;
    const res = await api().post(`/v1/units/${unitId}/department-seals`).set(bearer(admin)).send({ department: '办公室' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ type: 'urn:e-seal:problem:text-too-long', field: 'unit.name', maxCharacters: limit });
    expect(res.body.detail).toMatch(/unit's registered name/);
    // The same unit's department name too long for the line below the star names `department`.
    const short = (await api().post('/v1/units').set(bearer(muni)).send({ name: name(6), code: creditCode(7103) }).expect(201)).body.id;
    const admin2 = (await api().post(`/v1/units/${short}/users`).set(bearer(muni)).send({ name: 'admin', role: 'unit-admin' }).expect(201)).body.token;
    const long = await api().post(`/v1/units/${short}/department-seals`).set(bearer(admin2)).send({ department: '综合业务信息化管理处第二' });
    expect(long.status).toBe(422);
    expect(long.body).toMatchObject({ type: 'urn:e-seal:problem:text-too-long', field: 'department' });
    expect(long.body.detail).toMatch(/^The department name \(12 characters\) is too long/);
  });
});
