import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  BatchingSender,
  createKafka,
  ensureTopics,
  IdempotentProducer,
  topicName,
} from '@cpm/kafka';
import { createLogger } from '@cpm/platform';
import { signatureHeadersFrom, verifySignature } from '@cpm/sinch-webhooks';

export interface BaselineServer {
  webhookUrl: string;
  stop(): Promise<void>;
}

const isJson = (contentType: string | undefined): boolean =>
  /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType ?? '');

/** Where the `kafka` baseline writes: the ingress's raw topic of the namespace. */
export interface BaselineKafka {
  brokers: string;
  namespace: string;
  partitions: number;
  producers: number;
  lingerMs: number;
  maxRecords: number;
}

/**
 * The ingress's HTTP path without our layers: the same express set-up (content-type check,
 * express.raw, signature verification, JSON.parse, a JSON answer with a request id).
 * Without `kafka` it answers 200 at once: the difference to the real ingress is then the
 * record building, the Avro encoding and the acknowledged Kafka write. With `kafka` it first
 * writes the body as it is (key: the contact id) through the ingress's own BatchingSender
 * and idempotent producers (same count, linger and batch size, acks=all), and answers once
 * Kafka acknowledged it: the difference to the real ingress is then only our own work
 * (record building, Avro, keyring, in-flight budget, metrics, error handling).
 */
export async function startBaselineServer(options: {
  secrets: string[];
  path: string;
  bodyLimitBytes: number;
  kafka?: BaselineKafka;
}): Promise<BaselineServer> {
  const writer = options.kafka ? await kafkaWriter(options.kafka) : null;
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
      if (!writer) {
        res.status(200).json({ status: 'accepted', requestId, trigger });
        return;
      }
      const contactId = (parsed as { message?: { contact_id?: unknown } }).message?.contact_id;
      writer.send(typeof contactId === 'string' ? contactId : requestId, body).then(
        () => res.status(200).json({ status: 'accepted', requestId, trigger }),
        () => res.status(503).json({ code: 'CPM_ERR_KAFKA_UNAVAILABLE', requestId }),
      );
    },
  );
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  return {
    webhookUrl: `http://127.0.0.1:${port}${options.path}`,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await writer?.close();
    },
  };
}

async function kafkaWriter(options: BaselineKafka): Promise<{
  send(key: string, value: Buffer): Promise<void>;
  close(): Promise<void>;
}> {
  const logger = createLogger('bench-baseline', 'silent');
  const kafka = createKafka(options.brokers, `bench-baseline-${process.pid}`, logger);
  await ensureTopics(kafka, options.namespace, options.partitions);
  const producers = Array.from(
    { length: options.producers },
    () => new IdempotentProducer(kafka, logger, { timeoutMs: 10_000 }),
  );
  await Promise.all(producers.map((p) => p.connect()));
  const sender = new BatchingSender(producers, {
    lingerMs: options.lingerMs,
    maxRecords: options.maxRecords,
  });
  const topic = topicName(options.namespace, 'sinch.webhooks.raw.v1');
  return {
    send: (key, value) => sender.send({ topic, key, value }),
    async close() {
      await sender.close();
      await Promise.all(producers.map((p) => p.disconnect()));
    },
  };
}
