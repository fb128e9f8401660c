import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { toPem } from '../asn1/pem.js';
import type { CaHandle, OcspAnswer } from '../ca/authority.js';
import type { Hierarchy } from '../ca/hierarchies.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { clientAddresses } from './client-address.js';
import { problemJson, toAppError } from './problem.js';

/** OCSP requests are a few hundred bytes; anything near this is not one. */
export const PKI_MAX_REQUEST_BYTES = 64 * 1024;

/** The PKI routes this front answers itself (all described in openapi.yaml); everything else goes on to Express. */
export const PKI_ROUTES = [
  { method: 'GET', path: '/ca/root.pem' },
  { method: 'GET', path: '/ca/chain.pem' },
  { method: 'GET', path: '/ca/certs/{file}' },
  { method: 'GET', path: '/ca/crl/{file}' },
  { method: 'POST', path: '/ocsp' },
  { method: 'GET', path: '/ocsp/{request}' },
] as const;

export interface PkiFrontDeps {
  ca: CaHandle;
  clock: Clock;
  logger: Logger;
  /** Requests a minute per client address, per instance, before 429 (SEAL_PKI_RATE_LIMIT_PER_MINUTE). */
  perMinute: number;
  /** SEAL_TRUST_PROXY: whose X-Forwarded-For names the client (src/http/client-address.ts). */
  trustProxy: readonly string[];
}

/**
 * The CA's public face, answered by a plain node:http listener in front of the Express app: OCSP
 * (RFC 6960 A.1 POST and GET, RFC 5019 caching), CRLs and CA certificates. Relying parties ask these
 * far more often than anything else and without credentials; they need no JSON validation, token
 * lookup or per-request log line, and the general per-client limit would refuse a relying party
 * behind one address. So they get their own, much higher limit, counted in memory per instance,
 * and answers come from memory (src/ca/revocation-cache.ts). Errors are the same problem+json.
 */
export function pkiFront(deps: PkiFrontDeps, next: RequestListener): RequestListener {
  const limit = clientLimit(deps.clock, deps.perMinute);
  const addresses = clientAddresses(deps.trustProxy);
  const pem = new Map<string, string>();

  const route = (req: IncomingMessage): ((res: ServerResponse) => Promise<void>) | undefined => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (req.method === 'GET') {
      if (path.startsWith('/ocsp/')) return (res) => ocspGet(path.slice(6), req, res);
      if (path === '/ca/root.pem') {
        return async (res) => {
          const h = hierarchyAsked(url.slice(path.length));
          send(res, 200, 'application/x-pem-file', cachedPem(`root:${h}`, () => deps.ca.rootPem(h)));
        };
      }
      if (path === '/ca/chain.pem') {
        return async (res) => {
          const h = hierarchyAsked(url.slice(path.length));
          send(res, 200, 'application/x-pem-file', pem.get(`chain:${h}`) ?? remember(`chain:${h}`, await deps.ca.chainPem(deps.ca.issuingCaIdOf(h))));
        };
      }
      if (path.startsWith('/ca/certs/')) return async (res) => caCertificate(decoded(path.slice(10)), res);
      if (path.startsWith('/ca/crl/')) return async (res) => crl(decoded(path.slice(8)), res);
    } else if (req.method === 'POST' && path === '/ocsp') {
      return (res) => ocspPost(req, res);
    }
    return undefined;
  };

  const remember = (key: string, value: string) => (pem.set(key, value), value);
  const cachedPem = (key: string, make: () => string) => pem.get(key) ?? remember(key, make());

  async function caCertificate(file: string, res: ServerResponse): Promise<void> {
    const m = /^([A-Za-z0-9_-]{1,64})\.(cer|pem)$/.exec(file);
    if (!m) throw new AppError(404, 'unknown-ca', 'No such CA certificate.');
    // CA certificates never change once made (a new CA gets a new id).
    const info = await deps.ca.getCa(m[1]!);
    if (m[2] === 'pem') return send(res, 200, 'application/x-pem-file', toPem(info.certificate));
    send(res, 200, 'application/pkix-cert', info.certificate, { 'Cache-Control': 'public, max-age=86400, no-transform' });
  }

  async function crl(file: string, res: ServerResponse): Promise<void> {
    const m = /^([A-Za-z0-9_-]{1,64})\.crl$/.exec(file);
    if (!m) throw new AppError(404, 'unknown-ca', 'No such CRL.');
    send(res, 200, 'application/pkix-crl', await deps.ca.crl(m[1]!), { 'Cache-Control': 'public, max-age=300, no-transform' });
  }

  async function ocspPost(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/ocsp-request') throw new AppError(415, 'unsupported-media-type', 'The body must be application/ocsp-request.');
    const body = await readBody(req, PKI_MAX_REQUEST_BYTES);
    // A POST answer is not cacheable by HTTP caches (RFC 5019 5); it may still come from our memory.
    sendOcsp(res, await deps.ca.ocspAnswer(body), false);
  }

  async function ocspGet(encoded: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = await deps.ca.ocspAnswer(ocspRequestFromPath(encoded));
    if (answer.shared && req.headers['if-none-match'] === answer.shared.etag) {
      res.writeHead(304, { ETag: answer.shared.etag, ...cacheHeaders(answer) });
      res.end();
      return;
    }
    sendOcsp(res, answer, true);
  }

  const cacheHeaders = (answer: OcspAnswer): Record<string, string> => {
    const s = answer.shared;
    if (!s) return { 'Cache-Control': 'no-store' };
    const maxAge = Math.max(0, Math.floor((s.expiresAt.getTime() - deps.clock.now().getTime()) / 1000));
    return {
      'Cache-Control': `public, max-age=${maxAge}, no-transform, must-revalidate`,
      'Last-Modified': s.producedAt.toUTCString(),
      Expires: s.expiresAt.toUTCString(),
      ETag: s.etag,
    };
  };

  const sendOcsp = (res: ServerResponse, answer: OcspAnswer, get: boolean) =>
    send(res, 200, 'application/ocsp-response', answer.der, get ? cacheHeaders(answer) : { 'Cache-Control': 'no-store' });

  return (req, res) => {
    const handle = route(req);
    if (!handle) return next(req, res);
    const retryAfter = limit(addresses.of(req.socket.remoteAddress, req.headers['x-forwarded-for']));
    const done = retryAfter
      ? Promise.reject(Object.assign(new AppError(429, 'rate-limited', `More than ${deps.perMinute} requests a minute to the PKI endpoints; try again later.`), { retryAfter }))
      : handle(res);
    done.catch((err: unknown) => {
      const appError = toAppError(err);
      if (appError.status >= 500) deps.logger.error({ err, path: (req.url ?? '').split('?')[0] }, 'PKI request failed');
      if (res.headersSent) return void res.destroy();
      const requestId = randomUUID();
      const retry = (err as { retryAfter?: number }).retryAfter;
      send(res, appError.status, 'application/problem+json', problemJson(appError, requestId), {
        'X-Request-Id': requestId,
        ...(retry ? { 'Retry-After': String(retry) } : {}),
      });
      // an unread request body would otherwise be left on the connection
      if (!req.complete) req.resume();
    });
  };
}

