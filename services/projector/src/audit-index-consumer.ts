import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { topicName, type SchemaCodec, SERVICE_CONSUMER_RETRY } from '@cpm/kafka';
import type { Logger, Metrics } from '@cpm/platform';
import { retryTransient } from '@cpm/postgres';
import {
  AUDIT_INDEX_TOPICS,
  auditIndexRows,
  type AuditIndexStore,
  type AuditIndexTopic,
} from './audit-index';

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
 * Keeps the audit index (audit-index.ts) in PostgreSQL, the way the projection consumer keeps
 * the projections: its own consumer group (`<PROJECTOR_GROUP>.audit-index`), Kafka's
 * committed offsets never used, each assigned partition sought to the offset stored with the
 * rows. Nothing is dead-lettered: a record it cannot decode is indexed by its key. It is not
 * part of the projector's readiness: an index behind the log only makes the audit read a
 * longer tail (services/replay/README.md#audit).
 */
export class AuditIndexConsumer {
  private consumer: Consumer | null = null;

  constructor(private readonly o: AuditIndexConsumerOptions) {}

  async start(): Promise<void> {
    const { kafka, namespace, store } = this.o;
    const consumer = kafka.consumer({
      groupId: topicName(namespace, store.group),
      maxBytesPerPartition: this.o.maxBytesPerPartition,
      readUncommitted: false,
      retry: SERVICE_CONSUMER_RETRY,
    });
    this.consumer = consumer;
    await consumer.connect();
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      void this.seekToStored(payload.memberAssignment).catch((error: unknown) =>
        this.o.logger.error({ err: error }, 'audit index: seeking to the stored offsets failed'),
      );
    });
    await consumer.subscribe({
      topics: AUDIT_INDEX_TOPICS.map((t) => topicName(namespace, t)),
      fromBeginning: true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private logical(fullTopic: string): AuditIndexTopic {
    const ns = this.o.namespace;
    return (
      ns && fullTopic.startsWith(`${ns}.`) ? fullTopic.slice(ns.length + 1) : fullTopic
    ) as AuditIndexTopic;
  }

  private async seekToStored(assignment: Record<string, number[]>): Promise<void> {
    const stored = await retryTransient(
      'reading the audit index offsets',
      () => this.o.store.storedOffsets(),
      { logger: this.o.logger },
    );
    for (const [fullTopic, partitions] of Object.entries(assignment))
      for (const partition of partitions) {
        const offset = stored.get(`${this.logical(fullTopic)}:${partition}`);
        if (offset !== undefined) this.consumer?.seek({ topic: fullTopic, partition, offset });
      }
  }

  private async onBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const started = Date.now();
    const topic = this.logical(batch.topic);
    const rows = await auditIndexRows(this.o.codec, topic, batch.messages);
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    const applied = await this.o.store.apply(topic, batch.partition, rows, next);
    resolveOffset(batch.lastOffset());
    this.o.metrics.recordsProcessed.inc({ topic: `${topic} (audit index)` }, applied);
    this.o.metrics.batchDuration.observe({ topic: `${topic} (audit index)` }, Date.now() - started);
    await heartbeat();
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
