import type { Router } from 'express';
import { fromRoot } from '../paths.js';
import { staticPage } from './static-app.js';

/** The verification page, built by `npm run build` (scripts/build-verify-page.mjs). */
export const VERIFY_PAGE_DIR = fromRoot('dist', 'verify-page'); // dist/verify/ is tsc's output of src/verify

/**
 * Serves the verification page at /verify/ (anyone may open it: it verifies in the browser, nothing is uploaded),
 * as static-app.ts serves every browser page: before the API's helmet defaults and the OpenAPI validator, with its
 * own Content-Security-Policy (images from data:/blob:, as the seals' pictures are drawn on a canvas; connections
 * to the service only, for its roots at /ca/root.pem; no upgrade-insecure-requests and no HSTS, so the page works
 * over plain HTTP on an intranet address). It starts no workers and submits no forms. Not a single-page app: a
 * path that is not one of its files is 404.
 */
export function verifyPageRoutes(dir: string = VERIFY_PAGE_DIR): Router {
  return staticPage({
    mount: '/verify',
    root: dir,
    buildCommand: 'npm run build',
    title: 'The verification page',
    singlePage: false,
    extraDirectives: { 'worker-src': ["'none'"], 'form-action': ["'none'"] },
  });
}
