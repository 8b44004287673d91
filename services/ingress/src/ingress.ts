import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import express from 'express';
import {
  AppError,
  createLogger,
  createMetrics,
  opsRoutes,
  sendError,
  type Logger,
} from '@cpm/platform';
import {
  BatchingSender,
  createKafka,
  IdempotentProducer,
  ensureTopics,
  SchemaCodec,
  topicName,
} from '@cpm/kafka';
import { keyringOf, secretsValidAt } from '@cpm/sinch-webhooks';
import type { IngressConfig } from './config';
import { Quarantine } from './quarantine';
import { errorAnswer, webhookRoute } from './webhook-route';

export interface Ingress {
  url: string;
  webhookUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the ingress: resolves schema ids (the only Schema Registry call), connects the
 * idempotent producers (INGRESS_KAFKA_PRODUCERS), then listens. After that the hot path talks
 * only to Kafka.
 */
export async function startIngress(
  config: IngressConfig,
  logger: Logger = createLogger('ingress', config.LOG_LEVEL),
): Promise<Ingress> {
  const metrics = createMetrics('ingress');
  const kafka = createKafka(config.KAFKA_BROKERS, config.INGRESS_INSTANCE_ID, logger);
  if (config.INGRESS_ENSURE_TOPICS)
    await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS);
  const codec = SchemaCodec.connect(config.SCHEMA_REGISTRY_URL, config.TOPIC_NAMESPACE);
  await codec.register(['sinch.webhooks.raw.v1', 'sinch.webhooks.rejected.v1']);
  const producers = Array.from(
    { length: config.INGRESS_KAFKA_PRODUCERS },
    () =>
      new IdempotentProducer(kafka, logger, {
        timeoutMs: config.INGRESS_KAFKA_TIMEOUT_MS,
        onRenewal: () => metrics.kafkaErrors.inc({ operation: 'producer_renewal' }),
      }),
  );
  await Promise.all(producers.map((p) => p.connect()));
  const admin = kafka.admin();
  await admin.connect();

  const sender = new BatchingSender(producers, {
    lingerMs: config.INGRESS_BATCH_LINGER_MS,
    maxRecords: config.INGRESS_BATCH_MAX_RECORDS,
    onBatch: (size) => metrics.webhookBatchSize.observe(size),
    onError: () => metrics.kafkaErrors.inc({ operation: 'send' }),
  });
  const quarantine = new Quarantine({
    codec,
    sender,
    topic: topicName(config.TOPIC_NAMESPACE, 'sinch.webhooks.rejected.v1'),
    maxBytes: config.INGRESS_QUARANTINE_MAX_BYTES,
    instance: config.INGRESS_INSTANCE_ID,
    logger,
  });
  const keyring = keyringOf(config);
  if (keyring.length > 0 && secretsValidAt(keyring, Date.now()).length === 0) {
    logger.error(
      { secretIds: keyring.map((k) => k.id) },
      'no webhook secret of the keyring is valid now: every webhook is refused (and quarantined) until one is',
    );
  }
  if (config.INGRESS_INSECURE_ACCEPT_UNSIGNED) {
    logger.warn(
      'INGRESS_INSECURE_ACCEPT_UNSIGNED=true: webhook signatures are NOT verified. Never run this way where Sinch or anyone else can reach the port.',
    );
  }

  const app = express();
  app.disable('x-powered-by');
  // A webhook's answer is never cached or revalidated: no ETag (a hash of every answer).
  app.set('etag', false);
  // The webhook route first: each webhook passes no other router on its way.
  app.use(
    webhookRoute({
      config,
      codec,
      sender,
      quarantine,
      rawTopic: topicName(config.TOPIC_NAMESPACE, 'sinch.webhooks.raw.v1'),
      logger,
      metrics,
    }),
  );
  app.use(
    opsRoutes(metrics.registry, async () => {
      const cluster = await Promise.race([
        admin.describeCluster(),
        new Promise<never>((_, r) =>
          setTimeout(() => r(new Error('Kafka did not answer in 2 s')), 2000),
        ),
      ]);
      return { ready: cluster.brokers.length > 0, details: { brokers: cluster.brokers.length } };
    }),
  );
  app.use((_req, res) => {
    sendError(
      res,
      new AppError('CPM_ERR_NOT_FOUND', `POST webhooks to ${config.INGRESS_WEBHOOK_PATH}`),
    );
  });
  app.use(errorAnswer(logger, metrics, config.INGRESS_RETRY_AFTER_SECONDS));

  // Slow clients must not hold connections for Node's default 5 minutes; the interval
  // that enforces requestTimeout can only be set when the server is created.
  const server: Server = createServer(
    {
      requestTimeout: config.INGRESS_REQUEST_TIMEOUT_MS,
      headersTimeout: Math.min(10_000, config.INGRESS_REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: 1_000,
    },
    app,
  );
  await new Promise<void>((resolve) =>
    server.listen(config.INGRESS_PORT, config.INGRESS_HOST, resolve),
  );
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.INGRESS_HOST}:${port}`;
  logger.info(
    { url, path: config.INGRESS_WEBHOOK_PATH, secretIds: keyring.map((k) => k.id) },
    'ingress listening',
  );

  let stopping: Promise<void> | null = null;
  return {
    url,
    webhookUrl: `${url}${config.INGRESS_WEBHOOK_PATH}`,
    stop() {
      stopping ??= (async () => {
        // Stop accepting; requests in flight finish (and are flushed to Kafka) first.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
        await sender.close();
        await Promise.all(producers.map((p) => p.disconnect()));
        await admin.disconnect();
        logger.info('ingress stopped');
      })();
      return stopping;
    },
  };
}
