import { Kafka, logLevel, type LogEntry, type KafkaConfig } from 'kafkajs';
import type { Logger } from '@cpm/platform';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go to our pino logger. */
export function createKafka(
  brokers: string,
  clientId: string,
  logger: Logger,
  extra: Partial<KafkaConfig> = {},
): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  return new Kafka({
    clientId,
    brokers: brokers.split(',').map((b) => b.trim()),
    connectionTimeout: 3000,
    requestTimeout: 30000,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...rest } = log;
        // The broker answers CONCURRENT_TRANSACTIONS while it completes the previous commit;
        // kafkajs retries it by itself, so it is not an error worth an operator's attention.
        const retriedByKafkajs = `${String(rest.error ?? '')} ${message}`.includes(
          'another concurrent operation on the same transaction',
        );
        // Said for every idempotent producer with a retry limit; IdempotentProducer replaces a
        // producer whose retries ran out, which is what keeps the guarantee.
        const limitedRetries = message.startsWith('Limiting retries for the idempotent producer');
        logger[retriedByKafkajs || limitedRetries ? 'debug' : (levels[level] ?? 'info')](
          { kafkajs: namespace, ...rest },
          message,
        );
      },
    ...extra,
  });
}
