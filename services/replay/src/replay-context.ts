import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { createKafka, SchemaCodec } from '@cpm/kafka';
import type { Logger } from '@cpm/platform';
import { createPool } from '@cpm/postgres';
import type { ReplayConfig } from './config';

export interface ReplayContext {
  config: ReplayConfig;
  kafka: Kafka;
  codec: SchemaCodec;
  pool: Pool;
  logger: Logger;
  close(): Promise<void>;
}

/** What every command needs: a Kafka client (only `readmit` makes a producer), the registry, PostgreSQL. */
export function openReplay(config: ReplayConfig, logger: Logger): ReplayContext {
  const pool = createPool(config.DATABASE_URL, { max: 6 });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection lost'));
  return {
    config,
    kafka: createKafka(config.KAFKA_BROKERS, 'replay', logger),
    codec: SchemaCodec.connect(config.SCHEMA_REGISTRY_URL, config.TOPIC_NAMESPACE),
    pool,
    logger,
    close: () => pool.end(),
  };
}
