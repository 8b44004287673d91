import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/**
 * Reads a compacted changelog topic (key → JSON state) from the beginning to its current
 * end, committed records only, for the given partitions. kafkajs has no `assign()`, so a
 * throwaway consumer group is used and deleted afterwards.
 */
export async function readChangelog(
  kafka: Kafka,
  topic: string,
  partitions: Set<number>,
  onRecord: (key: string, value: string | null) => void,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `restore-${randomBytes(6).toString('hex')}`;
  try {
    const ends = (await admin.fetchTopicOffsets(topic)).filter((p) => partitions.has(p.partition) && Number(p.offset) > Number(p.low));
    if (ends.length === 0) return 0;
    const pending = new Map(ends.map((e) => [e.partition, Number(e.offset)]));
    const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100, maxBytes: 50 * 1024 * 1024 });
    let count = 0;
    let lastProgress = Date.now();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        if (!partitions.has(batch.partition)) return;
        for (const message of batch.messages) {
          if (message.key) {
            onRecord(message.key.toString(), message.value ? message.value.toString() : null);
            count++;
          }
        }
        lastProgress = Date.now();
        const end = pending.get(batch.partition);
        // The end offset may point past a transaction marker, never at a data record.
        if (end !== undefined && Number(batch.lastOffset()) >= end - 2) pending.delete(batch.partition);
      },
    });
    while (pending.size > 0 && Date.now() - lastProgress < 2000) await new Promise((r) => setTimeout(r, 25));
    await consumer.disconnect();
    return count;
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
