import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface LogBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /** Offset after the batch, control records included. */
  nextOffset: string;
}

export interface ReadLogOptions {
  /** Per `topic:partition`: where to start (default: the beginning). */
  startOffsets?: Map<string, string>;
  maxBytesPerPartition?: number;
  /** Partitions whose batches may be handled at once. */
  concurrency?: number;
  /** Called once with the number of records to read, before the first batch. */
  onTotal?: (total: number) => void;
}

/**
 * Reads topics from the beginning (or given offsets) up to their end as it is when the
 * read starts (read_committed), with a throwaway consumer group that commits nothing.
 * Returns the end offsets it read up to, per `fullTopic:partition`.
 */
export async function readLog(
  kafka: Kafka,
  topics: readonly string[],
  onBatch: (batch: LogBatch) => Promise<void>,
  options: ReadLogOptions = {},
): Promise<Map<string, string>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, string>();
  const pending = new Map<string, bigint>();
  let total = 0;
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        const key = `${topic}:${p.partition}`;
        ends.set(key, p.offset);
        const start = BigInt(options.startOffsets?.get(key) ?? p.low);
        const from = start > BigInt(p.low) ? start : BigInt(p.low);
        if (BigInt(p.offset) > from) {
          pending.set(key, BigInt(p.offset));
          total += Number(BigInt(p.offset) - from);
        }
      }
    }
  } finally {
    await admin.disconnect();
  }
  options.onTotal?.(total);
  if (pending.size === 0) return ends;
  const groupId = `replay-${randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100, maxBytesPerPartition: options.maxBytesPerPartition ?? 4_194_304 });
  await consumer.connect();
  let failure: Error | null = null;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
      for (const partition of partitions) {
        const offset = options.startOffsets?.get(`${topic}:${partition}`);
        if (offset !== undefined) consumer.seek({ topic, partition, offset });
      }
    }
  });
  // Batches of control records only (transaction markers) never reach eachBatch, but they
  // do end a batch: this is where a partition is known to be read to its end.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const key = `${payload.topic}:${payload.partition}`;
    const end = pending.get(key);
    if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) {
      pending.delete(key);
      if (pending.size === 0) finish();
    }
  });
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: options.concurrency ?? 1,
      eachBatch: async ({ batch, heartbeat }) => {
        const key = `${batch.topic}:${batch.partition}`;
        const end = pending.get(key);
        if (end === undefined || failure) return;
        const start = options.startOffsets?.get(key);
        const messages = batch.messages.filter((m) => BigInt(m.offset) < end && (start === undefined || BigInt(m.offset) >= BigInt(start)));
        const last = BigInt(batch.lastOffset()) + 1n;
        const nextOffset = (last < end ? last : end).toString();
        try {
          if (messages.length > 0) await onBatch({ topic: batch.topic, partition: batch.partition, messages, nextOffset });
        } catch (error) {
          failure = error as Error;
          finish();
          return;
        }
        await heartbeat();
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
    const cleanup = kafka.admin();
    await cleanup
      .connect()
      .then(() => cleanup.deleteGroups([groupId]).catch(() => undefined))
      .finally(() => cleanup.disconnect());
  }
  if (failure) throw failure;
  return ends;
}
