import type { Kafka } from 'kafkajs';
import { AppError } from '@cpm/platform';
import { withAdmin } from './admin';
import { readToEnd, TopicReadError, type TopicBatch } from './read-to-end';
import { RenewableTransactionalProducer } from './renewable-producer';

export class ChangelogRestoreError extends AppError {
  constructor(topic: string, behind: string[], timeoutMs: number) {
    super(
      'CPM_ERR_CHANGELOG_RESTORE',
      `reading the changelog ${topic} to its end made no progress for ${timeoutMs} ms (partition:reached/end ${behind.join(', ')}); ` +
        'processing waits rather than start from partial state: it is retried with the next batch. ' +
        'If it persists, check that the broker is healthy and the changelog partitions have a leader',
      { retriable: true },
    );
  }
}

/**
 * Keys of a changelog that are not state: `\u0000offset:<topic>:<partition>` holds the next
 * input offset committed by the transaction that wrote it (TransactionalProcessor's floor,
 * independent of __consumer_offsets); `\u0000seal` is the tombstone of `sealChangelog`.
 */
export const OFFSET_KEY = '\u0000offset:';
export const SEAL_KEY = '\u0000seal';

/** True for a changelog's bookkeeping keys (input offsets, seals), which hold no state. */
export function isChangelogBookkeeping(key: string): boolean {
  return key.startsWith(OFFSET_KEY) || key === SEAL_KEY;
}

export class ChangelogPartitionsError extends AppError {
  constructor(topic: string, partitions: number, input: string, inputPartitions: number) {
    super(
      'CPM_ERR_CHANGELOG_PARTITIONS',
      `the changelog ${topic} has ${partitions} partitions and the input ${input} ${inputPartitions}: the state of input partition n is kept in ` +
        'changelog partition n. Give the changelog as many partitions as its inputs (kafka-topics.sh --alter --partitions), or recreate both',
      { retriable: false },
    );
  }
}

/** Refuses to start a processor whose changelog has fewer partitions than an input: the state of input partition n goes to changelog partition n. */
export async function assertChangelogPartitions(
  kafka: Kafka,
  changelog: string,
  inputs: string[],
): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [changelog, ...inputs] });
    const count = (name: string): number =>
      topics.find((t) => t.name === name)?.partitions.length ?? 0;
    for (const input of inputs)
      if (count(input) > count(changelog))
        throw new ChangelogPartitionsError(changelog, count(changelog), input, count(input));
  });
}

export class ChangelogSealError extends AppError {
  constructor(topic: string, behind: string[], timeoutMs: number) {
    super(
      'CPM_ERR_CHANGELOG_SEAL',
      `the seal committed to ${topic} did not become readable within ${timeoutMs} ms (partition: last stable offset/seal offset ${behind.join(', ')}); ` +
        'the restore is retried with the next batch. If it persists, a transaction is left open on that partition (a producer that never returned, or markers the broker ' +
        'dropped): list it with `kafka-transactions.sh --bootstrap-server <broker> find-hanging --broker-id <id>` and close it with its `abort` command',
      { retriable: true },
    );
  }
}

