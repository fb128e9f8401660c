import express from 'express';
import helmet from 'helmet';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { problemHandler } from '../../src/http/problem.js';
import { staticPage } from '../../src/http/static-app.js';

/** A browser page served from a built folder, as the console (and the verification page) are. */
describe('staticPage', () => {
  const root = mkdtempSync(join(tmpdir(), 'static-page-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const app = express();
  app.use(staticPage({ mount: '/page', root, buildCommand: 'npm run build', title: 'The page' }));
  app.use(helmet());
  app.get('/api', (_req, res) => res.json({ ok: true }));
  app.use(problemHandler);

  it('answers 503 problem+json saying how to build it while the folder is not built', async () => {
    const res = await request(app).get('/page/').expect(503);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'urn:e-seal:problem:page-not-built' });
    expect(res.body.detail).toContain('npm run build');
  });

  it('a page that is not a single-page app (the verification page): its files, 404 for anything else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'static-files-'));
    try {
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
      writeFileSync(join(dir, 'verify.js'), 'void 0;');
      const files = express();
      files.use(staticPage({ mount: '/files', root: dir, buildCommand: 'npm run build', title: 'The files', singlePage: false, extraDirectives: { 'worker-src': ["'none'"] } }));
      files.use(problemHandler);
      const page = await request(files).get('/files/').expect(200);
      expect(page.text).toContain('<title>x</title>');
      expect(page.headers['content-security-policy']).toContain("worker-src 'none'");
      await request(files).get('/files/verify.js').expect(200).expect('content-type', /javascript/);
      await request(files).get('/files/other').expect(404).expect('content-type', /problem\+json/);
      await request(files).get('/files/other.js').expect(404);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves the page with its own CSP, hashed assets cached, deep links answered with the page', async () => {
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><div id="app"></div>');
    writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    const page = await request(app).get('/page/').expect(200);
    expect(page.text).toContain('id="app"');
    const csp = page.headers['content-security-policy']!;
    expect(csp).toContain("img-src 'self' blob: data:");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(page.headers['strict-transport-security']).toBeUndefined();
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = await request(app).get('/page/assets/index-abc.js').expect(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await request(app).get('/page/units/42').expect(200)).text).toContain('id="app"');
    await request(app).get('/page/assets/missing.js').expect(404);
    await request(app).post('/page/').expect(404);
    expect((await request(app).get('/page').expect(301)).headers.location).toBe('/page/');
    expect((await request(app).get('/page?lang=en').expect(301)).headers.location).toBe('/page/?lang=en');
    // nothing leaks out of the folder (an encoded ../ is refused or answered with the page itself)
    for (const path of ['/page/..%2f..%2f..%2f..%2fetc%2fpasswd', '/page/assets/..%2f..%2f..%2f..%2fetc%2fhosts']) {
      const r = await request(app).get(path);
      expect(r.text).not.toMatch(/root:|localhost/);
    }
    // the rest of the app keeps helmet's defaults
    expect((await request(app).get('/api').expect(200)).headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });
});
