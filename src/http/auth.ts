import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { authenticateToken } from '../auth/tokens.js';
import type { Principal, Role } from '../auth/roles.js';
import { forbidden, unauthorized } from '../errors.js';
import type { Db } from '../store/db.js';
import type { OperationIndex } from './operations.js';

/**
 * Resolves `Authorization: Bearer …` on every request into res.locals.principal. A request without
 * the header passes as anonymous to the public operations; to one that openapi.yaml says needs a token
 * (`operations`) it is 401 here, before its body is read or validated. A header with an unknown token,
 * or a token of a disabled user, is 401 at once: the check runs on each request, nothing is cached, so
 * disabling a user takes effect on the next request.
 */
export function authenticate(db: Db, operations?: OperationIndex): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    if (header === undefined) {
      return next(operations?.needsAuthentication(req.method, req.path) ? unauthorized() : undefined);
    }
    const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header.trim());
    if (!m) return next(unauthorized('The Authorization header must be "Bearer <token>".'));
    const principal = await authenticateToken(db, m[1]!);
    if (!principal) return next(unauthorized('The bearer token is unknown or no longer valid.'));
    res.locals.principal = principal;
    next();
  };
}

export const principalOf = (res: Response): Principal | undefined => res.locals.principal as Principal | undefined;

/** The caller must be authenticated, and (when roles are given) hold one of them: 401 otherwise 403. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    const p = principalOf(res);
    if (!p) return next(unauthorized());
    if (roles.length > 0 && !roles.includes(p.role)) return next(forbidden(`This needs one of the roles: ${roles.join(', ')}.`));
    next();
  };
}

/** For handlers behind requireRole: the principal is there. */
export function mustPrincipal(res: Response): Principal {
  const p = principalOf(res);
  if (!p) throw unauthorized();
  return p;
}
