import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import {
  ConsumerHealth,
  deadLetter,
  IdempotentProducer,
  topicName,
  type ConsumerHealthSettings,
  type SchemaCodec,
  SERVICE_CONSUMER_RETRY,
} from '@cpm/kafka';
import type { Logger, Metrics } from '@cpm/platform';
import { retryTransient } from '@cpm/postgres';
import { decodeBatch, INPUT_TOPICS, logicalTopic, type Undecodable } from './decode-batch';
import type { ProjectionStore } from './projection-store';

export interface ProjectionConsumerOptions {
  kafka: Kafka;
  codec: SchemaCodec;
  namespace: string;
  store: ProjectionStore;
  maxBytesPerPartition: number;
  logger: Logger;
  metrics: Metrics;
  /** Readiness and lag settings (defaults: DEFAULT_CONSUMER_HEALTH). */
  health?: Partial<ConsumerHealthSettings>;
}

/**
 * The projector's Kafka side. Kafka's committed offsets are never used (autoCommit off):
 * the offsets live in PostgreSQL with the rows, and every assigned partition is sought to
 * them on each assignment. A value that cannot be decoded goes to the topic's DLQ with the
 * reason, and the partition goes on. It is ready once sought after its last join; its lag is
 * counted from the offsets in PostgreSQL.
 */
export class ProjectionConsumer {
  private consumer: Consumer | null = null;
  private producer: IdempotentProducer | null = null;
  /** Readiness (joined, sought, fetching) and the lag gauge. */
  readonly health: ConsumerHealth;

  constructor(private readonly o: ProjectionConsumerOptions) {
    this.health = new ConsumerHealth({
      kafka: o.kafka,
      groupId: topicName(o.namespace, o.store.group),
      namespace: o.namespace,
      topics: INPUT_TOPICS,
      restores: true,
      metrics: o.metrics,
      logger: o.logger,
      committedOffsets: () => this.storedOffsets(),
      ...(o.health && { settings: o.health }),
    });
  }

  async start(): Promise<void> {
    const { kafka, store, namespace } = this.o;
    this.producer = new IdempotentProducer(kafka, this.o.logger, { timeoutMs: 30_000 });
    await this.producer.connect();
    // The Kafka group is namespaced like the topics, so deployments sharing a cluster never share a group.
    const consumer = kafka.consumer({
      groupId: topicName(namespace, store.group),
      maxBytesPerPartition: this.o.maxBytesPerPartition,
      readUncommitted: false,
      retry: SERVICE_CONSUMER_RETRY,
    });
    this.consumer = consumer;
    this.health.watch(consumer);
    await consumer.connect();
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
      this.health.restore(() => this.seekToStored(payload.memberAssignment)),
    );
    await consumer.subscribe({
      topics: INPUT_TOPICS.map((t) => topicName(namespace, t)),
      fromBeginning: true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private async seekToStored(assignment: Record<string, number[]>): Promise<void> {
    // A join can come while PostgreSQL is away: wait for it rather than read from Kafka's offsets.
    const stored = await retryTransient(
      'reading the stored offsets',
      () => this.o.store.storedOffsets(),
      { logger: this.o.logger },
    );
    for (const [fullTopic, partitions] of Object.entries(assignment)) {
      const topic = logicalTopic(this.o.namespace, fullTopic);
      for (const partition of partitions) {
        const offset = stored.get(`${topic}:${partition}`);
        if (offset !== undefined) this.consumer?.seek({ topic: fullTopic, partition, offset });
      }
    }
    this.o.logger.info({ assignment }, 'partitions sought to the offsets stored in PostgreSQL');
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
    const topic = logicalTopic(this.o.namespace, batch.topic);
    const { records, undecodable } = await decodeBatch(
      this.o.codec,
      topic,
      batch.partition,
      batch.messages,
    );
    if (undecodable.length > 0) await this.deadLetter(topic, batch.partition, undecodable);
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    const applied = await this.o.store.apply(topic, batch.partition, records, next);
    resolveOffset(batch.lastOffset());
    this.o.metrics.recordsProcessed.inc({ topic }, applied);
    this.o.metrics.batchDuration.observe({ topic }, Date.now() - started);
    await heartbeat();
  }

  /** The offsets stored in PostgreSQL, as `topic:partition` (full topic name) → next offset. */
  private async storedOffsets(): Promise<Map<string, bigint>> {
    const stored = await this.o.store.storedOffsets();
    return new Map(
      [...stored].map(([key, offset]) => [topicName(this.o.namespace, key), BigInt(offset)]),
    );
  }

  private async deadLetter(topic: string, partition: number, items: Undecodable[]): Promise<void> {
    const dlq = `${topic}.dlq`;
    const messages = await Promise.all(
      items.map(async ({ message, error }) => {
        this.o.metrics.deadLetters.inc({ topic: dlq, code: error.code });
        this.o.logger.warn(
          { topic, partition, offset: message.offset, code: error.code },
          error.message,
        );
        const value = await this.o.codec.encode(
          dlq,
          deadLetter(error, {
            consumer: this.o.store.group,
            topic: topicName(this.o.namespace, topic),
            partition,
            message,
            failedAt: Date.now(),
          }),
        );
        return { key: message.key, value };
      }),
    );
    await this.producer!.send(topicName(this.o.namespace, dlq), messages);
  }

  async stop(): Promise<void> {
    await this.health.stop();
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }
}
