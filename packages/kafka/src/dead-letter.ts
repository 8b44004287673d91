import type { KafkaMessage } from 'kafkajs';
import type { DeadLetter } from '@cpm/contracts';
import { errorCode } from '@cpm/platform';

/** The DLQ value for `message` of `source.topic` (the full topic name), which failed with `error`. */
export function deadLetter(
  error: unknown,
  source: {
    consumer: string;
    topic: string;
    partition: number;
    message: Pick<KafkaMessage, 'offset' | 'key' | 'value'>;
    failedAt: number;
  },
): DeadLetter {
  return {
    errorCode: errorCode(error),
    errorMessage: (error as Error).message,
    consumer: source.consumer,
    sourceTopic: source.topic,
    sourcePartition: source.partition,
    sourceOffset: source.message.offset,
    sourceKey: source.message.key ?? null,
    sourceValue: source.message.value ?? null,
    failedAt: source.failedAt,
  };
}
