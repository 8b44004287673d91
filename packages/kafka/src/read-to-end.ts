import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { AppError, isRetriable } from '@cpm/platform';

/**
 * A read to the end that did not get there: the consumer failed (`cause`), or no partition
 * came closer to its end within the stall bound. Nothing read is to be used as complete.
 */
export class TopicReadError extends AppError<'CPM_ERR_TOPIC_READ'> {
  constructor(
    readonly topics: readonly string[],
    /** The partitions not read to their end, as `topic:partition reached/end`. */
    readonly behind: string[],
    readonly stalledMs: number | null,
    cause?: unknown,
  ) {
    super(
      'CPM_ERR_TOPIC_READ',
      stalledMs !== null
        ? `reading ${topics.join(', ')} to its end made no progress for ${stalledMs} ms (${behind.join(', ')}); nothing read is used. ` +
            'If it persists, check that the broker is healthy and the partitions have a leader'
        : `reading ${topics.join(', ')} to its end failed (${behind.join(', ')}): ${(cause as Error)?.message ?? String(cause)}`,
      { retriable: stalledMs !== null || isRetriable(cause), cause },
    );
  }
}

/** Records of one partition, in offset order, within [start, end). */
export interface TopicBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /** Offset after the batch, control records included; at most the end offset. */
  nextOffset: string;
}

export interface ReadToEndOptions {
  /** Only these partitions of each topic (default: all). */
  partitions?: ReadonlySet<number>;
  /** Per `topic:partition`: where to start (default: the earliest offset). */
  startOffsets?: ReadonlyMap<string, string>;
  /**
   * Per `topic:partition`: where to stop, exclusive (default: the end when the call starts;
   * a bound past that end is that end). A log as it was at some earlier point.
   */
  endOffsets?: ReadonlyMap<string, string>;
  /** Fail with TopicReadError when no partition comes closer to its end within this time. Default 60 s. */
  stallTimeoutMs?: number;
  maxBytesPerPartition?: number;
  /** Bytes per fetch, all partitions together (default: kafkajs's). */
  maxBytes?: number;
  /** Partitions whose batches may be handled at once. */
  concurrency?: number;
  /** Called once with the number of offsets to read, before the first batch. */
  onTotal?: (total: number) => void;
  /** Names the throwaway consumer group: `<prefix>-<random>`. */
  groupPrefix?: string;
}

/**
 * Reads topics from the given start offsets (default the earliest) up to the end offsets
 * they have when the call starts (or the given, lower, end offsets), committed records only, and hands each batch to
 * `onBatch`. Returns those end offsets, per `topic:partition` (every partition read, empty
 * ones too). kafkajs has no `assign()`, so a throwaway consumer group that commits nothing
 * is used and deleted afterwards.
 *
 * The end offsets are read with read_committed: the last stable offset, so a transaction
 * still open ends the read before its records rather than holding it up.
 *
 * Progress is counted in offsets, not in time without records: kafkajs reports every
 * fetched batch (END_BATCH_PROCESS), also those left empty by aborted transactions and
 * markers (which never reach `onBatch`), with the last offset it covered; that counts
 * markers and aborted records, so the offset before the end is always reached, and a
 * partition is done there (end - 1). Stopping after some quiet time instead returns
 * partial results whenever joining the group is slow.
 *
 * It never returns part of the records as if they were all: an error thrown by `onBatch`
 * fails the read at once with that error; a crashed consumer, or no partition coming
 * closer to its end within `stallTimeoutMs`, fails it with TopicReadError.
 */
