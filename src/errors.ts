/**
 * The one error type of the service. Every module throws AppError for anything a caller can
 * act on; the HTTP layer turns it into application/problem+json (RFC 9457). `type` is a stable
 * short code (it becomes the problem's `type` URI suffix), never a sentence.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** Extra members of the problem body, e.g. `{ field: 'page' }` or `{ state: 'returned' }`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (type: string, message: string, details?: Record<string, unknown>) =>
  new AppError(400, type, message, details);
export const unprocessable = (type: string, message: string, details?: Record<string, unknown>) =>
  new AppError(422, type, message, details);
export const notFound = (type: string, message: string, details?: Record<string, unknown>) =>
  new AppError(404, type, message, details);
export const conflict = (type: string, message: string, details?: Record<string, unknown>) =>
  new AppError(409, type, message, details);
export const forbidden = (message = 'This role may not do that.', details?: Record<string, unknown>) =>
  new AppError(403, 'forbidden', message, details);
export const unauthorized = (message = 'A valid bearer token is required.') =>
  new AppError(401, 'unauthorized', message);
