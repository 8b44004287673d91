import type { Message, TopicMessages } from 'kafkajs';
import { MAX_PRODUCE_REQUEST_BYTES, messageBytes } from './produce-requests';
import { KafkaUnavailableError, type IdempotentProducer } from './idempotent-producer';

export interface OutgoingRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

interface Pending {
  topic: string;
  message: Message;
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface BatchingSenderOptions {
  /** Wait this long for more records before sending (kafkajs has no linger.ms). */
  lingerMs: number;
  /** Send at once when this many records are waiting. */
  maxRecords: number;
  /**
   * At most this many bytes (keys, values, headers) per send; a larger single record goes
   * alone. Keeps each partition's record batch under the broker's message.max.bytes (1 MiB
   * by default), which would refuse the whole batch (MESSAGE_TOO_LARGE). Default 512 KiB.
   */
  maxBytes?: number;
  onBatch?: (size: number) => void;
  onError?: (error: Error) => void;
}

/** What the sender needs of a producer (IdempotentProducer). */
export type BatchProducer = Pick<IdempotentProducer, 'sendBatch'>;

/**
 * Gathers concurrent `send` calls into one `sendBatch` (acks=all, idempotent producer),
 * and resolves each caller only after the broker acknowledged its record. Each producer
 * has at most one batch in flight (kafkajs numbers an idempotent producer's batches when it
 * sends them and cannot have two outstanding); with several producers, a batch goes out
 * while the one before is still waiting for its acknowledgement, instead of queueing behind
 * it. Records arriving while every producer is busy form the next batch.
 *
 * Order: records of one producer keep their order; across producers, a record acknowledged
 * before another was sent is before it in its partition (a batch is only sent after the
 * `send` calls in it were made). Records sent concurrently had no order to keep: their
 * HTTP requests were in flight at the same time.
 *
 * A batch that is not acknowledged within the producer's timeout is failed: the caller
 * answers 503 and Sinch retries. (The record may still reach the log later: that is a
 * duplicate, removed downstream by the event's identity, never a loss. IdempotentProducer
 * makes sure the next batch cannot be mistaken for it.)
 */
export class BatchingSender {
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Producers with no batch in flight. */
  private readonly idle: BatchProducer[];
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private readonly maxBytes: number;

  constructor(
    producers: BatchProducer | readonly BatchProducer[],
    private readonly options: BatchingSenderOptions,
  ) {
    this.idle = Array.isArray(producers) ? [...producers] : [producers as BatchProducer];
    if (this.idle.length === 0) throw new Error('BatchingSender needs at least one producer');
    this.maxBytes = options.maxBytes ?? MAX_PRODUCE_REQUEST_BYTES;
  }

  send(record: OutgoingRecord): Promise<void> {
    if (this.closed)
      return Promise.reject(new KafkaUnavailableError('the sender is shutting down'));
    return new Promise<void>((resolve, reject) => {
      const message: Message = { key: record.key, value: record.value, headers: record.headers };
      const bytes = messageBytes(message);
      this.queue.push({ topic: record.topic, message, bytes, resolve, reject });
      this.queuedBytes += bytes;
      if (this.queue.length >= this.options.maxRecords || this.queuedBytes >= this.maxBytes)
        this.flushSoon(0);
      else this.flushSoon(this.options.lingerMs);
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  private flushSoon(delay: number): void {
    if (this.idle.length === 0) return; // a batch in flight schedules the next one when done
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
  }

  private async flush(): Promise<void> {
    if (this.idle.length === 0 || this.queue.length === 0) return;
    const producer = this.idle.shift()!;
    const batch = this.queue.splice(0, this.countToSend());
    for (const p of batch) this.queuedBytes -= p.bytes;
    // More than one batch's worth queued, and another producer free: it goes out now too.
    if (this.queue.length > 0) this.flushSoon(0);
    const sending = this.sendBatch(producer, batch);
    this.inFlight.add(sending);
    await sending;
    this.inFlight.delete(sending);
    this.idle.push(producer);
    // Records that queued while every producer was busy have waited longer than the linger already.
    if (this.queue.length > 0) this.flushSoon(0);
  }

  /** How many queued records the next send takes: up to maxRecords and maxBytes, at least one. */
  private countToSend(): number {
    let bytes = 0;
    let n = 0;
    for (const p of this.queue) {
      if (n === this.options.maxRecords || (n > 0 && bytes + p.bytes > this.maxBytes)) break;
      bytes += p.bytes;
      n++;
    }
    return n;
  }

  /** An observer that throws must not leave callers waiting for an answer. */
  private notify(callback: (() => void) | undefined): void {
    try {
      callback?.();
    } catch {
      // metrics and logging only
    }
  }

  private async sendBatch(producer: BatchProducer, batch: Pending[]): Promise<void> {
    this.notify(() => this.options.onBatch?.(batch.length));
    const byTopic = new Map<string, TopicMessages>();
    for (const { topic, message } of batch) {
      const entry = byTopic.get(topic) ?? { topic, messages: [] };
      entry.messages.push(message);
      byTopic.set(topic, entry);
    }
    try {
      await producer.sendBatch([...byTopic.values()]);
      for (const p of batch) p.resolve();
    } catch (error) {
      const failure =
        error instanceof KafkaUnavailableError
          ? error
          : new KafkaUnavailableError(
              `Kafka refused the batch: ${(error as Error).message}`,
              error,
            );
      this.notify(() => this.options.onError?.(failure));
      for (const p of batch) p.reject(failure);
    }
  }

  /** Sends what is queued and waits for it; later `send` calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.inFlight.size > 0 || this.queue.length > 0) {
      if (this.queue.length > 0 && this.idle.length > 0) await this.flush();
      else await Promise.race(this.inFlight);
    }
  }
}
