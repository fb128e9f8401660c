import express, { Router } from 'express';
import helmet from 'helmet';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, notFound } from '../errors.js';
import { fromRoot } from '../paths.js';

/** The verification page, built by `npm run build` (scripts/build-verify-page.mjs). */
export const VERIFY_PAGE_DIR = fromRoot('dist', 'verify-page'); // dist/verify/ is tsc's output of src/verify

/**
 * Serves the verification page at /verify/ (anyone may open it: it verifies in the browser, nothing is uploaded),
 * mounted before the API's helmet defaults and the OpenAPI validator, with its own Content-Security-Policy:
 * script and style from the service only, images from data:/blob: (the seals' pictures are drawn on a canvas),
 * connections to the service only (its roots, /ca/root.pem), and no upgrade-insecure-requests and no HSTS, so
 * the page works over plain HTTP on an intranet address. When the page was not built: 503 saying how to build it.
 */
export function verifyPageRoutes(dir: string = VERIFY_PAGE_DIR): Router {
  const r = Router();
  const mount = '/verify';
  r.use(
    mount,
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'connect-src': ["'self'"],
          'font-src': ["'self'"],
          'worker-src': ["'none'"],
          'object-src': ["'none'"],
          'base-uri': ["'self'"],
          'form-action': ["'none'"],
          'frame-ancestors': ["'none'"],
        },
      },
      strictTransportSecurity: false,
      crossOriginEmbedderPolicy: false,
    }),
  );
  // /verify → /verify/ so that the page's relative paths (verify.js, ../ca/root.pem) resolve.
  // (middleware, not a route: the page is not part of the API that openapi.yaml describes)
  r.use(mount, (req, res, next) => {
    const [path, query] = req.originalUrl.split('?');
    if (path !== mount || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    res.redirect(301, `${mount}/${query !== undefined ? `?${query}` : ''}`);
  });
  r.use(mount, (_req, _res, next) => {
    if (existsSync(join(dir, 'index.html'))) return next();
    next(new AppError(503, 'page-not-built', `The verification page was not built: run \`npm run build\` (it writes ${dir}).`));
  });
  r.use(mount, express.static(dir, { index: 'index.html', fallthrough: true, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') }));
  r.use(mount, (_req, _res, next) => next(notFound('not-found', 'No such file.')));
  return r;
}
