import type { Request } from 'express';
import type { PageRequest } from '../seals/paging.js';

/**
 * `?limit=&cursor=` of every list (openapi.yaml's Limit and Cursor parameters; the validator has
 * already checked their form and coerced limit to a number).
 */
export function pageRequestOf(req: Request): PageRequest {
  const q = req.query as Record<string, unknown>;
  return {
    limit: q.limit === undefined ? undefined : Number(q.limit),
    cursor: typeof q.cursor === 'string' ? q.cursor : undefined,
  };
}

/** A string query parameter, or undefined. */
export const queryString = (req: Request, name: string): string | undefined => {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
};
