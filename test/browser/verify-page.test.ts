import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, type Page, type Request } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/paths.js';
import { headlessChromium, type HeadlessChromium } from './chromium.js';
import type { Db } from '../../src/store/db.js';
import { haveJudges } from '../helpers/judges.js';
import { storageAdapters } from '../helpers/storage.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { activeSeal, unitWithOperator } from '../helpers/units.js';
import { basePdf } from '../verify/kit.js';

/**
 * The verification page in a real browser (Debian's Chromium driven by playwright-core, headless, kept off the
 * network): a document sealed by two units through the service is VALID and a tampered copy INVALID, both on the
 * page the service serves at /verify/ (trusting the service's root) and on the one-file offline page opened from
 * file:// with every request that is not file: aborted. The PDF never leaves the page: every request is recorded
 * and none carries a body. Screens are written to test/browser/screenshots/ to be looked at.
 */
const SHOTS = fromRoot('test', 'browser', 'screenshots');

const UNIT_A = '广州市测试规划局';
const UNIT_B = '广州市测试档案局';
const UNIT_C = '广州市测试商务局'; // an SM2 seal: GB/T 38540 SES_Signature

// Skipped where Chromium is not installed (one summary line names it); with CI=true its absence fails the run.
describe.runIf(haveJudges('chromium'))('the verification page in Chromium', () => {
  let db: Db;
  let svc: TestService;
  let server: Server;
  let base: string;
  let context: BrowserContext;
  let profile: string;
  let browser: HeadlessChromium | undefined;
  let work: string;
  let sealed: Buffer;
  let tampered: Buffer;
  /** Sealed by unit A (ECDSA, B-LT), then unit C (SM2, SES_Signature, B-LTA: a document time-stamp last). */
  let withSm2: Buffer;
  let rootPem: string;
  const problems: string[] = [];

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  /** Every request the page makes, with its method and whether it carried a body. */
  function watch(page: Page): { method: string; url: string; body: number }[] {
    const seen: { method: string; url: string; body: number }[] = [];
    page.on('request', (r: Request) => { seen.push({ method: r.method(), url: r.url(), body: r.postDataBuffer()?.length ?? 0 }); });
    // CSP violations and script errors; a root the service does not have (?algorithm=SM2) answers 4xx, logged by Chromium, not a problem
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
    return seen;
  }

  /** Gives the page a PDF, chosen with the file picker or dropped (a real drop event with a DataTransfer), and waits for its report. */
  async function verifyIn(page: Page, name: string, pdf: Buffer, how: 'pick' | 'drop' = 'pick') {
    // the previous document's "done" must not be mistaken for this one's
    await page.evaluate(() => { document.body.dataset.state = 'test-waiting'; });
    if (how === 'pick') {
      await page.setInputFiles('#pdf-input', { name, mimeType: 'application/pdf', buffer: pdf });
    } else {
      const dataTransfer = await page.evaluateHandle(({ b64, fileName }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], fileName, { type: 'application/pdf' }));
        return dt;
      }, { b64: pdf.toString('base64'), fileName: name });
      await page.dispatchEvent('#drop', 'drop', { dataTransfer });
    }
    await page.waitForSelector('body[data-state=done]', { timeout: 90_000 });
    // the seals' pictures are drawn: every <img> decoded
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img.seal-picture')].every((i) => i.complete && i.naturalWidth > 0));
  }

  const statuses = (page: Page) => page.$$eval('article.seal', (as) => as.map((a) => (a as HTMLElement).dataset.status));
  const pictures = (page: Page) => page.$$eval('img.seal-picture', (is) => is.map((i) => (i as HTMLImageElement).naturalWidth));

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'verify-page-'));
    // the page as `npm run build` makes it, served by the service
    execFileSync(process.execPath, [fromRoot('scripts', 'build-verify-page.mjs')], { stdio: 'pipe' });
    db = await storageAdapters()[0]!.open();
    svc = await testService(db);
    svc.ctx.clock.set(new Date());
    const muni = (await makeUser(db, 'municipal-admin', null, '市局王科长')).token;
    const a = await unitWithOperator(svc.app, muni, 41, UNIT_A);
    const b = await unitWithOperator(svc.app, muni, 42, UNIT_B);
    const sealA = await activeSeal(svc.app, muni, a, UNIT_A);
    const sealB = await activeSeal(svc.app, muni, b, UNIT_B);
    const sign = async (sealId: string, token: string, pdf: Buffer, x: number, level = 'B-LT') => Buffer.from((await request(svc.app)
      .post(`/v1/seals/${sealId}/sign?page=1&x=${x}&y=70&level=${level}`).set(bearer(token)).set('Content-Type', 'application/pdf')
      .send(pdf).buffer(true).parse((res, cb) => { const c: Buffer[] = []; res.on('data', (d: Buffer) => c.push(d)); res.on('end', () => cb(null, Buffer.concat(c))); })
      .expect(200)).body as Buffer);
    sealed = await sign(sealB, b.operator.token, await sign(sealA, a.operator.token, await basePdf(), 60), 150);
    // tampered: one character of the signed document information changed, the length kept
    const at = sealed.indexOf('D:2026', 0, 'latin1');
    expect(at).toBeGreaterThan(0);
    tampered = Buffer.from(sealed);
    tampered.write('D:2025', at, 'latin1');
    // an SM2 seal (GB/T 38540) by a third unit, under the service's SM2 hierarchy
    const c = await unitWithOperator(svc.app, muni, 43, UNIT_C);
    const application = (await request(svc.app).post('/v1/seal-applications').set(bearer(c.admin.token))
      .send({ unitId: c.unitId, template: 'round-official', text: UNIT_C, physicalSealRef: 'r', purpose: 'p', algorithm: 'SM2' }).expect(201)).body;
    const sealC = (await request(svc.app).post(`/v1/seal-applications/${application.id}/approve`).set(bearer(muni)).expect(201)).body.sealId as string;
    await request(svc.app).post(`/v1/seals/${sealC}/operators`).set(bearer(c.admin.token)).send({ userId: c.operator.id }).expect(201);
    withSm2 = await sign(sealC, c.operator.token, await sign(sealA, a.operator.token, await basePdf(), 60), 150, 'B-LTA');
    rootPem = svc.ctx.ca.rootPem();
    server = createServer(svc.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await headlessChromium('verify', { width: 1100, height: 900 });
    ({ context, profile } = browser);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    await new Promise((r) => server?.close(r));
    await svc?.close();
  });

  it('is served at /verify/ with its own CSP (no upgrade to HTTPS), before the API validator', async () => {
    const res = await fetch(`${base}/verify/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(await res.text()).toContain('<script src="verify.js"></script>');
    expect((await fetch(`${base}/verify/verify.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${base}/verify`, { redirect: 'manual' })).status).toBe(301);
    const missing = await fetch(`${base}/verify/nothing.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/problem\+json/);
    // the API keeps helmet's defaults
    expect((await fetch(`${base}/healthz`)).headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
  });

  it('served: two units\' seals VALID, the tampered copy (dropped) INVALID, and the PDF never leaves the page', async () => {
    const page = await context.newPage();
    const requests = watch(page);
    await page.goto(`${base}/verify/`);
    await page.waitForSelector('body[data-state=idle]');
    await expect.poll(() => page.locator('#roots li').count()).toBeGreaterThan(0);
    expect(await page.locator('#roots').textContent()).toContain('来自本服务');
    await shot(page, 'verify-01-start');

    await verifyIn(page, '两个单位盖章的通知.pdf', sealed);
    expect(await statuses(page)).toEqual(['VALID', 'VALID']);
    expect(await page.getAttribute('#verdict', 'data-valid')).toBe('true');
    const text = (await page.locator('#result').textContent())!;
    expect(text).toContain(UNIT_A);
    expect(text).toContain(UNIT_B);
    expect(text).toContain('文件完好');
    expect(text).toContain(`又加盖了一个印章：${UNIT_B}（允许）`); // the first seal: the second unit's seal came after it
    expect(text).toContain('北京时间');
    expect(text).toContain('PAdES B-LT');
    expect(await page.locator('#roots').textContent()).toContain('SM2 Root CA'); // the service's SM2 hierarchy, ?algorithm=SM2
    expect((await pictures(page)).every((w) => w > 50)).toBe(true);
    await shot(page, 'verify-02-two-units-valid');

    await page.click('#lang');
    await expect.poll(() => page.locator('#verdict').textContent()).toContain('every seal is valid');
    await shot(page, 'verify-03-two-units-valid-en');
    await page.click('#lang');

    await verifyIn(page, '被篡改的通知.pdf', tampered, 'drop');
    const after = await statuses(page);
    expect(after.length).toBe(2);
    expect(after.every((s) => s === 'INVALID')).toBe(true);
    expect(await page.getAttribute('#verdict', 'data-valid')).toBe('false');
    expect(await page.locator('#result').textContent()).toContain('文件在盖章后被改动过');
    await shot(page, 'verify-04-tampered-invalid');

    // a file that is not a PDF: said so in plain words, no report
    await page.evaluate(() => { document.body.dataset.state = 'test-waiting'; });
    await page.setInputFiles('#pdf-input', { name: '不是PDF.pdf', mimeType: 'application/pdf', buffer: Buffer.from('这不是 PDF') });
    await page.waitForSelector('body[data-state=error]');
    expect(await page.locator('#verdict').textContent()).toContain('这不是可读取的 PDF 文件');
    expect(await page.locator('article.seal').count()).toBe(0);

    // nothing uploaded: only GETs of the page, its script and style, and the service's roots
    expect(requests.filter((r) => r.method !== 'GET' || r.body > 0)).toEqual([]);
    for (const r of requests) expect(new URL(r.url).pathname).toMatch(/^\/(verify\/(verify\.(js|css))?|ca\/root\.pem)$/);
    expect(problems).toEqual([]);
    await page.close();
  }, 240_000);

  it('served: an SM2 seal (GB/T 38540 SES_Signature, SM2 and SM3 on the browser port) beside an ECDSA one, with a document time-stamp', async () => {
    const page = await context.newPage();
    const requests = watch(page);
    await page.goto(`${base}/verify/`);
    await page.waitForSelector('body[data-state=idle]');
    await expect.poll(() => page.locator('#roots li').count()).toBe(2);
    await verifyIn(page, 'SM2印章.pdf', withSm2);
    expect(await statuses(page)).toEqual(['VALID', 'VALID', 'VALID']);
    const text = (await page.locator('#result').textContent())!;
    expect(text).toContain(UNIT_C);
    expect(text).toContain('GB/T 38540 电子签章（SM2） B-LTA');
    expect(text).toContain('电子印章数据（GB/T 38540）由制章者签发且有效：通过');
    expect(text).toContain('文档时间戳');
    expect(text).toContain('时间戳有效：文件在此时间已经存在');
    expect(text).toContain('时间戳机构Municipal e-Seal SM2 Time-Stamping Authority');
    expect(await pictures(page)).toHaveLength(2);
    await shot(page, 'verify-08-sm2-ses-valid');
    expect(requests.filter((r) => r.method !== 'GET' || r.body > 0)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 240_000);

  it('offline: the one-file page from file://, network blocked, trusts the built-in root; without one the auditor adds it', async () => {
    writeFileSync(join(work, 'root.pem'), rootPem);
    const html = join(work, 'seal-verify.html');
    execFileSync(process.execPath, [fromRoot('scripts', 'build-verify-page.mjs'), '--trust', join(work, 'root.pem'), '-o', html], { stdio: 'pipe' });
    const bare = join(work, 'seal-verify-no-root.html');
    execFileSync(process.execPath, [fromRoot('scripts', 'build-verify-page.mjs'), '--single', '-o', bare], { stdio: 'pipe' });

    const page = await context.newPage();
    const blocked: string[] = [];
    await page.route('**', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    const requests = watch(page);
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('body[data-state=idle]');
    expect(await page.locator('#roots').textContent()).toContain('随本页面提供');
    await verifyIn(page, 'sealed.pdf', sealed);
    expect(await statuses(page)).toEqual(['VALID', 'VALID']);
    expect(await page.getAttribute('#verdict', 'data-valid')).toBe('true');
    await shot(page, 'verify-05-offline-valid');
    await verifyIn(page, 'tampered.pdf', tampered);
    expect((await statuses(page)).every((s) => s === 'INVALID')).toBe(true);
    await shot(page, 'verify-06-offline-tampered');

    // the same file without a built-in root: INDETERMINATE (untrusted) until the auditor drops the root in
    await page.goto(pathToFileURL(bare).href);
    await page.waitForSelector('body[data-state=idle]');
    expect(await page.locator('#roots').textContent()).toContain('尚未设置信任的根证书');
    await verifyIn(page, 'sealed.pdf', sealed);
    expect(await statuses(page)).toEqual(['INDETERMINATE', 'INDETERMINATE']);
    expect(await page.locator('#result').textContent()).toContain('不是由您信任的机构签发的');
    await page.setInputFiles('#root-input', { name: 'root.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(rootPem) });
    await expect.poll(() => statuses(page)).toEqual(['VALID', 'VALID']);
    expect(await page.locator('#roots').textContent()).toContain('由您添加');
    await shot(page, 'verify-07-offline-root-added');

    expect(blocked).toEqual([]);
    expect(requests.filter((r) => !r.url.startsWith('file:') || r.method !== 'GET' || r.body > 0)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 240_000);
});
