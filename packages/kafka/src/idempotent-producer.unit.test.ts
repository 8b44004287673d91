import type { RecordMetadata } from 'kafkajs';
import { assertCovered, KafkaUnavailableError } from './idempotent-producer';

const meta = (topicName: string, partition: number): RecordMetadata => ({
  topicName,
  partition,
  errorCode: 0,
  baseOffset: '0',
});

describe('assertCovered: an acknowledgement must answer for everything sent (kafkajs#1303)', () => {
  it('accepts an answer for every topic and every explicitly placed partition', () => {
    expect(() =>
      assertCovered(
        [
          { topic: 'a', messages: [{ key: 'k', value: 'v' }] },
          { topic: 'b', messages: [{ value: 'v', partition: 2 }] },
        ],
        [meta('a', 0), meta('b', 2)],
      ),
    ).not.toThrow();
  });

  it('refuses an answer that leaves out a topic', () => {
    expect(() =>
      assertCovered(
        [
          { topic: 'a', messages: [{ value: 'v' }] },
          { topic: 'b', messages: [{ value: 'v' }] },
        ],
        [meta('a', 1)],
      ),
    ).toThrow(KafkaUnavailableError);
  });

  it('refuses an answer that leaves out an explicitly placed partition', () => {
    expect(() =>
      assertCovered(
        [
          {
            topic: 'a',
            messages: [
              { value: 'v', partition: 0 },
              { value: 'w', partition: 1 },
            ],
          },
        ],
        [meta('a', 0)],
      ),
    ).toThrow(/kafkajs#1303/);
  });

  it('refuses an answer that leaves out a partition the partitioner chose for a keyed record', () => {
    const sent = [
      {
        topic: 'a',
        messages: [
          { key: 'k1', value: 'v' },
          { key: 'k2', value: 'w' },
        ],
      },
    ];
    expect(() =>
      assertCovered(sent, [meta('a', 0), meta('a', 1)], new Set(['a:0', 'a:1'])),
    ).not.toThrow();
    expect(() => assertCovered(sent, [meta('a', 0)], new Set(['a:0', 'a:1']))).toThrow(/a:1/);
  });
});
