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
    message: Pick<KafkaMessage, 'offset' | 'key' | 'value'> &
      Partial<Pick<KafkaMessage, 'headers'>>;
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
    sourceHeaders: headersOf(source.message.headers),
  };
}

/** Kafka record headers as the DLQ keeps them: each name with its values as bytes, in order. */
function headersOf(headers: KafkaMessage['headers']): Record<string, Buffer[]> | null {
  const entries = Object.entries(headers ?? {}).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return null;
  return Object.fromEntries(
    entries.map(([name, v]) => [
      name,
      (Array.isArray(v) ? v : [v!]).map((x) => (Buffer.isBuffer(x) ? x : Buffer.from(x))),
    ]),
  );
}
