import type { Kafka, KafkaMessage } from 'kafkajs';
import { readToEnd } from '@cpm/kafka';
import { isRetriable } from '@cpm/platform';

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: KafkaMessage['headers'];
  /** The Kafka timestamp, epoch ms as text (LogAppendTime or CreateTime, as the topic says). */
  timestamp: string;
}

/**
 * Reads a whole topic from the beginning up to its current end (read_committed), with
 * `readToEnd`. For assertions: what is in the log right now. With `minRecords`, reads again
 * from the beginning until there are that many or `timeoutMs` has passed.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  options: { timeoutMs?: number; minRecords?: number } = {},
): Promise<ReadRecord[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const records: ReadRecord[] = [];
    const read = readToEnd(
      kafka,
      [topic],
      (batch) => {
        for (const m of batch.messages)
          records.push({
            partition: batch.partition,
            offset: m.offset,
            key: m.key?.toString() ?? null,
            value: m.value,
            headers: m.headers,
            timestamp: m.timestamp,
          });
      },
      { stallTimeoutMs: Math.max(deadline - Date.now(), 5_000) },
    );
    // A broker that has just restarted answers "coordinator loading" and the like for a
    // while: a retriable failure is read again from the start until the deadline.
    const failed = await read.then(
      () => null,
      (error: unknown) => error,
    );
    if (failed) {
      if (!isRetriable(failed) || Date.now() > deadline) throw failed;
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
    if (records.length >= (options.minRecords ?? 0) || Date.now() > deadline) return records;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Waits until a consumer group has committed every partition of `topic` up to its current
 * end: everything in the topic now has been processed. Returns the partitions still behind
 * (empty when caught up) once the group is caught up or `timeoutMs` has passed.
 *
 * For topics written without transactions (no markers), where a caught-up group's
 * committed offset equals the end offset. A count of output records is no substitute when
 * inputs can be more than expected (a request answered 503 may still have reached the log).
 */
export async function waitForGroup(
  kafka: Kafka,
  groupId: string,
  topic: string,
  timeoutMs = 60_000,
): Promise<{ partition: number; committed: number; end: number }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      const behind = ends
        .map((e) => ({
          partition: e.partition,
          committed: Math.max(at.get(e.partition) ?? -1, Number(e.low)),
          end: Number(e.offset),
        }))
        .filter((p) => p.committed < p.end);
      if (behind.length === 0 || Date.now() > deadline) return behind;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}
