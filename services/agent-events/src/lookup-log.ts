import type { Kafka } from 'kafkajs';
import { readToEnd, topicName, type ReadToEndOptions, type SchemaCodec } from '@cpm/kafka';
import type { LookupAnswer } from '@cpm/contracts';

/**
 * Every look-up answer already in sinch.lookups.v1 (committed records), by look-up id: what
 * a replay uses instead of calling Sinch. Read to the end before the replay starts, so
 * that an answer is known whatever the order of the topics' batches; a read that cannot
 * reach the end fails (TopicReadError) rather than start the replay with answers missing.
 * `options` narrows the read (some partitions, up to some offsets: the log at a point).
 */
export async function readLookupLog(
  kafka: Kafka,
  codec: SchemaCodec,
  namespace: string,
  options: Pick<ReadToEndOptions, 'partitions' | 'endOffsets'> = {},
): Promise<Map<string, LookupAnswer>> {
  const answers = new Map<string, LookupAnswer>();
  await readToEnd(
    kafka,
    [topicName(namespace, 'sinch.lookups.v1')],
    async (batch) => {
      for (const message of batch.messages) {
        if (!message.value) continue;
        const answer = await codec.decode<LookupAnswer>(message.value);
        if (!answers.has(answer.lookupId)) answers.set(answer.lookupId, answer);
      }
    },
    { ...options, groupPrefix: 'lookups' },
  );
  return answers;
}