export async function readToEnd(
  kafka: Kafka,
  topics: readonly string[],
  onBatch: (batch: TopicBatch) => Promise<void> | void,
  options: ReadToEndOptions = {},
): Promise<Map<string, string>> {
  const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
  const ends = new Map<string, string>();
  // `topic:partition` → [start, end) still to read, and the last offset reached
  const pending = new Map<string, { start: bigint; end: bigint; reached: bigint }>();
  // Partitions of the topics with nothing to read: sought to their end, so they are not fetched.
  const idle = new Map<string, string>();
  let total = 0;
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        const key = `${topic}:${p.partition}`;
        if (options.partitions && !options.partitions.has(p.partition)) {
          idle.set(key, p.offset);
          continue;
        }
        const bound = BigInt(options.endOffsets?.get(key) ?? p.offset);
        const end = bound < BigInt(p.offset) ? bound : BigInt(p.offset);
        ends.set(key, end.toString());
        const requested = BigInt(options.startOffsets?.get(key) ?? p.low);
        const start = requested > BigInt(p.low) ? requested : BigInt(p.low);
        if (end > start) {
          pending.set(key, { start, end, reached: start - 1n });
          total += Number(end - start);
        } else idle.set(key, p.offset);
      }
    }
  } finally {
    await admin.disconnect();
  }
  options.onTotal?.(total);
  if (pending.size === 0) return ends;

  const groupId = `${options.groupPrefix ?? 'read'}-${randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 4_194_304,
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
  });
  const behind = (): string[] =>
    [...pending].map(([key, p]) => `${key} ${p.reached + 1n}/${p.end}`);
  let failed = false;
  let lastProgress = Date.now();
  let done!: () => void;
  let fail!: (error: unknown) => void;
  const allRead = new Promise<void>((resolve, reject) => {
    done = resolve;
    fail = (error) => {
      failed = true;
      reject(error);
    };
  });
  allRead.catch(() => undefined); // awaited below; never an unhandled rejection
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
      for (const partition of partitions) {
        const key = `${topic}:${partition}`;
        const p = pending.get(key);
        if (p && options.startOffsets?.has(key))
          consumer.seek({ topic, partition, offset: p.start.toString() });
        else if (!p && idle.has(key)) consumer.seek({ topic, partition, offset: idle.get(key)! });
      }
    }
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const key = `${payload.topic}:${payload.partition}`;
    const p = pending.get(key);
    if (!p || failed) return;
    const reached = BigInt(payload.lastOffset);
    if (reached > p.reached) {
      p.reached = reached;
      lastProgress = Date.now();
    }
    if (p.reached >= p.end - 1n) pending.delete(key);
    if (pending.size === 0) done();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) =>
    fail(new TopicReadError(topics, behind(), null, payload.error)),
  );
  const watchdog = setInterval(
    () => {
      if (Date.now() - lastProgress > stallTimeoutMs)
        fail(new TopicReadError(topics, behind(), stallTimeoutMs));
    },
    Math.max(1, Math.min(stallTimeoutMs, 250)),
  );
  const started = (async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: options.concurrency ?? 1,
      eachBatch: async ({ batch, heartbeat }) => {
        const p = pending.get(`${batch.topic}:${batch.partition}`);
        if (!p || failed) return;
        const messages = batch.messages.filter(
          (m) => BigInt(m.offset) >= p.start && BigInt(m.offset) < p.end,
        );
        const last = BigInt(batch.lastOffset()) + 1n;
        const nextOffset = (last < p.end ? last : p.end).toString();
        try {
          if (messages.length > 0)
            await onBatch({ topic: batch.topic, partition: batch.partition, messages, nextOffset });
        } catch (error) {
          fail(error);
          return;
        }
        lastProgress = Date.now();
        await heartbeat();
      },
    });
  })();
  started.catch((error: unknown) => fail(new TopicReadError(topics, behind(), null, error)));
  try {
    await allRead;
    return ends;
  } finally {
    clearInterval(watchdog);
    await started.catch(() => undefined);
    await consumer.disconnect();
    const cleanup = kafka.admin();
    await cleanup
      .connect()
      .then(() => cleanup.deleteGroups([groupId]).catch(() => undefined))
      .finally(() => cleanup.disconnect())
      .catch(() => undefined);
  }
}
