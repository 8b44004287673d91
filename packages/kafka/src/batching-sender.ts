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

/**
 * Gathers concurrent `send` calls into one `sendBatch` (acks=all, idempotent producer),
 * and resolves each caller only after the broker acknowledged its record. One batch is in
 * flight at a time; records arriving meanwhile form the next batch. A batch that is not
 * acknowledged within the producer's timeout is failed: the caller answers 503 and Sinch
 * retries. (The record may still reach the log later: that is a duplicate, removed
 * downstream by the event's identity, never a loss. IdempotentProducer makes sure the next
 * batch cannot be mistaken for it.)
 */
export class BatchingSender {
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private closed = false;
  private readonly maxBytes: number;

  constructor(
    private readonly producer: IdempotentProducer,
    private readonly options: BatchingSenderOptions,
  ) {
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
    if (this.inFlight) return; // the batch in flight schedules the next one when done
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
  }

  private async flush(): Promise<void> {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.countToSend());
    for (const p of batch) this.queuedBytes -= p.bytes;
    this.inFlight = this.sendBatch(batch);
    await this.inFlight;
    this.inFlight = null;
    // Records that queued while a batch was in flight have waited longer than the linger already.
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

  private async sendBatch(batch: Pending[]): Promise<void> {
    this.notify(() => this.options.onBatch?.(batch.length));
    const byTopic = new Map<string, TopicMessages>();
    for (const { topic, message } of batch) {
      const entry = byTopic.get(topic) ?? { topic, messages: [] };
      entry.messages.push(message);
      byTopic.set(topic, entry);
    }
    try {
      await this.producer.sendBatch([...byTopic.values()]);
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
    while (this.inFlight || this.queue.length > 0) {
      if (this.inFlight) await this.inFlight;
      else await this.flush();
    }
  }
}
