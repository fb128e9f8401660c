/**
 * Errors as plain data across a thread boundary, and back. A module of its own so that the thread that only hands a
 * job over (the CLI's main thread) need not load run-job.ts and, with it, the PDF and CMS libraries.
 */
import { AppError } from '../errors.js';
import type { SerializedError } from './jobs.js';

/** An AppError (or any error) as plain data. */
export function serializeError(e: unknown): SerializedError {
  if (e instanceof AppError) return { app: true, status: e.status, type: e.type, message: e.message, details: e.details };
  return { app: false, message: e instanceof Error ? e.message : String(e) };
}

export function deserializeError(e: SerializedError): Error {
  if (e.app) return new AppError(e.status ?? 500, e.type ?? 'internal', e.message, e.details ?? {});
  return new Error(e.message);
}