/** `?algorithm=SM2` names the SM2 hierarchy; absent (or ECDSA) the ECDSA one; anything else 400 naming the parameter. */
function hierarchyAsked(search: string): Hierarchy {
  const a = new URLSearchParams(search.startsWith('?') ? search.slice(1) : '').getAll('algorithm');
  if (a.length === 0 || (a.length === 1 && (a[0] === 'ECDSA' || a[0] === 'ECDSA-P256'))) return 'ECDSA';
  if (a.length === 1 && a[0] === 'SM2') return 'SM2';
  throw new AppError(400, 'invalid-algorithm', 'algorithm is ECDSA or SM2.', { field: 'algorithm' });
}

function send(res: ServerResponse, status: number, type: string, body: Buffer | string, headers: Record<string, string> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(bytes.length), 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(bytes);
}

/** A percent-encoded path segment; a client's bad encoding is its error (400), not ours. */
function decoded(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AppError(400, 'malformed-request', 'The request path is not valid percent-encoding.');
  }
}

const BASE64 = /^[A-Za-z0-9+/_-]{1,87382}={0,2}$/;

/**
 * The DER request of `GET /ocsp/{request}` as clients really send it (RFC 6960 A.1.1 says
 * URL-encoded base64, but many send the base64 as it is): '/' and '+' unencoded or as %2F and %2B,
 * and the URL-safe alphabet ('-', '_') too. Anything that is not base64 becomes an empty request,
 * which the responder answers with malformedRequest.
 */
export function ocspRequestFromPath(encoded: string): Buffer {
  const b64 = decoded(encoded).trim();
  if (!BASE64.test(b64)) return Buffer.alloc(0);
  return Buffer.from(b64.includes('-') || b64.includes('_') ? b64.replace(/-/g, '+').replace(/_/g, '/') : b64, 'base64');
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) return Promise.reject(new AppError(413, 'body-too-large', `At most ${max} bytes.`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners('data');
        reject(new AppError(413, 'body-too-large', `At most ${max} bytes.`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const MAX_TRACKED_CLIENTS = 50_000;

/**
 * A fixed one-minute window per client address, in memory (a shared counter would cost a round
 * trip per answer; the point of the limit is to keep one client from taking an instance's time).
 * Returns 0 to go ahead, else the seconds until the window ends. Past MAX_TRACKED_CLIENTS distinct
 * addresses in a window the rest share one count, so memory stays bounded.
 */
function clientLimit(clock: Clock, perMinute: number): (client: string) => number {
  let window = -1;
  let counts = new Map<string, number>();
  return (client) => {
    const now = clock.now().getTime();
    const w = Math.floor(now / 60_000);
    if (w !== window) {
      window = w;
      counts = new Map();
    }
    const key = counts.has(client) || counts.size < MAX_TRACKED_CLIENTS ? client : '(others)';
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return n > perMinute ? Math.ceil(((w + 1) * 60_000 - now) / 1000) : 0;
  };
}
