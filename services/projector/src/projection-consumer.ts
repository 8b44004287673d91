import type { Kafka, KafkaMessage } from 'kafkajs';
import {
  ConsumerHealth,
  deadLetter,
  IdempotentProducer,
  topicName,
  type ConsumerHealthSettings,
  type SchemaCodec,
} from '@cpm/kafka';
import type { Logger, Metrics } from '@cpm/platform';
import { decodeBatch, INPUT_TOPICS, logicalTopic, type Undecodable } from './decode-batch';
import type { ProjectionStore } from './projection-store';
import { StoredOffsetConsumer } from './stored-offset-consumer';

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
 * The projector's Kafka side, on StoredOffsetConsumer (offsets in PostgreSQL with the rows,
 * every assigned partition sought to them on each assignment). A value that cannot be decoded goes to the topic's DLQ with the
 * reason, and the partition goes on. It is ready once sought after its last join; its lag is
 * counted from the offsets in PostgreSQL.
 */
export class ProjectionConsumer {
  private readonly reader: StoredOffsetConsumer;
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
    this.reader = new StoredOffsetConsumer({
      kafka: o.kafka,
      namespace: o.namespace,
      group: o.store.group,
      topics: INPUT_TOPICS,
      maxBytesPerPartition: o.maxBytesPerPartition,
      storedOffsets: () => o.store.storedOffsets(),
      apply: (topic, partition, messages, next) => this.apply(topic, partition, messages, next),
      health: this.health,
      logger: o.logger,
      metrics: o.metrics,
    });
  }

  async start(): Promise<void> {
    this.producer = new IdempotentProducer(this.o.kafka, this.o.logger, { timeoutMs: 30_000 });
    await this.producer.connect();
    await this.reader.start();
  }

  /** One batch: decoded rows into PostgreSQL with the offset; what cannot be decoded to the DLQ first. */
  private async apply(
    name: string,
    partition: number,
    messages: KafkaMessage[],
    next: string,
  ): Promise<number> {
    const topic = logicalTopic('', name);
    const { records, undecodable } = await decodeBatch(this.o.codec, topic, partition, messages);
    if (undecodable.length > 0) await this.deadLetter(topic, partition, undecodable);
    return this.o.store.apply(topic, partition, records, next);
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
    await this.reader.stop();
    await this.producer?.disconnect();
  }
}
