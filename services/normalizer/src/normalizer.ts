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
import type { NormalizerConfig } from './config';
import {
  initialNormalizerState,
  normalizerChangelogLists,
  normalizerHandlerOf,
  REPARTITION_TOPIC,
} from './normalizer-handler';

export interface Normalizer {
  url: string;
  stop(): Promise<void>;
}

export async function startNormalizer(
  config: NormalizerConfig,
  logger: Logger = createLogger('normalizer', config.LOG_LEVEL),
): Promise<Normalizer> {
  const metrics = createMetrics('normalizer');
  const kafka = createKafka(config.KAFKA_BROKERS, `normalizer-${processName()}`, logger);
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS);
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS, [
    changelogSpec('normalizer'),
  ]);
  const codec = SchemaCodec.connect(config.SCHEMA_REGISTRY_URL, config.TOPIC_NAMESPACE);
  await codec.register([
    'sinch.webhooks.raw.v1',
    'sinch.outbound.v1',
    'conversation.events.v1',
    'conversation.events.v1.dlq',
    REPARTITION_TOPIC,
  ]);
  const processor = new TransactionalProcessor({
    name: 'normalizer',
    kafka,
    codec,
    namespace: config.TOPIC_NAMESPACE,
    inputs: ['sinch.webhooks.raw.v1', 'sinch.outbound.v1', REPARTITION_TOPIC],
    dlqTopic: 'conversation.events.v1.dlq',
    initialState: initialNormalizerState,
    changelogLists: normalizerChangelogLists,
    handle: normalizerHandlerOf(config, metrics),
    logger,
    metrics,
    health: consumerHealthSettings(config),
  });
  await processor.start();

  const app = express();
  app.use(opsRoutes(metrics.registry, async () => processor.health.check()));
  const { url, close } = await listen(
    app,
    config.NORMALIZER_HTTP_PORT,
    config.NORMALIZER_HTTP_HOST,
  );
  logger.info({ url }, 'normalizer running');
  return {
    url,
    async stop() {
      await processor.stop();
      await close();
    },
  };
}
