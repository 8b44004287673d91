import express from 'express';
import {
  createLogger,
  createMetrics,
  listen,
  opsRoutes,
  processName,
  type Logger,
} from '@cpm/platform';
import {
  changelogSpec,
  consumerHealthSettings,
  createKafka,
  ensureTopics,
  SchemaCodec,
  TransactionalProcessor,
} from '@cpm/kafka';
import { SinchApi } from '@cpm/sinch-api';
import { sinchApiSettings, type OutboundConfig } from './config';
import { COMMANDS, DLQ, EVENTS, OUTBOUND, outboundHandler } from './outbound-handler';
import { initialOutboundState, type OutboundState } from './outbound-state';
import { RateLimiter } from './rate-limiter';
import { SinchSender } from './sinch-sender';
import { TEMPLATES, TemplateRefresher } from './template-refresh';

export interface Outbound {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the outbound service: topics and schemas, the exactly-once processor, the WhatsApp
 * template catalogue refresh (at start, then every OUTBOUND_TEMPLATES_REFRESH_MS unless 0),
 * then /healthz /readyz /metrics.
 */
export async function startOutbound(
  config: OutboundConfig,
  logger: Logger = createLogger('outbound', config.LOG_LEVEL),
): Promise<Outbound> {
  const metrics = createMetrics('outbound');
  const kafka = createKafka(config.KAFKA_BROKERS, `outbound-${processName()}`, logger);
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS);
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS, [
    changelogSpec('outbound'),
  ]);
  const codec = SchemaCodec.connect(config.SCHEMA_REGISTRY_URL, config.TOPIC_NAMESPACE);
  await codec.register([COMMANDS, EVENTS, OUTBOUND, DLQ, TEMPLATES]);
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
  const processor = new TransactionalProcessor<OutboundState>({
    name: 'outbound',
    kafka,
    codec,
    namespace: config.TOPIC_NAMESPACE,
    inputs: [COMMANDS, EVENTS], // co-partitioned: both keyed by customer key
    dlqTopic: DLQ,
    initialState: initialOutboundState,
    handle: outboundHandler({
      send: (plan, appId) => sender.execute(plan, appId),
      handledCapacity: config.OUTBOUND_HANDLED_CAPACITY,
      logger,
      metrics,
    }),
    logger,
    metrics,
    health: consumerHealthSettings(config),
  });
  await processor.start();
  // A failed refresh is logged and retried at the next tick; it never holds the start.
  const templates =
    config.OUTBOUND_TEMPLATES_REFRESH_MS > 0
      ? new TemplateRefresher({
          api,
          kafka,
          codec,
          namespace: config.TOPIC_NAMESPACE,
          projectId: config.SINCH_PROJECT_ID,
          logger,
          intervalMs: config.OUTBOUND_TEMPLATES_REFRESH_MS,
        })
      : null;
  void templates?.start();

  const app = express();
  app.use(opsRoutes(metrics.registry, async () => processor.health.check()));
  const { url, close } = await listen(app, config.OUTBOUND_HTTP_PORT, config.OUTBOUND_HTTP_HOST);
  logger.info(
    { url, region: config.SINCH_REGION, ratePerSecond: config.OUTBOUND_RATE_LIMIT_PER_SECOND },
    'outbound running',
  );
  return {
    url,
    async stop() {
      await templates?.stop();
      await processor.stop();
      await close();
    },
  };
}
