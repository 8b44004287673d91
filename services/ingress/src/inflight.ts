import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError } from '@cpm/platform';

/** The ingress holds as many request bytes as it may: answered 503 so Sinch retries later. */
export class IngressBusyError extends AppError<'CPM_ERR_INGRESS_BUSY'> {
  constructor(inflightBytes: number, requestBytes: number, maxBytes: number) {
    super(
      'CPM_ERR_INGRESS_BUSY',
      `the ingress is holding ${inflightBytes} bytes of requests; this one (${requestBytes} bytes) would pass INGRESS_MAX_INFLIGHT_BYTES=${maxBytes}: retry later. ` +
        'If this happens under normal traffic, add ingress instances or raise the limit (and the heap with it)',
    );
  }
}

/**
 * Bounds the request bytes held at once (received, parsed, waiting for Kafka): a request
 * reserves its Content-Length (the body limit when it declares none) before its body is
 * read, and frees it when its answer is sent or the connection closes. Over the bound it
 * is answered 503 with Retry-After before its body is read, so the memory a burst of large
 * bodies can take is bounded (a body is parsed as JSON on the heap: several times its
 * size) and a capped heap (--max-old-space-size) is safe. One request is always admitted,
 * so a body up to the body limit never waits for ever.
 */
export function inflightBudget(
  maxBytes: number,
  bodyLimit: number,
  onRefused: () => void,
): RequestHandler {
  let inflight = 0;
  return (req: Request, res: Response, next: NextFunction): void => {
    const declared = Number(req.headers['content-length']);
    const cost =
      Number.isFinite(declared) && declared >= 0 ? Math.min(declared, bodyLimit) : bodyLimit;
    if (inflight > 0 && inflight + cost > maxBytes) {
      onRefused();
      next(new IngressBusyError(inflight, cost, maxBytes));
      return;
    }
    inflight += cost;
    let held = true;
    const release = (): void => {
      if (held) inflight -= cost;
      held = false;
    };
    // 'close' follows 'finish' on every answer, and comes alone when the connection drops.
    res.once('close', release);
    next();
  };
}
