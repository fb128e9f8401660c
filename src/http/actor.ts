import type { Request, Response } from 'express';
import type { Actor } from '../seals/actor.js';
import { mustPrincipal } from './auth.js';

/** The caller as the services and the audit log see it. */
export function actorOf(req: Request, res: Response): Actor {
  return { principal: mustPrincipal(res), requestId: res.locals.requestId as string, client: req.ip };
}
