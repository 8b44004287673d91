import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import {
  signatureHeadersFrom,
  verifySignature,
  type VerificationResult,
} from '@cpm/sinch-webhooks';

export interface ReceivedCallback {
  rawBody: Buffer;
  body: Record<string, unknown>;
  verification: VerificationResult;
}

/** A stand-in for our ingress in tests: keeps the raw bytes, verifies the signature, answers scripted statuses. */
export async function startWebhookReceiver(secret: string) {
  const received: ReceivedCallback[] = [];
  const statuses: number[] = [];
  const app = express();
  app.post('/sinch', express.raw({ type: () => true }), (req, res) => {
    const rawBody = req.body as Buffer;
    const verification = verifySignature(rawBody, signatureHeadersFrom(req.headers), {
      secrets: [secret],
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    received.push({ rawBody, body: JSON.parse(rawBody.toString('utf8')), verification });
    res.status(statuses.shift() ?? 200).end();
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sinch`,
    received,
    /** Statuses for the next callbacks (then 200). */
    answerNext: (...next: number[]) => statuses.push(...next),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
