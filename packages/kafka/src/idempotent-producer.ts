import {
  Partitioners,
  type Kafka,
  type Producer,
  type RecordMetadata,
  type TopicMessages,
} from 'kafkajs';
import { AppError, type Logger } from '@cpm/platform';

export class KafkaUnavailableError extends AppError<'CPM_ERR_KAFKA_UNAVAILABLE'> {
  constructor(message: string, cause?: unknown) {
    super('CPM_ERR_KAFKA_UNAVAILABLE', `${message}; the request was not stored: retry later`, {
      cause,
    });
  }
}

export interface IdempotentProducerOptions {
  /** A send not acknowledged within this time fails with KafkaUnavailableError. */
  timeoutMs: number;
  /** Called each time the producer is dropped after a failed send. */
  onRenewal?: () => void;
}

/**
 * An idempotent producer (acks=all) that never reuses a sequence number after a failed send.
 *
 * Why not a plain kafkajs idempotent producer: kafkajs 2.2.4 (src/producer/sendMessages.js)
 * rolls a partition's sequence number back when a produce request fails, also when the
 * broker wrote the batch and only its answer was lost (the connection broke, the broker was
 * killed). The next batch, with other records, then goes out under the same sequence
 * numbers; when it has as many records for the partition, the broker takes it for a retry of
 * the written batch, answers success with that batch's offset and drops it: an acknowledged
 * record that is not in the log (idempotent-producer.int.test.ts reproduces it with kafkajs
 * alone). The Java client bumps the producer epoch in that case; the equivalent here is to drop
 * the producer after a failed or timed-out send, so that the next send gets a new producer
 * id and its sequences cannot collide. Sends go one at a time: a send waiting on kafkajs's
 * broker lock would otherwise pick up the rolled-back sequence as well.
 */
