import type { Kafka, Producer } from 'kafkajs';

/**
 * The idempotent producer every service uses for logs of record: acks=all (set per send),
 * idempotence on, so a retried request never writes a record twice or out of order.
 */
export function createIdempotentProducer(kafka: Kafka, options: { transactionalId?: string } = {}): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    transactionalId: options.transactionalId,
    allowAutoTopicCreation: false,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
  });
}
