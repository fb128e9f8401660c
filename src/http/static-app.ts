import express, { Router } from 'express';
import helmet from 'helmet';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, notFound } from '../errors.js';

/**
 * A browser page the service serves from a built folder (the console at /console/, the verification
 * page at /verify/), mounted before the API's helmet defaults and the OpenAPI validator:
 * - its own Content-Security-Policy: scripts and styles from the service only, images also from
 *   blob: (seal images are fetched with the caller's token and shown as blob: URLs), and no
 *   upgrade-insecure-requests, so the page works over plain HTTP on an intranet address;
 * - no HSTS for the same reason (a browser ignores it over HTTP anyway; over HTTPS a proxy sets it);
 * - hashed assets (under assets/) are cached for a year, everything else never (a new build is
 *   picked up at once);
 * - for a single-page app, any other path under the mount that is not a file answers index.html
 *   (the page routes in the browser); otherwise it is 404.
 * When the folder was not built, every path answers 503 problem+json saying how to build it.
 */
export interface StaticPageOptions {
  /** Where the page is served, e.g. '/console'. */
  mount: string;
  /** The built folder (with index.html). */
  root: string;
  /** What to run when it is missing, e.g. 'npm run build'. */
  buildCommand: string;
  /** The page's name in the not-built message, e.g. 'The web console'. */
  title: string;
  /** Paths that are not files answer index.html (default true). */
  singlePage?: boolean;
  /** Extra CSP directives (e.g. worker-src for a page that starts workers). */
  extraDirectives?: Record<string, string[]>;
}

export function staticPage(opts: StaticPageOptions): Router {
  const r = Router();
  const index = join(opts.root, 'index.html');
  const singlePage = opts.singlePage ?? true;
  r.use(
    opts.mount,
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'blob:', 'data:'],
          'connect-src': ["'self'"],
          'font-src': ["'self'"],
          'object-src': ["'none'"],
          'base-uri': ["'self'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
          ...opts.extraDirectives,
        },
      },
      strictTransportSecurity: false,
      crossOriginEmbedderPolicy: false,
    }),
  );
  // /console → /console/ so that the page's relative asset paths resolve under the mount.
  // (Middleware rather than routes throughout: these are files, not API operations.)
  r.use(opts.mount, (req, res, next) => {
    const [path, query] = req.originalUrl.split('?');
    if (path !== opts.mount || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    res.redirect(301, `${opts.mount}/${query !== undefined ? `?${query}` : ''}`);
  });
  r.use(opts.mount, (_req, _res, next) => {
    if (existsSync(index)) return next();
    next(new AppError(503, 'page-not-built', `${opts.title} was not built: run \`${opts.buildCommand}\` (it writes ${opts.root}).`));
  });
  r.use(
    opts.mount,
    express.static(opts.root, {
      index: singlePage ? false : 'index.html',
      fallthrough: true,
      setHeaders(res, path) {
        res.setHeader('Cache-Control', path.includes(`${join(opts.root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  if (singlePage)
    r.use(opts.mount, (req, res, next) => {
      // only pages fall back to index.html: a missing asset (anything with a file extension) is 404
      if ((req.method !== 'GET' && req.method !== 'HEAD') || /\.[a-z0-9]+$/i.test(req.path)) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    });
  r.use(opts.mount, (_req, _res, next) => next(notFound('not-found', 'No such file.')));
  return r;
}
