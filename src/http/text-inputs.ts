import type { Request, RequestHandler } from 'express';
import { badRequest } from '../errors.js';
import { unsafeCharacter } from '../text.js';
import type { OperationIndex } from './operations.js';

/**
 * The one place where every string of a request is checked before anything uses it: each string of a
 * JSON body (at any depth, array items included), of the query, of the path parameters and of the
 * headers openapi.yaml declares. It runs after the OpenAPI validator (which caps
 * lengths and checks types), so it sees only what the contract allows, and before idempotency and the
 * routes, so no handler, seal key or time-stamp is reached by unchecked text. A field added to
 * openapi.yaml tomorrow is covered without a line here.
 *
 * - a character of src/text.ts's refused classes: 400 `unsafe-text` naming the field;
 * - strings are trimmed (names never start or end with blanks), and a string that was only blanks is
 *   400 `blank-text` naming the field: "   " is not a name.
 */
export const textInputs = (operations: Pick<OperationIndex, 'declaredHeaders'>): RequestHandler => (req, _res, next) => {
  if (req.body !== undefined && req.body !== null && !Buffer.isBuffer(req.body) && typeof req.body === 'object') {
    req.body = cleaned(req.body, 'body', 0);
  }
  const query = req.query as Record<string, unknown> | undefined;
  if (query && Object.keys(query).length > 0) {
    // Express 5 parses req.query in a getter (the validator leaves an own, writable copy behind):
    // the cleaned copy replaces it for every later reader either way.
    const value = cleaned(query, 'query', 0);
    if (Object.getOwnPropertyDescriptor(req, 'query')?.writable) (req as { query: unknown }).query = value;
    else Object.defineProperty(req, 'query', { value, writable: true, configurable: true, enumerable: true });
  }
  const openapi = (req as Request & { openapi?: OpenApiMeta }).openapi;
  for (const [name, value] of Object.entries(openapi?.pathParams ?? {})) checkText(value, `params.${name}`);
  for (const name of operations.declaredHeaders) {
    const value = req.get(name);
    if (value !== undefined) checkText(value, `headers.${name}`);
  }
  next();
};

interface OpenApiMeta {
  pathParams?: Record<string, string>;
}

/** JSON bodies are shallow by contract (the validator refuses anything else); this bounds the walk anyway. */
const MAX_DEPTH = 16;

function cleaned(value: unknown, field: string, depth: number): unknown {
  if (typeof value === 'string') return cleanedText(value, field);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) throw badRequest('invalid-request', `${field}: nested too deeply.`, { field });
  if (Array.isArray(value)) return value.map((v, i) => cleaned(v, `${field}.${i}`, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    checkText(k, `${field}.${k}`);
    out[k] = cleaned(v, `${field}.${k}`, depth + 1);
  }
  return out;
}

function cleanedText(value: string, field: string): string {
  checkText(value, field);
  const trimmed = value.trim();
  if (trimmed === '' && value !== '') throw badRequest('blank-text', `${field}: must not be blank.`, { field });
  return trimmed;
}

function checkText(value: string, field: string): void {
  const what = unsafeCharacter(value);
  if (what) throw badRequest('unsafe-text', `${field}: contains ${what}, which is not accepted in any text.`, { field });
}
