import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/paths.js';
import { headlessChromium, type HeadlessChromium } from './chromium.js';
import type { Db } from '../../src/store/db.js';
import { storageAdapters } from '../helpers/storage.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { creditCode } from '../helpers/units.js';
import { haveJudges } from '../helpers/judges.js';
import { GOOD_CASES, makeScan } from '../imprint/make-corpus.js';
import request from 'supertest';

/**
 * The web console in a real browser (Debian's Chromium driven by playwright-core, headless, kept off
 * the network): the municipal office registers a unit and approves an application after seeing its
 * image, the unit administrator creates an operator and a department seal, an auditor checks the
 * chain. Each screen is written to test/browser/screenshots/ to be looked at.
 */
const SHOTS = fromRoot('test', 'browser', 'screenshots');

// skipped (and named in the run's summary) without Chromium; with CI=true a missing Chromium fails
describe.runIf(haveJudges('chromium'))('the web console in Chromium', () => {
  let db: Db;
  let svc: TestService;
  let server: Server;
  let base: string;
  let context: BrowserContext;
  let profile: string;
  let browser: HeadlessChromium | undefined;
  let muni: string;
  let auditor: string;
  const problems: string[] = [];
  const unitName = '广州市测试档案局';
  let unitAdminToken = '';

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  /** A fresh tab (its own sessionStorage) signed in with the token. */
  async function signedIn(token: string): Promise<Page> {
    const page = await context.newPage();
    // CSP violations and script errors; answers refused on purpose (4xx) are logged by Chromium too, and are not problems
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
    await page.goto(`${base}/console/`);
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    await page.waitForSelector('nav a.current');
    return page;
  }

  const goTo = async (page: Page, screen: string) => {
    await page.click(`nav a[href="#/${screen}"]`);
    await page.waitForSelector(`nav a.current[href="#/${screen}"]`);
  };

  /** Every seal image matching the selector has loaded a picture (a blob: URL); none is still a placeholder. */
  const imagesLoaded = (page: Page, selector: string) =>
    page.waitForFunction((sel) => {
      const all = [...document.querySelectorAll<HTMLElement>(sel)];
      return all.length > 0 && all.every((i) => i instanceof HTMLImageElement && i.complete && i.naturalWidth > 0 && i.src.startsWith('blob:'));
    }, selector);

  beforeAll(async () => {
    // the console as `npm run build` makes it (vite, a second or two)
    execFileSync(fromRoot('node_modules', '.bin', 'vite'), ['build', '--config', fromRoot('console', 'vite.config.ts')], { stdio: 'pipe' });
    mkdirSync(SHOTS, { recursive: true });
    db = await storageAdapters()[0]!.open();
    svc = await testService(db);
    svc.ctx.clock.set(new Date());
    muni = (await makeUser(db, 'municipal-admin', null, '市局王科长')).token;
    auditor = (await makeUser(db, 'auditor', null, '审计员李明')).token;
    server = createServer(svc.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await headlessChromium('console', { width: 1280, height: 860 });
    ({ context, profile } = browser);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    await svc?.close();
  });

  it('is served with its own CSP (blob: images, no upgrade to HTTPS) and routed before the API validator', async () => {
    const res = await fetch(`${base}/console/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("img-src 'self' blob:");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(await res.text()).toContain('<div id="app">');
    expect((await fetch(`${base}/console/units/deep-link`)).status).toBe(200);
    expect((await fetch(`${base}/console/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${base}/console`, { redirect: 'manual' })).status).toBe(301);
    // the API keeps helmet's defaults
    expect((await fetch(`${base}/healthz`)).headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
  });

  it('refuses a bad token with a Chinese message keyed on the problem type', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/console/`);
    await shot(page, '01-sign-in');
    await page.fill('input[name=token]', 'not-a-token');
    await page.click('button[type=submit]');
    const error = page.locator('.error');
    await expect.poll(() => error.textContent()).toContain('令牌无效或已失效');
    await shot(page, '02-sign-in-refused');
    await page.close();
  });

  it('keeps the token in the tab only and signs out after 15 idle minutes', async () => {
    const page = await context.newPage();
    await page.clock.install();
    await page.goto(`${base}/console/`);
    await page.fill('input[name=token]', auditor);
    await page.click('button[type=submit]');
    await page.waitForSelector('nav a.current');
    expect(await page.evaluate(() => [sessionStorage.length, localStorage.getItem('e-seal-console-token')])).toEqual([1, null]);
    await page.clock.fastForward('14:00');
    await page.mouse.click(5, 300); // activity restarts the 15 minutes
    await page.clock.fastForward('14:00');
    expect(await page.locator('nav').count()).toBe(1);
    await page.clock.fastForward('01:01');
    await page.locator('input[name=token]').waitFor();
    expect(await page.textContent('.sign-in')).toContain('长时间无操作，已自动退出');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });

  it('the municipal office registers a unit and gives it an administrator', async () => {
    const page = await signedIn(muni);
    expect(await page.textContent('header .me')).toContain('市局王科长');
    await page.fill('form[aria-label=登记单位] input[name=name]', unitName);
    await page.fill('form[aria-label=登记单位] input[name=code]', creditCode(4201));
    await page.click('form[aria-label=登记单位] button[type=submit]');
    const row = page.locator(`tr[data-unit="${unitName}"]`);
    await row.waitFor();
    // a credit code with a wrong check character: the problem's Chinese message and its detail
    await page.fill('form[aria-label=登记单位] input[name=name]', '另一个单位');
    await page.fill('form[aria-label=登记单位] input[name=code]', '91440101MA59ABCDE0');
    await page.click('form[aria-label=登记单位] button[type=submit]');
    await page.locator('form[aria-label=登记单位] .error').waitFor();
    expect(await page.textContent('form[aria-label=登记单位] .error')).toMatch(/统一社会信用代码无效|填写的内容不符合要求/);
    // times in Asia/Shanghai although the browser is in Berlin
    const shown = (await row.locator('.time').textContent())!;
    const shanghaiNow = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', dateStyle: 'short' }).format(new Date());
    expect(shown.slice(0, 10)).toBe(shanghaiNow);
    await shot(page, '03-municipal-units');

    await row.getByRole('button', { name: '新建单位管理员' }).click();
    await page.fill('.modal input[name=adminName]', '档案局张主任');
    await page.click('.modal button.danger');
    unitAdminToken = (await page.locator('.modal code.token').textContent())!.trim();
    expect(unitAdminToken.length).toBeGreaterThan(20);
    await shot(page, '04-municipal-unit-admin-token');
    await page.click('.modal button.secondary');

    // a second unit, renamed (Art. 18(3)) and then deregistered (Art. 18(2)), each after its confirmation
    await page.fill('form[aria-label=登记单位] input[name=name]', '广州市临时筹备办');
    await page.fill('form[aria-label=登记单位] input[name=code]', creditCode(4202));
    await page.click('form[aria-label=登记单位] button[type=submit]');
    const other = page.locator('tr[data-unit="广州市临时筹备办"]');
    await other.waitFor();
    await other.getByRole('button', { name: '更名' }).click();
    expect(await page.textContent('.modal')).toContain('第十八条第三款');
    await page.fill('.modal input[name=newName]', '广州市筹备工作办公室');
    await page.fill('.modal input[name=effectiveDate]', new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date()));
    await page.click('.modal button.danger');
    const renamed = page.locator('tr[data-unit="广州市筹备工作办公室"]');
    await renamed.waitFor();
    await renamed.getByRole('button', { name: '注销' }).click();
    expect(await page.textContent('.modal')).toContain('第十八条第二款');
    await page.click('.modal button.danger');
    await expect.poll(() => renamed.locator('.state').textContent()).toBe('已注销');

    // the municipal roles' users: an auditor made here, its token shown once
    await goTo(page, 'users');
    await page.fill('form[aria-label=新建用户] input[name=name]', '审计员赵敏');
    await page.selectOption('form[aria-label=新建用户] select[name=role]', 'auditor');
    await page.click('form[aria-label=新建用户] button[type=submit]');
    await page.locator('form[aria-label=新建用户] code.token').waitFor();
    await page.locator('tr[data-user="审计员赵敏"]').waitFor();
    expect(await page.textContent('tr[data-user="审计员赵敏"]')).toContain('审计员');
    await shot(page, '04b-municipal-users');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('the unit administrator creates an operator and applies for the unit seal', async () => {
    const page = await signedIn(unitAdminToken);
    await page.fill('form[aria-label=新建用户] input[name=name]', '用印人陈晓');
    await page.selectOption('form[aria-label=新建用户] select[name=role]', 'operator');
    await page.click('form[aria-label=新建用户] button[type=submit]');
    await page.locator('form[aria-label=新建用户] code.token').waitFor();
    await page.locator('tr[data-user="用印人陈晓"]').waitFor();
    expect(await page.textContent('tr[data-user="用印人陈晓"]')).toContain('用印人');
    await shot(page, '05-unit-users');

    await goTo(page, 'applications');
    await page.fill('form[aria-label=申请印章] input[name=text]', unitName);
    await page.fill('form[aria-label=申请印章] input[name=physicalSealRef]', '穗公章备2026-118');
    await page.fill('form[aria-label=申请印章] input[name=purpose]', '公文交换');
    await page.getByRole('button', { name: '预览印章' }).click();
    await imagesLoaded(page, 'figure.preview .seal-image');
    await page.click('form[aria-label=申请印章] button[type=submit]');
    await page.locator('tbody tr .state-applied').waitFor();
    // the scan of the physical seal's imprint, extracted by the service (Art. 15, 17(1))
    const c = GOOD_CASES.find((x) => x.template === 'round-official' && x.format === 'png')!;
    const scan = join(profile, 'imprint.png');
    writeFileSync(scan, await makeScan({ ...c, text: unitName }));
    await page.setInputFiles('form.imprint-upload input[name=scan]', scan);
    await page.fill('form.imprint-upload input[name=diameterMm]', '42');
    await page.click('form.imprint-upload button[type=submit]');
    await page.locator('form.imprint-upload .ok').waitFor();
    await shot(page, '06-unit-applications');
    await page.close();
  });

  it('the municipal office approves the application after seeing its image', async () => {
    const page = await signedIn(muni);
    await goTo(page, 'pending');
    const card = page.locator('article.application');
    await card.waitFor();
    expect(await card.textContent()).toContain(unitName);
    await imagesLoaded(page, 'article.application .seal-image');
    // side by side: the rendered seal, and the imprint's extracted image with its quality report
    expect(await card.locator('img.seal-image').count()).toBe(2);
    expect(await card.locator('dl.report').textContent()).toContain('可信度');
    const size = await card.locator('img.seal-image').first().evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight]);
    expect(size[0]).toBeGreaterThan(100);
    await shot(page, '07-municipal-pending-application');
    await card.getByRole('button', { name: '批准并制章' }).click();
    await card.waitFor({ state: 'detached' });

    await goTo(page, 'seals');
    const seal = page.locator(`tr[data-seal]`).first();
    await seal.waitFor();
    await imagesLoaded(page, 'tr[data-seal] .seal-image');
    expect(await seal.textContent()).toContain(unitName);
    await shot(page, '08-municipal-seals');
    // a return asks first, naming the article; cancelled here
    await seal.getByRole('button', { name: '交回' }).click();
    expect(await page.textContent('.modal')).toContain('第十七条第三款');
    await shot(page, '09-municipal-return-confirmation');
    await page.click('.modal button.secondary');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('the unit administrator authorises the operator and issues a department seal (Art. 17(4))', async () => {
    const page = await signedIn(unitAdminToken);
    await goTo(page, 'seals');
    const seal = page.locator('tr[data-seal]').first();
    await seal.waitFor();
    await seal.getByRole('button', { name: '授权用印人' }).click();
    await page.click('.modal button.danger');
    await expect.poll(() => seal.textContent()).toContain('用印人陈晓');
    // withdrawn with one click, then authorised again
    await seal.getByRole('button', { name: '撤销用印授权 用印人陈晓' }).click();
    await expect.poll(() => seal.textContent()).not.toContain('用印人陈晓');
    await seal.getByRole('button', { name: '授权用印人' }).click();
    await page.click('.modal button.danger');
    await expect.poll(() => seal.textContent()).toContain('用印人陈晓');
    await shot(page, '10-unit-seals');

    await goTo(page, 'department');
    await page.fill('form[aria-label="签发部门印章（第十七条第四款）"] input[name=department]', '办公室');
    await page.click('form[aria-label="签发部门印章（第十七条第四款）"] button[type=submit]');
    const dept = page.locator('tr[data-seal]').first();
    await dept.waitFor();
    expect(await dept.textContent()).toContain('办公室');
    expect(await dept.textContent()).toContain('部门印章');
    await imagesLoaded(page, 'tr[data-seal] .seal-image');
    await shot(page, '11-unit-department-seal');

    // Art. 17(3): a replacement is an application linked to the old seal
    await goTo(page, 'seals');
    await page.locator('tr[data-seal]').first().getByRole('button', { name: '申请更换' }).click();
    expect(await page.textContent('.modal')).toContain('第十七条第三款');
    await page.fill('.modal input[name=physicalSealRef]', '穗公章备2026-119');
    await page.fill('.modal input[name=reason]', '印章磨损');
    await page.click('.modal button.danger');
    await page.locator('.modal').waitFor({ state: 'detached' });
    await goTo(page, 'applications');
    const replacement = page.locator('tbody tr', { hasText: '印章磨损' });
    await replacement.waitFor();
    expect(await replacement.locator('td:nth-child(5)').textContent()).not.toBe('—');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('the municipal office returns and destroys a seal, each after a confirmation naming the article', async () => {
    const page = await signedIn(muni);
    await goTo(page, 'seals');
    const dept = page.locator('tr[data-seal="广州市测试档案局办公室"]');
    await dept.waitFor();
    await dept.getByRole('button', { name: '交回' }).click();
    expect(await page.textContent('.modal')).toContain('依据第十七条第三款、第十八条交回印章“广州市测试档案局办公室”');
    // no reason, no return
    expect(await page.locator('.modal button.danger').isDisabled()).toBe(true);
    await page.fill('.modal input[name=reason]', '内设机构调整');
    await page.click('.modal button.danger');
    await page.locator('.modal').waitFor({ state: 'detached' });
    await dept.waitFor({ state: 'detached' }); // the list shows active seals
    await page.selectOption('select[name=state]', 'returned');
    await dept.getByRole('button', { name: '销毁' }).click();
    expect(await page.textContent('.modal')).toContain('依据第十八条销毁');
    await page.fill('.modal input[name=reason]', '已交回，按规定销毁');
    await page.click('.modal button.danger');
    await page.locator('.modal').waitFor({ state: 'detached' });
    await page.selectOption('select[name=state]', 'destroyed');
    await expect.poll(() => dept.locator('.state').textContent()).toBe('已销毁');
    await shot(page, '12-municipal-destroyed-seal');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('an auditor reads the register and checks the chain and checkpoints; English is available', async () => {
    // the municipal office anchors the head (as before handing an export to an auditor)
    await request(svc.app).post('/v1/audit/checkpoints').set(bearer(muni)).expect(201);
    const page = await signedIn(auditor);
    await page.locator('table.register tbody tr').first().waitFor();
    // actions in words, the code kept in the cell's title
    const actions = await page.locator('table.register tbody tr td:nth-child(3)').allTextContents();
    expect(actions).toEqual(expect.arrayContaining(['单位登记', '批准制章', '签发部门印章']));
    const codes = await page.locator('table.register tbody tr td:nth-child(3)').evaluateAll((tds) => tds.map((td) => td.getAttribute('title')));
    expect(codes).toEqual(expect.arrayContaining(['unit.registered', 'application.approved', 'seal.department-issued']));
    await shot(page, '13-auditor-register');
    // filtered to the unit (chosen by name): the checkpoint entry, which names no unit, goes
    await page.selectOption('select[name=unitId]', { label: unitName });
    await page.click('form[aria-label=筛选] button[type=submit]');
    await expect.poll(() => page.locator('table.register tbody tr td:nth-child(3)').allTextContents()).not.toContain('登记检查点');
    const units = await page.locator('table.register tbody tr td:nth-child(6)').allTextContents();
    expect(units.length).toBeGreaterThan(3);
    expect(new Set(units)).toEqual(new Set([unitName]));
    // the export of that selection, as NDJSON with the signed trailer naming the filter
    await page.getByRole('button', { name: '导出（NDJSON）' }).click();
    const link = page.locator('a.download');
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^register-.*\.ndjson$/);
    const lines = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq?: string; trailer?: { filter: Record<string, string> } });
    expect(lines.filter((l) => 'seq' in l).length).toBe(units.length);
    expect(lines[lines.length - 1]!.trailer!.filter).toMatchObject({ unitId: expect.any(String) });

    await goTo(page, 'chain');
    await page.getByRole('button', { name: '校验登记链与检查点' }).click();
    const result = page.locator('.chain');
    await result.waitFor();
    expect(await result.textContent()).toContain('登记完整');
    expect(await result.locator('dd').nth(1).textContent()).toBe('1');
    await shot(page, '14-auditor-chain');

    await page.getByRole('button', { name: 'English' }).click();
    await expect.poll(() => page.textContent('nav')).toContain('Register');
    await shot(page, '15-auditor-chain-english');
    await page.getByRole('button', { name: '中文' }).click();
    await page.close();
    expect(problems).toEqual([]);
  });

  it('flags seals whose certificate expires within 90 days', async () => {
    const seals = (await request(svc.app).get('/v1/seals?state=active').set(bearer(auditor)).expect(200)).body.items as { notAfter: string }[];
    const saved = svc.ctx.clock.now();
    svc.ctx.clock.set(new Date(new Date(seals[0]!.notAfter).getTime() - 30 * 86_400_000));
    try {
      const page = await signedIn(auditor);
      await goTo(page, 'seals');
      const row = page.locator('tr[data-seal].expiring');
      await row.waitFor();
      expect(await row.locator('.flag').textContent()).toContain('90 天内到期');
      await imagesLoaded(page, 'tr[data-seal] .seal-image');
      await shot(page, '16-auditor-seal-expiring');
      await page.close();
    } finally {
      svc.ctx.clock.set(saved);
    }
  });
});