export class IdempotentProducer {
  private current: Promise<Producer> | null = null;
  private readonly retired = new Map<Promise<Producer>, Promise<unknown>>();
  /** Per producer: the `topic:partition`s its partitioner chose for the send under way. */
  private readonly placements = new WeakMap<Producer, Set<string>>();
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private renewalCount = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: Logger,
    private readonly options: IdempotentProducerOptions,
  ) {}

  /** Connects the first producer (start-up fails fast when Kafka is away). */
  async connect(): Promise<void> {
    await this.producer();
  }

  /** How many times a producer was dropped after a failed send. */
  get renewals(): number {
    return this.renewalCount;
  }

  /** Sends the records with acks=all; resolves once the broker acknowledged all of them. */
  sendBatch(topicMessages: TopicMessages[]): Promise<RecordMetadata[]> {
    const run = this.tail.then(() => this.attempt(topicMessages));
    this.tail = run.catch(() => undefined);
    return run;
  }

  send(topic: string, messages: TopicMessages['messages']): Promise<RecordMetadata[]> {
    return this.sendBatch([{ topic, messages }]);
  }

  /** Waits for the sends under way, then disconnects, dropped producers too; later sends fail. */
  async disconnect(): Promise<void> {
    this.closed = true;
    await this.tail;
    const current = this.current;
    this.current = null;
    // Dropped producers are closed below even if this one fails to disconnect cleanly.
    let closeError: unknown = null;
    if (current)
      await (
        await current.catch(() => null)
      )
        ?.disconnect()
        .catch((error: unknown) => (closeError = error));
    // A dropped producer may still wait for an answer (kafkajs's disconnect waits for
    // requests in flight): give those a few seconds, not the whole request timeout.
    const dropped = [...this.retired].map(async ([connecting, work]) => {
      await (await connecting.catch(() => null))?.disconnect().catch(() => undefined);
      await work.catch(() => undefined);
    });
    await Promise.race([Promise.all(dropped), new Promise((r) => setTimeout(r, 5_000).unref())]);
    if (closeError) throw closeError;
  }

  private producer(): Promise<Producer> {
    if (!this.current) {
      const placed = new Set<string>();
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
        // kafkajs's default partitioner, recording where each record goes (see assertCovered).
        createPartitioner: () => {
          const choose = Partitioners.DefaultPartitioner();
          return (args) => {
            const partition = choose(args);
            placed.add(`${args.topic}:${partition}`);
            return partition;
          };
        },
      });
      this.placements.set(producer, placed);
      const connecting = producer.connect().then(() => producer);
      this.current = connecting;
      // A producer that could not connect sent nothing: forget it, the next send tries anew.
      connecting.catch(() => {
        if (this.current === connecting) this.current = null;
        producer.disconnect().catch(() => undefined);
      });
    }
    return this.current;
  }

  private async attempt(topicMessages: TopicMessages[]): Promise<RecordMetadata[]> {
    if (this.closed) throw new KafkaUnavailableError('the producer is shutting down');
    const connecting = this.producer();
    let sent = false;
    let abandoned = false;
    const work = connecting.then(async (producer) => {
      // Timed out while connecting: the caller was told it failed and the next send may be
      // under way on this producer; sending now would run two sends at once.
      if (abandoned)
        throw new KafkaUnavailableError('the send was abandoned before it started: not sent');
      sent = true;
      const placed = this.placements.get(producer) ?? new Set<string>();
      placed.clear(); // sends on one producer go one at a time
      const acknowledged = await producer.sendBatch({ acks: -1, topicMessages });
      assertCovered(topicMessages, acknowledged, placed);
      return acknowledged;
    });
    // However late a started send fails (also after the timeout), this producer is not used again.
    work.catch((error: Error) => {
      if (sent) this.retire(connecting, work, error);
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new KafkaUnavailableError(
                  `Kafka did not acknowledge within ${this.options.timeoutMs} ms`,
                ),
              ),
            this.options.timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      abandoned = true;
      if (sent) this.retire(connecting, work, error as Error);
      throw error instanceof KafkaUnavailableError
        ? error
        : new KafkaUnavailableError(`Kafka refused the batch: ${(error as Error).message}`, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Drops a producer whose send failed or timed out. Its own retries may still write that
   * batch (a duplicate of records whose senders were told they failed, which downstream
   * de-duplication removes); it is disconnected once that call has settled.
   */
  private retire(connecting: Promise<Producer>, work: Promise<unknown>, cause: Error): void {
    if (this.current !== connecting) return;
    this.current = null;
    this.retired.set(connecting, work);
    this.renewalCount++;
    this.options.onRenewal?.();
    this.logger.warn(
      { err: cause.message },
      'a send failed: the next one uses a new idempotent producer (new producer id)',
    );
    void work
      .catch(() => undefined)
      .then(() => connecting)
      .then((producer) => producer.disconnect())
      .catch(() => undefined)
      .finally(() => this.retired.delete(connecting));
  }
}

/**
 * Every topic sent (and every partition named explicitly) has an answer. kafkajs 2.2.4
 * keeps answers per broker object across its retries: when a partition's leader moved to a
 * broker that had already answered for other partitions, the retry skips that partition and
 * sendBatch resolves without it (tulios/kafkajs#1303; not reproducible on one broker). Such
 * an acknowledgement is treated as a failure: the caller retries (a duplicate at worst,
 * removed downstream), never a 2xx for a record that may not be in the log. The partitions
 * kafkajs chose for keyed records come from the producer's partitioner (`placed`: every
 * partition it chose in any attempt of this send, so a retry placing a record elsewhere
 * fails safe).
 */
export function assertCovered(
  sent: TopicMessages[],
  acknowledged: RecordMetadata[],
  placed: ReadonlySet<string> = new Set(),
): void {
  const answered = new Set(acknowledged.map((m) => `${m.topicName}:${m.partition}`));
  const answeredTopics = new Set(acknowledged.map((m) => m.topicName));
  const missing = (what: string): never => {
    throw new KafkaUnavailableError(
      `kafkajs acknowledged the batch without an answer for ${what} (kafkajs#1303, a leader moved)`,
    );
  };
  for (const { topic, messages } of sent) {
    if (messages.length === 0) continue;
    if (!answeredTopics.has(topic)) missing(`topic ${topic}`);
    for (const m of messages)
      if (m.partition !== undefined && !answered.has(`${topic}:${m.partition}`))
        missing(`${topic}:${m.partition}`);
  }
  for (const partition of placed) if (!answered.has(partition)) missing(partition);
}
