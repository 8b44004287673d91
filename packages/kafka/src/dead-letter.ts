import type { KafkaMessage } from 'kafkajs';
import { errorCode } from '@cpm/platform';

/**
 * The value of a record on a `.dlq` topic (schemas/dead-letter.v1.avsc): why it failed, which
 * consumer gave up on it, and the source record exactly as it was, so that it can be found
 * in its topic and replayed once the cause is fixed.
 */
export interface DeadLetter {
  errorCode: string;
  errorMessage: string;
  consumer: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  sourceKey: Buffer | null;
  sourceValue: Buffer | null;
  failedAt: number;
}

/** The DLQ value for `message` of `source.topic` (the full topic name), which failed with `error`. */
export function deadLetter(
  error: unknown,
  source: { consumer: string; topic: string; partition: number; message: Pick<KafkaMessage, 'offset' | 'key' | 'value'>; failedAt: number },
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
