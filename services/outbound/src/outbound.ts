import express from 'express';
import { createLogger, createMetrics, listen, opsRoutes, type Logger } from '@cpm/platform';
import {
  changelogSpec,
  consumerHealthSettings,
  createKafka,
  ensureTopics,
  SchemaCodec,
} from '@cpm/kafka';
import { SinchApi } from '@cpm/sinch-api';
import { sinchApiSettings, type OutboundConfig } from './config';
import { COMMANDS, DLQ, EVENTS, OUTBOUND, OutboundLoop } from './outbound-loop';
import { RateLimiter } from './rate-limiter';
import { SinchSender } from './sinch-sender';

export interface Outbound {
  url: string;
  stop(): Promise<void>;
}

/** Starts the outbound service: topics and schemas, the exactly-once loop, then /healthz /readyz /metrics. */
export async function startOutbound(
  config: OutboundConfig,
  logger: Logger = createLogger('outbound', config.LOG_LEVEL),
): Promise<Outbound> {
  const metrics = createMetrics('outbound');
  const kafka = createKafka(
    config.KAFKA_BROKERS,
    `outbound-${config.OUTBOUND_INSTANCE_ID}`,
    logger,
  );
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS);
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS, [
    changelogSpec('outbound'),
  ]);
  const codec = SchemaCodec.connect(config.SCHEMA_REGISTRY_URL, config.TOPIC_NAMESPACE);
  await codec.register([COMMANDS, EVENTS, OUTBOUND, DLQ]);
  const api = new SinchApi(sinchApiSettings(config));
  const sender = new SinchSender({
    api,
    limiter: new RateLimiter(config.OUTBOUND_RATE_LIMIT_PER_SECOND),
    retry: {
      maxAttempts: config.OUTBOUND_RETRY_MAX_ATTEMPTS,
      baseMs: config.OUTBOUND_RETRY_BASE_MS,
      maxMs: config.OUTBOUND_RETRY_MAX_MS,
    },
    logger,
  });
  const loop = new OutboundLoop({
    name: 'outbound',
    instanceId: config.OUTBOUND_INSTANCE_ID,
    kafka,
    codec,
    namespace: config.TOPIC_NAMESPACE,
    sender,
    handledCapacity: config.OUTBOUND_HANDLED_CAPACITY,
    logger,
    metrics,
    health: consumerHealthSettings(config),
  });
  await loop.start();

  const app = express();
  app.use(opsRoutes(metrics.registry, async () => loop.health.check()));
  const { url, close } = await listen(app, config.OUTBOUND_HTTP_PORT, config.OUTBOUND_HTTP_HOST);
  logger.info(
    { url, region: config.SINCH_REGION, ratePerSecond: config.OUTBOUND_RATE_LIMIT_PER_SECOND },
    'outbound running',
  );
  return {
    url,
    async stop() {
      await loop.stop();
      await close();
    },
  };
}
