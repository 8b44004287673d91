import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { SimEndpoint } from './endpoints';

export interface RecordedRequest {
  endpoint: SimEndpoint;
  method: string;
  path: string;
  query: Record<string, unknown>;
  /** Lower-case names; `authorization` is left out. */
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  /** Parsed JSON when the body is JSON, else undefined. */
  body: unknown;
  /** The status the simulator answered, once it has (null while in flight or when dropped). */
  status: number | null;
}

/** Every API request the simulator received, in order, so tests can assert exact bodies. */
export class RequestLog {
  private readonly entries: RecordedRequest[] = [];

  all(endpoint?: SimEndpoint): RecordedRequest[] {
    return endpoint
      ? this.entries.filter((entry) => entry.endpoint === endpoint)
      : [...this.entries];
  }

  clear(): void {
    this.entries.length = 0;
  }

  middleware(endpoint: SimEndpoint): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const { authorization: _authorization, ...headers } = req.headers;
      const rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      const entry: RecordedRequest = {
        endpoint,
        method: req.method,
        path: req.path,
        query: { ...req.query },
        headers,
        rawBody,
        body: parseJson(rawBody),
        status: null,
      };
      this.entries.push(entry);
      res.on('finish', () => {
        entry.status = res.statusCode;
      });
      next();
    };
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
