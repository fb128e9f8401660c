import express, { Router, type Request, type Response } from 'express';
import { toPem } from '../../asn1/pem.js';
import type { ServiceContext } from '../../context.js';
import type { Hierarchy } from '../../ca/hierarchies.js';
import { AppError } from '../../errors.js';
import { requireRole } from '../auth.js';

/** OCSP and TSP requests are a few hundred bytes; anything near this is not one. */
export const CA_MAX_REQUEST_BYTES = 64 * 1024;

const OCSP_REQUEST = 'application/ocsp-request';
const TSA_QUERY = 'application/timestamp-query';

/** The raw body as a Buffer, whichever parser (ours or the app's) read it; 415/413 as problems. */
function rawBody(req: Request, type: string): Buffer {
  if (!req.is(type)) throw new AppError(415, 'unsupported-media-type', `The body must be ${type}.`);
  const body: unknown = req.body;
  const buf = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
  if (buf.length > CA_MAX_REQUEST_BYTES) throw new AppError(413, 'body-too-large', `At most ${CA_MAX_REQUEST_BYTES} bytes.`);
  return buf;
}

const sendDer = (res: Response, type: string, der: Buffer, cacheSeconds?: number) => {
  if (cacheSeconds !== undefined) res.setHeader('Cache-Control', `public, max-age=${cacheSeconds}, no-transform`);
  res.status(200).type(type).send(der);
};

/** `?algorithm=SM2` names the SM2 hierarchy; absent (or ECDSA) the ECDSA one; anything else 400 naming the parameter. */
function hierarchyAsked(req: Request): Hierarchy {
  const a = req.query.algorithm;
  if (a === undefined || a === 'ECDSA' || a === 'ECDSA-P256') return 'ECDSA';
  if (a === 'SM2') return 'SM2';
  throw new AppError(400, 'invalid-algorithm', 'algorithm is ECDSA or SM2.', { field: 'algorithm' });
}

/**
 * The CA's public face: trust anchor and chain, CA certificates (AIA caIssuers), CRLs, the OCSP
 * responder (RFC 6960 A.1: POST and GET) and the time-stamping authority (RFC 3161 3.4).
 */
export function caRoutes(ctx: Pick<ServiceContext, 'ca'>): Router {
  const r = Router();
  const ca = ctx.ca;
  // Our own small limits; when the app's raw parser already read the body these are no-ops.
  const raw = (type: string) => express.raw({ type, limit: CA_MAX_REQUEST_BYTES });

  r.get('/ca/root.pem', (req, res) => {
    res.type('application/x-pem-file').send(ca.rootPem(hierarchyAsked(req)));
  });

  r.get('/ca/chain.pem', async (req, res) => {
    res.type('application/x-pem-file').send(await ca.chainPem(ca.issuingCaIdOf(hierarchyAsked(req))));
  });

  r.get('/ca/certs/:file', async (req, res) => {
    const m = /^([A-Za-z0-9_-]{1,64})\.(cer|pem)$/.exec(String(req.params.file));
    if (!m) throw new AppError(404, 'unknown-ca', 'No such CA certificate.');
    const info = await ca.getCa(m[1]!);
    if (m[2] === 'pem') res.type('application/x-pem-file').send(toPem(info.certificate));
    else sendDer(res, 'application/pkix-cert', info.certificate, 86_400);
  });

  r.get('/ca/crl/:file', async (req, res) => {
    const m = /^([A-Za-z0-9_-]{1,64})\.crl$/.exec(String(req.params.file));
    if (!m) throw new AppError(404, 'unknown-ca', 'No such CRL.');
    sendDer(res, 'application/pkix-crl', await ca.crl(m[1]!), 300);
  });

  r.post('/ocsp', raw(OCSP_REQUEST), async (req, res) => {
    sendDer(res, 'application/ocsp-response', await ca.ocsp(rawBody(req, OCSP_REQUEST)));
  });

  // GET form: base64 of the DER request, URL-encoded (a '/' in it arrives as %2F or as a path separator).
  r.get('/ocsp/*request', async (req, res) => {
    const parts = (req.params as { request?: string[] | string }).request;
    const b64 = (Array.isArray(parts) ? parts.join('/') : String(parts ?? '')).trim();
    const der = /^[A-Za-z0-9+/_-]{1,87382}={0,2}$/.test(b64) ? Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64') : Buffer.alloc(0);
    sendDer(res, 'application/ocsp-response', await ca.ocsp(der), ca.policy.ocsp.cacheSeconds);
  });

  r.post('/tsa', requireRole(), raw(TSA_QUERY), async (req, res) => {
    sendDer(res, 'application/timestamp-reply', await ca.tsaRespond(rawBody(req, TSA_QUERY)));
  });

  // A path the router cannot percent-decode (e.g. /ocsp/%%%) is the client's error, not a 500.
  r.use((err: unknown, _req: Request, _res: Response, next: (e?: unknown) => void) => {
    if (err instanceof URIError) return next(new AppError(400, 'malformed-request', 'The request path is not valid percent-encoding.'));
    next(err);
  });

  return r;
}
