import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';
import { documentBuffer, DOCUMENT_RESERVE } from '../pdf/incremental-writer.js';
import { receivingDigest } from '../pdf/received-digest.js';

/**
 * Reads an application/pdf body straight into one buffer with room after it (documentBuffer), so that
 * sealing appends its update in place: a request costs the document once, not twice. Over `limit`
 * bytes is 413 before anything is read into memory (when Content-Length says so) or as soon as it is.
 * Its SHA-256 is taken as the bytes arrive (src/pdf/received-digest.ts), for the register of a sealing.
 */
export function documentBody(limit: number): RequestHandler {
  return (req, _res, next) => {
    if (!req.is('application/pdf') || req.method === 'GET' || req.method === 'HEAD') return next();
    const tooLarge = () => new AppError(413, 'body-too-large', 'The request body is larger than allowed.');
    const declared = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : undefined;
    if (declared !== undefined && (!Number.isSafeInteger(declared) || declared < 0)) {
      return next(new AppError(400, 'malformed-body', 'Content-Length is not a number.', { field: 'Content-Length' }));
    }
    if (declared !== undefined && declared > limit) {
      req.resume();
      return next(tooLarge());
    }
    // Without a length (chunked), chunks are gathered and joined once at the end.
    let buf = declared !== undefined ? documentBuffer(declared, DOCUMENT_RESERVE) : undefined;
    const chunks: Buffer[] = [];
    const digest = receivingDigest();
    let received = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      if (received + chunk.length > (declared ?? limit)) {
        failed = true;
        req.unpipe();
        return next(declared !== undefined ? new AppError(400, 'malformed-body', 'The body is longer than its Content-Length.') : tooLarge());
      }
      if (buf) chunk.copy(buf, received);
      else chunks.push(chunk);
      digest.update(chunk);
      received += chunk.length;
    });
    req.on('end', () => {
      if (failed) return;
      if (buf && received !== declared) return next(new AppError(400, 'malformed-body', 'The body is shorter than its Content-Length.'));
      if (!buf) {
        buf = documentBuffer(received, DOCUMENT_RESERVE);
        let at = 0;
        for (const c of chunks) at += c.copy(buf, at);
      }
      digest.finish(buf);
      req.body = buf;
      next();
    });
    req.on('error', (err) => {
      if (!failed) next(err);
      failed = true;
    });
  };
}
