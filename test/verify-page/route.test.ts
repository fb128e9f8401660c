import express from 'express';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, test } from 'vitest';
import { problemHandler } from '../../src/http/problem.js';
import { verifyPageRoutes } from '../../src/http/verify-page.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function appServing(dir: string) {
  const app = express();
  app.use(verifyPageRoutes(dir));
  app.use(problemHandler);
  return app;
}

describe('/verify/ route', () => {
  test('a page not built answers 503 problem+json saying how to build it', async () => {
    const res = await request(appServing(join(tmpdir(), 'no-such-verify-page'))).get('/verify/').expect(503);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toContain('npm run build');
  });
  test('a built page: index.html with its CSP, its files, 404 for the rest, /verify redirected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verify-page-route-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(dir, 'verify.js'), 'void 0;');
    const app = appServing(dir);
    const page = await request(app).get('/verify/').expect(200);
    expect(page.text).toContain('<title>x</title>');
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    await request(app).get('/verify/verify.js').expect(200).expect('content-type', /javascript/);
    await request(app).get('/verify/other.js').expect(404).expect('content-type', /problem\+json/);
    await request(app).get('/verify').expect(301).expect('location', '/verify/');
  });
});
