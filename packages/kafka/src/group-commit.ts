import type { Message } from 'kafkajs';
import type { RenewableTransactionalProducer } from './renewable-producer';

/**
 * Records per produce request. kafkajs sends each partition's records of a request as one
 * record batch, and the broker refuses a batch over message.max.bytes (1 MiB by default):
 * a full input fetch (1 MiB) can make more output than that, so a transaction's records go
 * in requests of at most this many bytes (found by bench/e2e at 1,500 messages/s, where the
 * refused batch was retried for ever).
 */
export const MAX_PRODUCE_REQUEST_BYTES = 512 * 1024;

/** About how many bytes a record takes in a produce request: key, value, headers and ~70 bytes of framing. */
export function messageBytes(m: Message): number {
  const length = (v: unknown): number =>
    typeof v === 'string' || Buffer.isBuffer(v) ? Buffer.byteLength(v) : 0;
  let bytes = 70 + length(m.key) + length(m.value);
  for (const [k, v] of Object.entries(m.headers ?? {})) bytes += length(k) + length(v);
  return bytes;
}

/** Splits records into produce requests of at most MAX_PRODUCE_REQUEST_BYTES (a larger single record goes alone). */
export function chunks(
  byTopic: Map<string, Message[]>,
  limit = MAX_PRODUCE_REQUEST_BYTES,
): { topic: string; messages: Message[] }[][] {
  const requests: { topic: string; messages: Message[] }[][] = [];
  let current = new Map<string, Message[]>();
  let bytes = 0;
  const flush = (): void => {
    if (current.size > 0)
      requests.push([...current].map(([topic, messages]) => ({ topic, messages })));
    current = new Map();
    bytes = 0;
  };
  for (const [topic, messages] of byTopic) {
    for (const m of messages) {
      const size = messageBytes(m);
      if (bytes > 0 && bytes + size > limit) flush();
      const list = current.get(topic) ?? [];
      list.push(m);
      current.set(topic, list);
      bytes += size;
    }
  }
  flush();
  return requests;
}

/** What one processed partition batch asks to commit: its records and its next offset. */
export interface BatchCommit {
  /** Full topic name → records (outputs and changelog). */
  records: Map<string, Message[]>;
  topic: string;
  partition: number;
  /** Offset after the batch's last record. */
  nextOffset: string;
}

interface Waiting extends BatchCommit {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Group commit: batches of several partitions that finish while a transaction is under way
 * are committed together in the next one (one transaction: their records, their offsets).
 * A transaction costs about five broker round trips whatever it holds, so one per fetched
 * partition batch, one after the other, put every partition behind the others' commits.
 *
 * One committer per consumer: after a failed transaction it refuses everything else (the
 * consumer is replaced and resumes from the committed offsets and changelog), so no batch
 * of a crashed consumer commits after its successor has restored the state.
 */
export class GroupCommitter {
  private queue: Waiting[] = [];
  private draining: Promise<void> | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly producer: RenewableTransactionalProducer,
    private readonly consumerGroupId: string,
    private readonly onCommitted: (batches: number) => void = () => undefined,
  ) {}

  /** Resolves once the batch is committed; rejects if its transaction failed or an earlier one did. */
  commit(batch: BatchCommit): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...batch, resolve, reject });
      // setImmediate: batches handed over together by kafkajs finish in the same turn and share the first transaction.
      this.draining ??= new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
    });
  }

  /** Stop committing (the processor is failing over); waits for the transaction under way. */
  async close(reason: Error): Promise<void> {
    this.failure ??= reason;
    await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0);
        if (this.failure) {
          for (const w of group) w.reject(this.failure);
          continue;
        }
        try {
          await this.transaction(group);
        } catch (error) {
          this.failure = error as Error; // the producer is renewed before its next transaction
          for (const w of group) w.reject(this.failure);
          continue;
        }
        this.onCommitted(group.length);
        for (const w of group) w.resolve();
      }
    } finally {
      this.draining = null;
    }
  }

  private async transaction(group: Waiting[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const w of group)
      for (const [topic, messages] of w.records)
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), ...messages]);
    const offsets = new Map<string, { partition: number; offset: string }[]>();
    for (const w of group)
      offsets.set(w.topic, [
        ...(offsets.get(w.topic) ?? []),
        { partition: w.partition, offset: w.nextOffset },
      ]);
    await this.producer.inTransaction(async (tx) => {
      for (const topicMessages of chunks(byTopic)) await tx.sendBatch({ acks: -1, topicMessages });
      await tx.sendOffsets({
        consumerGroupId: this.consumerGroupId,
        topics: [...offsets].map(([topic, partitions]) => ({ topic, partitions })),
      });
    });
  }
}
