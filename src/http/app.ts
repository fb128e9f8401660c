import type { RequestListener } from 'node:http';
import express, { type Router } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { ServiceContext } from '../context.js';
import { notFound } from '../errors.js';
import { fromRoot } from '../paths.js';
import { authenticate } from './auth.js';
import { clientAddresses } from './client-address.js';
import { documentBody } from './document-body.js';
import { idempotency } from './idempotency.js';
import { operationIndex } from './operations.js';
import { textInputs } from './text-inputs.js';
import { problemHandler } from './problem.js';
import { rateLimit } from './rate-limit.js';
import { requestId } from './request-id.js';
import { applicationRoutes } from './routes/applications.js';
import { auditRoutes } from './routes/audit.js';
import { tsaRoutes } from './routes/tsa.js';
import { pkiFront } from './pki-front.js';
import { signRoutes } from './routes/sign.js';
import { verifyRoutes } from './routes/verify.js';
import { extendRoutes } from './routes/extend.js';
import { healthRoutes } from './routes/health.js';
import { renderRoutes } from './routes/render.js';
import { sealRoutes } from './routes/seals.js';
import { unitRoutes } from './routes/units.js';
import { userRoutes } from './routes/users.js';
import { refusalAudit } from './refusal-audit.js';
import { auditCheckpoints } from './audit-checkpoints.js';
import { staticPage } from './static-app.js';

export const OPENAPI_PATH = fromRoot('openapi.yaml');
/** The web console, built by `npm run build` (vite, from console/). */
export const CONSOLE_DIR = fromRoot('dist', 'console');
/** The verification page, built by `npm run build` (scripts/build-verify-page.mjs; dist/verify/ is tsc's output of src/verify). */
export const VERIFY_PAGE_DIR = fromRoot('dist', 'verify-page');

/** Binary request bodies the API accepts, parsed to a Buffer before validation. */
// (TSA requests are read by their own router with a small limit; OCSP never reaches Express.)
// (PDFs are read by documentBody, into room to seal them in place.)
const RAW_TYPES = ['image/png', 'image/jpeg', 'image/tiff'];

/** One router factory per resource; each adds its own paths (all described in openapi.yaml). */
export type RouteFactory = (ctx: ServiceContext) => Router;
const ROUTES: RouteFactory[] = [
  healthRoutes,
  tsaRoutes,
  userRoutes,
  unitRoutes,
  applicationRoutes,
  sealRoutes,
  signRoutes,
  verifyRoutes,
  extendRoutes,
  auditRoutes,
  renderRoutes,
];

export interface AppOptions {
  /**
   * Check every answer against openapi.yaml too, and report each one that differs here (the answer is still sent):
   * what the tests do to hold the document to what the service sends. Off in service: it costs time on every answer.
   */
  onResponseMismatch?: (mismatch: string) => void;
}

export function createApp(ctx: ServiceContext, extraRoutes: RouteFactory[] = [], options: AppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Express would hash every response body for a weak ETag: SHA-1 over each sealed document (7.6 MB:
  // ~10 ms per sealing) for a validator no client of this API revalidates with.
  app.set('etag', false);
  // X-Forwarded-For is believed only from the proxies named in SEAL_TRUST_PROXY; otherwise anyone could
  // pick the address their requests are counted and audited under. req.ip is set once, by the same
  // rule as the PKI front's (src/http/client-address.ts).
  const addresses = clientAddresses(ctx.config.trustProxy);
  app.set('trust proxy', (address: string) => addresses.trusted(address));
  app.use((req, _res, next) => {
    Object.defineProperty(req, 'ip', { value: addresses.of(req.socket.remoteAddress, req.headers['x-forwarded-for']), configurable: true });
    next();
  });
  app.use(requestId);
  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (_req, res) => res.getHeader('x-request-id') as string,
      // Only what is needed to follow a request: never headers (tokens), never bodies (documents).
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customProps: (_req, res) => ({ user: (res as express.Response).locals?.principal?.userId }),
    }),
  );
  // Browser pages first: their own CSP (helmet's API defaults would block their blob: images and
  // upgrade plain intranet HTTP), and not API paths for the OpenAPI validator.
  app.use(staticPage({ mount: '/console', root: CONSOLE_DIR, buildCommand: 'npm run build', title: 'The web console' }));
  // The verification page verifies in the browser (nothing is uploaded) and draws the seals' pictures as data: images;
  // it starts no workers and submits no forms.
  // Not a single-page app: a path that is not one of its files is 404.
  app.use(
    staticPage({
      mount: '/verify',
      root: VERIFY_PAGE_DIR,
      buildCommand: 'npm run build',
      title: 'The verification page',
      singlePage: false,
      extraDirectives: { 'worker-src': ["'none'"], 'form-action': ["'none'"] },
    }),
  );
  app.use(helmet());
  app.use(refusalAudit(ctx));
  app.use(auditCheckpoints(ctx));
  // The pipeline's order: who is calling, then how often, and only then what they sent. A request
  // without a valid token is 401 (counted against its address) before its body is even read.
  const operations = operationIndex(OPENAPI_PATH);
  app.use(authenticate(ctx.db, operations));
  app.use(rateLimit(ctx.state, ctx.clock, { perMinute: ctx.config.rateLimitPerMinute }));
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  app.use(documentBody(ctx.config.maxBodyBytes));
  app.use(express.raw({ limit: ctx.config.maxBodyBytes, type: RAW_TYPES }));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: OPENAPI_PATH,
      validateRequests: { allowUnknownQueryParameters: false },
      validateResponses: options.onResponseMismatch
        ? { onError: (err: Error, _body: unknown, req: express.Request) => options.onResponseMismatch!(`${req.method} ${req.path}: ${err.message}`) }
        : false,
      validateSecurity: false, // roles are checked by requireRole, per route
      ignoreUndocumented: false,
      fileUploader: false,
    }),
  );
  app.use(textInputs(operations));
  app.use(
    idempotency(ctx, {
      ttlMs: ctx.config.idempotency.ttlSeconds * 1000,
      maxTotalBytes: ctx.config.idempotency.maxBytes,
    }),
  );
  for (const routes of [...ROUTES, ...extraRoutes]) app.use(routes(ctx));
  app.use((_req, _res, next) => next(notFound('not-found', 'No such resource.')));
  app.use(problemHandler);
  return app;
}

/**
 * What the server listens with: the CA's public routes (OCSP, CRLs, CA certificates) answered by a
 * plain node:http front (src/http/pki-front.ts), everything else by the Express app.
 */
export function createRequestListener(ctx: ServiceContext, app: RequestListener = createApp(ctx)): RequestListener {
  return pkiFront({ ca: ctx.ca, clock: ctx.clock, logger: ctx.logger, perMinute: ctx.config.pkiRateLimitPerMinute, trustProxy: ctx.config.trustProxy }, app);
}
