import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { SimEndpoint } from './endpoints';

export interface RecordedRequest {
  /** 1, 2, ... in the order the simulator received them. */
  seq: number;
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
  /** When it arrived and when its answer was written (null until then, or when dropped), ms since the epoch. */
  receivedAtMs: number;
  answeredAtMs: number | null;
  /** The client's end of the connection (`address:port`): which process (and socket) sent it. */
  client: string;
}

/** Every API request the simulator received, in order, so tests can assert exact bodies. */
export class RequestLog {
  private readonly entries: RecordedRequest[] = [];
  private seq = 0;

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
        seq: ++this.seq,
        endpoint,
        method: req.method,
        path: req.path,
        query: { ...req.query },
        headers,
        rawBody,
        body: parseJson(rawBody),
        status: null,
        receivedAtMs: Date.now(),
        answeredAtMs: null,
        client: `${req.socket.remoteAddress}:${req.socket.remotePort}`,
      };
      this.entries.push(entry);
      res.on('finish', () => {
        entry.status = res.statusCode;
        entry.answeredAtMs = Date.now();
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
