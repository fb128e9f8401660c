import { AppError } from '../errors.js';

/**
 * An outage of a backing store, as the HTTP layer answers it: 503 problem+json, at once. The
 * adapters throw these for errors that say "cannot reach it" (refused or reset connections, a
 * server shutting down, a timeout), never for a query the store answered with an error.
 */
export class StorageUnavailableError extends AppError {
  constructor(detail: string, override readonly cause?: unknown) {
    super(503, 'storage-unavailable', `The database cannot be reached right now; try again shortly. (${detail})`);
    this.name = 'StorageUnavailableError';
  }
}

export class SharedStateUnavailableError extends AppError {
  constructor(detail: string, override readonly cause?: unknown) {
    super(503, 'shared-state-unavailable', `Shared state (Redis) cannot be reached right now; try again shortly. (${detail})`);
    this.name = 'SharedStateUnavailableError';
  }
}

/** Node socket errors and PostgreSQL SQLSTATEs that mean the server is not there (class 08, 57P0x). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const PG_UNAVAILABLE = /^(08|57P0[1-4])/;
const PG_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|terminating connection|the database system is (starting up|shutting down|in recovery mode)|Client was closed/;

export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || PG_UNAVAILABLE.test(e.code))) return true;
  return typeof e.message === 'string' && PG_MESSAGES.test(e.message);
}

/** Rethrows a connection error as StorageUnavailableError; anything else unchanged. */
export function asStorageError(err: unknown): unknown {
  if (err instanceof AppError || !isConnectionError(err)) return err;
  const e = err as { code?: string; message?: string };
  return new StorageUnavailableError(e.code ?? e.message ?? 'connection failed', err);
}
