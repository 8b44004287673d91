import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: KafkaMessage['headers'];
}

/**
 * Reads a whole topic from the beginning up to its current end (read_committed), with a
 * throwaway consumer group. For assertions: what is in the log right now.
 */
export async function readTopic(kafka: Kafka, topic: string, options: { timeoutMs?: number; minRecords?: number } = {}): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  try {
    for (;;) {
      // A new group each time: every attempt reads the whole topic from the beginning.
      const groupId = `read-${randomBytes(6).toString('hex')}`;
      const ends = await admin.fetchTopicOffsets(topic);
      const records = await readUpTo(kafka, topic, groupId, ends);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      if (records.length >= (options.minRecords ?? 0) || Date.now() > deadline) return records;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

async function readUpTo(kafka: Kafka, topic: string, groupId: string, ends: { partition: number; offset: string; low: string }[]): Promise<ReadRecord[]> {
  // The last stable offset can sit beyond the last data record (transaction markers), so
  // "done" is: for every partition, we saw a record at >= end-1 or the consumer is idle.
  const pending = new Map(ends.filter((e) => Number(e.offset) > Number(e.low)).map((e) => [e.partition, Number(e.offset)]));
  const records: ReadRecord[] = [];
  if (pending.size === 0) return records;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let lastProgress = Date.now();
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      records.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value, headers: message.headers });
      lastProgress = Date.now();
      const end = pending.get(partition);
      if (end !== undefined && Number(message.offset) >= end - 1) pending.delete(partition);
    },
  });
  while (pending.size > 0 && Date.now() - lastProgress < 1500) await new Promise((r) => setTimeout(r, 50));
  await consumer.disconnect();
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
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
        .map((e) => ({ partition: e.partition, committed: Math.max(at.get(e.partition) ?? -1, Number(e.low)), end: Number(e.offset) }))
        .filter((p) => p.committed < p.end);
      if (behind.length === 0 || Date.now() > deadline) return behind;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}
