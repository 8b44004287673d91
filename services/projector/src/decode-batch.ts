import type { KafkaMessage } from 'kafkajs';
import type { ConversationEvent } from '@cpm/domain';
import type { SchemaCodec } from '@cpm/kafka';
import { errorCode, isRetriable } from '@cpm/platform';
import { UnprojectableRecordError } from './errors';
import type { MediaOutcome, ProjectedRecord } from './rows';

export const INPUT_TOPICS = ['conversation.events.v1', 'conversation.media.v1'] as const;
export type InputTopic = (typeof INPUT_TOPICS)[number];

export interface Undecodable {
  message: KafkaMessage;
  error: UnprojectableRecordError;
}

/** The catalogue name of a namespaced topic (`t1.conversation.events.v1` → `conversation.events.v1`). */
export function logicalTopic(namespace: string, fullTopic: string): InputTopic {
  const name =
    namespace && fullTopic.startsWith(`${namespace}.`)
      ? fullTopic.slice(namespace.length + 1)
      : fullTopic;
  if (!(INPUT_TOPICS as readonly string[]).includes(name))
    throw new UnprojectableRecordError(`topic ${fullTopic} is not an input of the projector`);
  return name as InputTopic;
}

/** Decodes one fetched batch of an input topic; a value that is not ours is returned aside, with the reason. */
export async function decodeBatch(
  codec: SchemaCodec,
  topic: InputTopic,
  partition: number,
  messages: readonly KafkaMessage[],
): Promise<{ records: ProjectedRecord[]; undecodable: Undecodable[] }> {
  const records: ProjectedRecord[] = [];
  const undecodable: Undecodable[] = [];
  for (const message of messages) {
    const position = { log_topic: topic, log_partition: partition, log_offset: message.offset };
    try {
      if (!message.value) throw new UnprojectableRecordError('record has no value');
      const value = await codec.decode<unknown>(message.value);
      if (topic === 'conversation.events.v1') {
        const event = value as ConversationEvent;
        if (typeof event?.eventId !== 'string' || typeof event.type !== 'string')
          throw new UnprojectableRecordError('value is not a conversation event');
        records.push({ kind: 'event', event, position });
      } else {
        const media = value as MediaOutcome;
        if (typeof media?.attachmentId !== 'string')
          throw new UnprojectableRecordError('value is not a media outcome');
        records.push({ kind: 'media', media, position });
      }
    } catch (error) {
      if (isRetriable(error)) throw error; // the registry or the network: retry the batch, never dead-letter it
      const reason =
        error instanceof UnprojectableRecordError
          ? error
          : new UnprojectableRecordError(`${errorCode(error)}: ${(error as Error).message}`, error);
      undecodable.push({ message, error: reason });
    }
  }
  return { records, undecodable };
}
