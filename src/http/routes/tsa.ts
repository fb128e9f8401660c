import express, { Router, type Request, type Response } from 'express';
import type { ServiceContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { requireRole } from '../auth.js';

/** TSP requests are a few hundred bytes; anything near this is not one. */
export const TSA_MAX_REQUEST_BYTES = 64 * 1024;

const TSA_QUERY = 'application/timestamp-query';

/** The raw body as a Buffer, whichever parser (ours or the app's) read it; 415/413 as problems. */
function rawBody(req: Request, type: string): Buffer {
  if (!req.is(type)) throw new AppError(415, 'unsupported-media-type', `The body must be ${type}.`);
  const body: unknown = req.body;
  const buf = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
  if (buf.length > TSA_MAX_REQUEST_BYTES) throw new AppError(413, 'body-too-large', `At most ${TSA_MAX_REQUEST_BYTES} bytes.`);
  return buf;
}

/**
 * The time-stamping authority (RFC 3161 3.4), for authenticated callers. (The CA's public routes,
 * OCSP, CRLs and CA certificates, are answered before Express by src/http/pki-front.ts.)
 */
export function tsaRoutes(ctx: Pick<ServiceContext, 'ca'>): Router {
  const r = Router();
  r.post('/tsa', requireRole(), express.raw({ type: TSA_QUERY, limit: TSA_MAX_REQUEST_BYTES }), async (req, res: Response) => {
    res.status(200).type('application/timestamp-reply').send(await ctx.ca.tsaRespond(rawBody(req, TSA_QUERY)));
  });
  return r;
}
