import type { Kafka } from 'kafkajs';
import type { SchemaCodec } from '@cpm/kafka';
import type { Logger, Metrics } from '@cpm/platform';
import {
  AUDIT_INDEX_TOPICS,
  auditIndexRows,
  type AuditIndexStore,
  type AuditIndexTopic,
} from './audit-index';
import { StoredOffsetConsumer } from './stored-offset-consumer';

export interface AuditIndexConsumerOptions {
  kafka: Kafka;
  codec: SchemaCodec;
  namespace: string;
  store: AuditIndexStore;
  maxBytesPerPartition: number;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Keeps the audit index (audit-index.ts) in PostgreSQL on the same StoredOffsetConsumer as the
 * projections, in a consumer group of its own (`<PROJECTOR_GROUP>.audit-index`). Nothing is dead-lettered: a record it cannot decode is indexed by its key. It is not
 * part of the projector's readiness: an index behind the log only makes the audit read a
 * longer tail (services/replay/README.md#audit).
 */
export class AuditIndexConsumer {
  private readonly reader: StoredOffsetConsumer;

  constructor(o: AuditIndexConsumerOptions) {
    this.reader = new StoredOffsetConsumer({
      kafka: o.kafka,
      namespace: o.namespace,
      group: o.store.group,
      topics: AUDIT_INDEX_TOPICS,
      maxBytesPerPartition: o.maxBytesPerPartition,
      concurrency: 3,
      storedOffsets: () => o.store.storedOffsets(),
      apply: async (topic, partition, messages, next) =>
        o.store.apply(
          topic as AuditIndexTopic,
          partition,
          await auditIndexRows(o.codec, topic as AuditIndexTopic, messages),
          next,
        ),
      label: (topic) => `${topic} (audit index)`,
      logger: o.logger,
      metrics: o.metrics,
    });
  }

  start(): Promise<void> {
    return this.reader.start();
  }

  stop(): Promise<void> {
    return this.reader.stop();
  }
}
