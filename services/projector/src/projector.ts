import express from 'express';
import { consumerHealthSettings, createKafka, ensureTopics, SchemaCodec } from '@cpm/kafka';
import { createLogger, createMetrics, listen, opsRoutes, type Logger } from '@cpm/platform';
import { claimTopicNamespace, createPool, migrate, retryTransient } from '@cpm/postgres';
import type { ProjectorConfig } from './config';
import { AuditIndexConsumer } from './audit-index-consumer';
import { AuditIndexStore } from './audit-index';
import { INPUT_TOPICS } from './decode-batch';
import { ProjectionConsumer } from './projection-consumer';
import { ProjectionStore } from './projection-store';
import { readApi } from './read-api';

export interface Projector {
  url: string;
  stop(): Promise<void>;
}

export async function startProjector(
  config: ProjectorConfig,
  logger: Logger = createLogger('projector', config.LOG_LEVEL),
): Promise<Projector> {
  const metrics = createMetrics('projector');
  await retryTransient(
    'projection migrations',
    () => migrate(config.DATABASE_URL, config.PROJECTION_SCHEMA),
    {
      waitMs: config.POSTGRES_WAIT_MS,
      logger,
    },
  );
  const pool = createPool(config.DATABASE_URL);
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection lost')); // the pool reconnects; a batch in flight fails and is retried
  try {
    await claimTopicNamespace(pool, config.PROJECTION_SCHEMA, config.TOPIC_NAMESPACE);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const store = new ProjectionStore(pool, config.PROJECTION_SCHEMA, config.PROJECTOR_GROUP);
  const kafka = createKafka(config.KAFKA_BROKERS, `projector-${config.PROJECTOR_GROUP}`, logger);
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS);
  const codec = SchemaCodec.connect(config.SCHEMA_REGISTRY_URL, config.TOPIC_NAMESPACE);
  await codec.register([...INPUT_TOPICS, ...INPUT_TOPICS.map((t) => `${t}.dlq`)]);
  const consumer = new ProjectionConsumer({
    kafka,
    codec,
    namespace: config.TOPIC_NAMESPACE,
    store,
    maxBytesPerPartition: config.PROJECTOR_MAX_BYTES_PER_PARTITION,
    logger,
    metrics,
    health: consumerHealthSettings(config),
  });
  await consumer.start();
  const auditIndex = config.PROJECTOR_AUDIT_INDEX
    ? new AuditIndexConsumer({
        kafka,
        codec,
        namespace: config.TOPIC_NAMESPACE,
        store: new AuditIndexStore(pool, config.PROJECTION_SCHEMA, config.PROJECTOR_GROUP),
        maxBytesPerPartition: config.PROJECTOR_AUDIT_INDEX_MAX_BYTES_PER_PARTITION,
        logger,
        metrics,
      })
    : null;
  await auditIndex?.start();

  const app = express();
  app.use(
    opsRoutes(metrics.registry, async () => {
      await pool.query('SELECT 1');
      return consumer.health.check();
    }),
  );
  app.use(
    readApi(pool, config.PROJECTION_SCHEMA, {
      maxAgeMs: config.QUOTE_MAX_AGE_MS,
      maxTextLength: config.QUOTE_MAX_TEXT_LENGTH,
    }),
  );
  const { url, close } = await listen(app, config.PROJECTOR_HTTP_PORT, config.PROJECTOR_HTTP_HOST);
  logger.info({ url, schema: config.PROJECTION_SCHEMA }, 'projector running');
  return {
    url,
    async stop() {
      await consumer.stop();
      await auditIndex?.stop();
      await close();
      await pool.end();
    },
  };
}
