import type { Message } from 'kafkajs';

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
