import type { Message } from 'kafkajs';
import { chunks } from './produce-requests';

const record = (bytes: number, n: number): Message => ({
  key: `k${n}`,
  value: Buffer.alloc(bytes),
});

describe('chunks (produce requests under the broker limit)', () => {
  it('keeps every record, in order per topic, with no request over the limit unless one record is larger alone', () => {
    const byTopic = new Map<string, Message[]>([
      ['a', Array.from({ length: 50 }, (_, n) => record(30_000, n))],
      ['b', [record(10, 1000), record(2_000_000, 1001), record(10, 1002)]],
    ]);
    const requests = chunks(byTopic, 512 * 1024);
    const flat = (topic: string) =>
      requests.flatMap((r) =>
        r.filter((t) => t.topic === topic).flatMap((t) => t.messages.map((m) => m.key)),
      );
    expect(flat('a')).toEqual(byTopic.get('a')!.map((m) => m.key));
    expect(flat('b')).toEqual(['k1000', 'k1001', 'k1002']);
    for (const request of requests) {
      const bytes = request
        .flatMap((t) => t.messages)
        .reduce((n, m) => n + (m.value as Buffer).length, 0);
      if (request.flatMap((t) => t.messages).length > 1)
        expect(bytes).toBeLessThanOrEqual(512 * 1024);
    }
    expect(requests.length).toBeGreaterThan(3);
  });

  it('sends nothing for no records', () => {
    expect(chunks(new Map())).toEqual([]);
  });
});
