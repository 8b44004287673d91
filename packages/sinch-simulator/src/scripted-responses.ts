import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { apiErrorBody } from './api-error';
import type { SimEndpoint } from './endpoints';

/**
 * One scripted answer. `status` replaces the real answer (body: the API's error shape unless
 * given); `delayMs` alone delays the real answer; `dropConnection` closes the socket unanswered.
 */
export interface ScriptedResponse {
  status?: number;
  body?: unknown;
  delayMs?: number;
  dropConnection?: boolean;
}

/** Failure injection: a queue of scripted answers per endpoint, consumed one per request. */
export class ScriptedResponses {
  private readonly queues = new Map<SimEndpoint, ScriptedResponse[]>();

  failNext(endpoint: SimEndpoint, responses: readonly ScriptedResponse[]): void {
    this.queues.set(endpoint, [...(this.queues.get(endpoint) ?? []), ...responses]);
  }

  pending(endpoint: SimEndpoint): number {
    return this.queues.get(endpoint)?.length ?? 0;
  }

  clear(): void {
    this.queues.clear();
  }

  middleware(endpoint: SimEndpoint): RequestHandler {
    return async (req: Request, res: Response, next: NextFunction) => {
      const scripted = this.queues.get(endpoint)?.shift();
      if (!scripted) return next();
      if (scripted.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
      if (scripted.dropConnection) {
        req.socket.destroy();
        return;
      }
      if (scripted.status === undefined) return next();
      res
        .status(scripted.status)
        .json(scripted.body ?? apiErrorBody(scripted.status, `scripted failure of ${endpoint}`));
    };
  }
}
