import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { sendApiError } from '../api-error';
import type { SimEndpoint } from '../endpoints';
import type { RequestLog } from '../request-log';
import type { ScriptedResponses } from '../scripted-responses';
import type { SimContext } from '../sim-context';

/** What every route file gets from the simulator. */
export interface RouteKit {
  ctx: SimContext;
  log: RequestLog;
  scripted: ScriptedResponses;
  /** Bearer tokens issued by the simulated OAuth2 endpoint. */
  tokens: Set<string>;
}

/** Record the request, check its bearer token (unless `auth` is false), then play scripted failures. */
export function guarded(kit: RouteKit, endpoint: SimEndpoint, auth = true): RequestHandler[] {
  return [
    kit.log.middleware(endpoint),
    ...(auth ? [requireBearer(kit.tokens)] : []),
    kit.scripted.middleware(endpoint),
  ];
}

function requireBearer(tokens: Set<string>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (!tokens.has(token)) return sendApiError(res, 401, 'missing or unknown bearer token');
    next();
  };
}

/** The JSON body (the app parses bodies as raw bytes), `{}` when empty, undefined when not JSON. */
export function jsonBody(req: Request): unknown {
  const text = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
