import type { ErrorRequestHandler, Response } from 'express';
import { AppError } from '../errors.js';
import { asStorageError, isConnectionError } from '../store/unavailable.js';

/** application/problem+json (RFC 9457). `type` is a stable URN built from the AppError's code. */
export const PROBLEM_TYPE_PREFIX = 'urn:e-seal:problem:';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The problem+json body of an AppError (shared by Express and the plain node:http PKI front). */
export function problemJson(err: AppError, requestId?: string): string {
  return JSON.stringify({
    type: PROBLEM_TYPE_PREFIX + err.type,
    title: TITLES[err.status] ?? 'Error',
    status: err.status,
    detail: err.message,
    ...err.details,
    ...(requestId ? { requestId } : {}),
  });
}

export function sendProblem(res: Response, err: AppError): void {
  const requestId = res.locals.requestId as string | undefined;
  if (err.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  res.locals.problemType = err.type;
  res.status(err.status).type('application/problem+json').send(problemJson(err, requestId));
}

interface ValidatorError {
  status?: number;
  errors?: { path?: string; message?: string }[];
  message?: string;
}

/** "/body/name" or ".body.name" (the validator's spellings) → "body.name". */
const fieldName = (path: string | undefined) => (path ?? '').replace(/^[./]+/, '').replace(/\//g, '.');

/** What the validator knows of the request's operation (its metadata middleware sets it before validating). */
interface ValidatedRequest {
  get(name: string): string | undefined;
  openapi?: { schema?: { requestBody?: { content?: Record<string, unknown> } } };
}

/**
 * 415 naming the media type the operation takes and the one that came, rather than the validator's wording (which
 * names an internal route such as "v1.seals.:id.sign").
 */
function unsupportedMediaType(request?: ValidatedRequest): AppError {
  const expected = Object.keys(request?.openapi?.schema?.requestBody?.content ?? {});
  const sent = request?.get('content-type');
  const want = expected.length ? expected.join(' or ') : 'a documented media type';
  return new AppError(
    415,
    'unsupported-media-type',
    `The request body must be sent with Content-Type: ${want}; this request ${sent ? `sent ${sent}` : 'sent no Content-Type'}.`,
    { field: 'headers.content-type', expected },
  );
}

/** Turns anything thrown into a problem; unexpected errors become a bare 500 with no detail leaked. */
export function toAppError(err: unknown, request?: ValidatedRequest): AppError {
  if (err instanceof AppError) return err;
  // A storage outage that reached here without passing an adapter (e.g. a driver's own pool): 503, not 500.
  if (isConnectionError(err)) return asStorageError(err) as AppError;
  const e = err as ValidatorError & { type?: string; expose?: boolean; statusCode?: number };
  // body-parser
  if (e?.type === 'entity.too.large') return new AppError(413, 'body-too-large', 'The request body is larger than allowed.');
  if (e?.type === 'entity.parse.failed') return new AppError(400, 'malformed-body', 'The request body is not valid JSON.', { field: 'body' });
  // express-openapi-validator: errors carry a status and a list of { path, message }
  if (typeof e?.status === 'number' && Array.isArray(e.errors)) {
    const errors = e.errors.map((x) => ({ field: fieldName(x.path), message: x.message ?? 'invalid' }));
    const first = errors[0];
    const codes: Record<number, string> = {
      400: 'invalid-request',
      404: 'not-found',
      405: 'method-not-allowed',
      413: 'body-too-large',
      415: 'unsupported-media-type',
    };
    const status = codes[e.status] ? e.status : 400;
    if (status === 415) return unsupportedMediaType(request);
    if (status === 404) return new AppError(404, 'not-found', 'No such resource.');
    if (status === 405) return new AppError(405, 'method-not-allowed', 'This method is not allowed on this resource.');
    const detail = first && first.field ? `${first.field}: ${first.message}` : (first?.message ?? e.message ?? 'invalid request');
    return new AppError(status, codes[status]!, detail, status === 400 ? { field: first?.field, errors } : {});
  }
  return new AppError(500, 'internal', 'An unexpected error occurred; it has been logged with the request id.');
}

export const problemHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appError = toAppError(err, req as ValidatedRequest);
  if (appError.status === 503) req.log?.warn({ problem: appError.type }, 'request refused: a backing store is unavailable');
  else if (appError.status >= 500) req.log?.error({ err }, 'request failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendProblem(res, appError);
};