/**
 * Closes any transaction of these producer ids left open in a changelog, by committing a
 * tombstone (SEAL_KEY) to the changelog partitions with the freshly renewed producers, and
 * waits until each partition's last stable offset has passed its seal (EndTxn answers
 * once the commit is decided; the markers follow). Call after renewing the producers and
 * before reading the changelog.
 *
 * `producers`: partition number → the producer that alone writes that changelog partition
 * (TransactionalProcessor: one transactional id per partition number); or one producer for
 * every partition of the changelog (a loop with one transactional id per instance, whose
 * open transaction may sit in a partition another instance now owns).
 *
 * Why: a broker restarted after a crash can complete a transaction it had prepared to
 * commit without writing its markers (most likely its coordinator skipping partitions whose
 * leader it does not know yet, TransactionMarkerChannelManager: "likely deleted"). Found by the broker-kill
 * fault test: CompleteCommit in __transaction_state, no marker in any of the transaction's
 * partitions. Its records stay open; a restore reads state and offsets without them, the
 * records are processed again, and the next commit of this producer id to those partitions
 * (a later epoch continues the open transaction, ProducerAppendInfo) makes both copies
 * visible. Committing the seal first makes the open records part of what the restore reads.
 *
 * What it does not close: that transaction's records in output topics stay unreadable to
 * read_committed consumers until this producer id next commits to those partitions (in
 * practice the next batch for that partition; a rarely written one, such as a DLQ, can
 * wait longer). With one transactional id per instance, an instance that never comes back
 * leaves its open records open (Kafka's tooling for hanging transactions, KIP-664, is not in
 * kafkajs); with one per partition number, the partition's next owner continues its
 * producer id.
 */
export async function sealChangelog(
  kafka: Kafka,
  producers: RenewableTransactionalProducer | ReadonlyMap<number, RenewableTransactionalProducer>,
  topic: string,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  await withAdmin(kafka, async (admin) => {
    const sealers =
      producers instanceof RenewableTransactionalProducer
        ? new Map([[producers, (await admin.fetchTopicOffsets(topic)).map((p) => p.partition)]])
        : byProducer(producers);
    const sealed = (
      await Promise.all(
        [...sealers].map(([producer, partitions]) =>
          producer.inTransaction((tx) =>
            tx.sendBatch({
              acks: -1,
              topicMessages: [
                {
                  topic,
                  messages: partitions.map((partition) => ({
                    key: SEAL_KEY,
                    value: null,
                    partition,
                  })),
                },
              ],
            }),
          ),
        ),
      )
    ).flat();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // kafkajs's fetchTopicOffsets asks with read_committed: `offset` is the last stable offset.
      const stable = new Map(
        (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.offset)]),
      );
      const behind = sealed.filter(
        (m) => (stable.get(m.partition) ?? -1n) <= BigInt(m.baseOffset ?? '-1'),
      );
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        throw new ChangelogSealError(
          topic,
          behind.map((m) => `${m.partition}: ${stable.get(m.partition) ?? '?'}/${m.baseOffset}`),
          timeoutMs,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  });
}

function byProducer<P>(producers: ReadonlyMap<number, P>): Map<P, number[]> {
  const out = new Map<P, number[]>();
  for (const [partition, producer] of producers)
    out.set(producer, [...(out.get(producer) ?? []), partition]);
  return out;
}

export interface ReadChangelogOptions {
  /** Give up (ChangelogRestoreError) when no partition comes closer to its end within this time. Default 120 s. */
  timeoutMs?: number;
}

/**
 * Reads a compacted changelog topic (key → JSON state) from the beginning to the end
 * offsets it has when the call starts, committed records only, for the given partitions,
 * with `readToEnd`: done at the offset before each end (a still-open transaction ends the
 * read before its records), an error while reading (a record `onRecord` refuses, a crashed
 * consumer) fails the read at once, and partial state is never returned.
 */
export async function readChangelog(
  kafka: Kafka,
  topic: string,
  partitions: Set<number>,
  onRecord: (key: string, value: string | null) => void,
  options: ReadChangelogOptions = {},
): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  let count = 0;
  const each = (batch: TopicBatch): void => {
    for (const message of batch.messages) {
      if (message.key) {
        onRecord(message.key.toString(), message.value ? message.value.toString() : null);
        count++;
      }
    }
  };
  try {
    await readToEnd(kafka, [topic], each, {
      partitions,
      stallTimeoutMs: timeoutMs,
      maxBytes: 50 * 1024 * 1024,
      groupPrefix: 'restore',
    });
  } catch (error) {
    if (error instanceof TopicReadError && error.stalledMs !== null)
      throw new ChangelogRestoreError(topic, error.behind, timeoutMs);
    throw error;
  }
  return count;
}
