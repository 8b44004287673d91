import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { topicName, type SchemaCodec } from '@cpm/kafka';
import type { LookupAnswer } from './name-lookup';

/**
 * Every look-up answer already in sinch.lookups.v1 (committed records), by look-up id: what
 * a replay uses instead of calling Sinch. Read to the end before the replay starts, so
 * that an answer is known whatever the order of the topics' batches.
 */
export async function readLookupLog(kafka: Kafka, codec: SchemaCodec, namespace: string): Promise<Map<string, LookupAnswer>> {
  const topic = topicName(namespace, 'sinch.lookups.v1');
  const answers = new Map<string, LookupAnswer>();
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `lookups-${randomBytes(6).toString('hex')}`;
  try {
    const pending = new Map(
      (await admin.fetchTopicOffsets(topic)).filter((p) => Number(p.offset) > Number(p.low)).map((p) => [p.partition, Number(p.offset)] as const),
    );
    if (pending.size === 0) return answers;
    const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
    let lastProgress = Date.now();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (!message.value) continue;
          const answer = await codec.decode<LookupAnswer>(message.value);
          if (!answers.has(answer.lookupId)) answers.set(answer.lookupId, answer);
        }
        lastProgress = Date.now();
        const end = pending.get(batch.partition);
        // The end offset may point past a transaction marker, never at a data record.
        if (end !== undefined && Number(batch.lastOffset()) >= end - 2) pending.delete(batch.partition);
      },
    });
    while (pending.size > 0 && Date.now() - lastProgress < 5000) await new Promise((r) => setTimeout(r, 25));
    await consumer.disconnect();
    return answers;
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
