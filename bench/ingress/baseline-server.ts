import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { signatureHeadersFrom, verifySignature } from '@cpm/sinch-webhooks';

export interface BaselineServer {
  webhookUrl: string;
  stop(): Promise<void>;
}

const isJson = (contentType: string | undefined): boolean =>
  /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType ?? '');

/**
 * The ingress's HTTP path without Kafka: the same express set-up (content-type check,
 * express.raw, signature verification, JSON.parse, a JSON answer with a request id) but
 * answering 200 at once. The difference to the real ingress is the record building, the
 * Avro encoding and the acknowledged Kafka write.
 */
export async function startBaselineServer(options: {
  secrets: string[];
  path: string;
  bodyLimitBytes: number;
}): Promise<BaselineServer> {
  const app = express();
  app.disable('x-powered-by');
  app.post(
    options.path,
    (req: Request, res: Response, next: NextFunction) => {
      if (isJson(req.headers['content-type'])) next();
      else res.status(415).json({ code: 'CPM_ERR_UNSUPPORTED_MEDIA_TYPE' });
    },
    express.raw({ type: () => true, limit: options.bodyLimitBytes }),
    (req: Request, res: Response) => {
      const receivedAt = Date.now();
      const requestId = randomUUID();
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verification = verifySignature(body, signatureHeadersFrom(req.headers), {
        secrets: options.secrets,
        nowSeconds: Math.floor(receivedAt / 1000),
      });
      if (!verification.ok) {
        res
          .status(401)
          .json({ code: verification.reason, message: verification.message, requestId });
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        res.status(400).json({ code: 'CPM_ERR_WEBHOOK_NOT_JSON', requestId });
        return;
      }
      const trigger =
        parsed !== null && typeof parsed === 'object' && 'message' in parsed
          ? 'MESSAGE_INBOUND'
          : 'UNKNOWN';
      res.status(200).json({ status: 'accepted', requestId, trigger });
    },
  );
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  return {
    webhookUrl: `http://127.0.0.1:${port}${options.path}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
