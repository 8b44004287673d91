import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { topicName, type ConsumerHealth, SERVICE_CONSUMER_RETRY } from '@cpm/kafka';
import type { Logger, Metrics } from '@cpm/platform';
import { retryTransient } from '@cpm/postgres';

export interface StoredOffsetConsumerOptions {
  kafka: Kafka;
  namespace: string;
  /** Consumer group (namespaced like the topics) and the key of its offsets in PostgreSQL. */
  group: string;
  /** Catalogue names of the topics read. */
  topics: readonly string[];
  maxBytesPerPartition: number;
  /** kafkajs partitionsConsumedConcurrently; default 1. */
  concurrency?: number;
  /** The offsets stored with the rows, `topic:partition` (catalogue name) → next offset. */
  storedOffsets: () => Promise<Map<string, string>>;
  /**
   * Applies one batch of `topic` (catalogue name) and stores `next` as the partition's offset
   * with its rows, in one PostgreSQL transaction; returns how many records it applied.
   */
  apply: (
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    next: string,
  ) => Promise<number>;
  /** The metrics label of a topic's batches. */
  label?: (topic: string) => string;
  /** Readiness: not ready until the assignment of the last join is sought. */
  health?: ConsumerHealth;
  logger: Logger;
  metrics: Metrics;
}

/**
 * The projector's one way to read Kafka into PostgreSQL (docs/ARCHITECTURE.md#projections-in-postgresql):
 * Kafka's committed offsets are never used (autoCommit off); the offsets live in PostgreSQL
 * with the rows, written in the same transaction, and every assigned partition is sought to
 * them on each assignment, so a batch applied twice is never counted twice. The projections
 * and the audit index each run one, in consumer groups of their own.
 */
export class StoredOffsetConsumer {
  private consumer: Consumer | null = null;

  constructor(private readonly o: StoredOffsetConsumerOptions) {}

  async start(): Promise<void> {
    const { kafka, namespace } = this.o;
    // The Kafka group is namespaced like the topics, so deployments sharing a cluster never share a group.
    const consumer = kafka.consumer({
      groupId: topicName(namespace, this.o.group),
      maxBytesPerPartition: this.o.maxBytesPerPartition,
      readUncommitted: false,
      retry: SERVICE_CONSUMER_RETRY,
    });
    this.consumer = consumer;
    this.o.health?.watch(consumer);
    await consumer.connect();
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const seek = () => this.seekToStored(payload.memberAssignment);
      if (this.o.health) this.o.health.restore(seek);
      else
        void seek().catch((error: unknown) =>
          this.o.logger.error({ err: error }, 'seeking to the stored offsets failed'),
        );
    });
    await consumer.subscribe({
      topics: this.o.topics.map((t) => topicName(namespace, t)),
      fromBeginning: true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.o.concurrency ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** The catalogue name of a full topic name. */
  private logical(fullTopic: string): string {
    const ns = this.o.namespace;
    return ns && fullTopic.startsWith(`${ns}.`) ? fullTopic.slice(ns.length + 1) : fullTopic;
  }

  private async seekToStored(assignment: Record<string, number[]>): Promise<void> {
    // A join can come while PostgreSQL is away: wait for it rather than read from Kafka's offsets.
    const stored = await retryTransient(
      `reading the stored offsets of ${this.o.group}`,
      () => this.o.storedOffsets(),
      { logger: this.o.logger },
    );
    for (const [fullTopic, partitions] of Object.entries(assignment)) {
      const topic = this.logical(fullTopic);
      for (const partition of partitions) {
        const offset = stored.get(`${topic}:${partition}`);
        if (offset !== undefined) this.consumer?.seek({ topic: fullTopic, partition, offset });
      }
    }
    this.o.logger.info(
      { group: this.o.group, assignment },
      'partitions sought to the offsets stored in PostgreSQL',
    );
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
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    const applied = await this.o.apply(topic, batch.partition, batch.messages, next);
    resolveOffset(batch.lastOffset());
    const label = this.o.label?.(topic) ?? topic;
    this.o.metrics.recordsProcessed.inc({ topic: label }, applied);
    this.o.metrics.batchDuration.observe({ topic: label }, Date.now() - started);
    await heartbeat();
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
