import { createLogger } from '@cpm/platform';
import { createTestEnv, readTopic, type TestEnv } from '@cpm/testkit';
import { BatchingSender } from './batching-sender';
import { IdempotentProducer } from './idempotent-producer';
import { topicName } from './topics';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv({ database: false, partitions: 1 });
});
afterAll(() => t.cleanup());

it('splits concurrent large records into sends the broker accepts: all are acknowledged and in the log', async () => {
  const producer = new IdempotentProducer(t.kafka, createLogger('test', 'silent'), {
    timeoutMs: 20_000,
  });
  await producer.connect();
  const batches: number[] = [];
  // 8 × 300 KB to one partition: one send of all would be a 2.4 MB record batch, above the
  // broker's message.max.bytes (1 MiB), and the broker would refuse every record of it.
  const sender = new BatchingSender(producer, {
    lingerMs: 20,
    maxRecords: 100,
    onBatch: (n) => batches.push(n),
  });
  const topic = topicName(t.namespace, 'sinch.webhooks.raw.v1');
  const value = (i: number): Buffer => Buffer.alloc(300_000, String.fromCharCode(97 + i));
  try {
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => sender.send({ topic, key: `k-${i}`, value: value(i) })),
    );
  } finally {
    await sender.close();
    await producer.disconnect();
  }
  expect(batches.every((n) => n <= 2)).toBe(true); // 512 KiB per send: one or two of these records
  expect(batches.reduce((a, b) => a + b, 0)).toBe(8);
  const records = await readTopic(t.kafka, topic, { minRecords: 8, timeoutMs: 30_000 });
  expect(records.map((r) => r.key!.toString()).sort()).toEqual(
    Array.from({ length: 8 }, (_, i) => `k-${i}`),
  );
  for (const r of records)
    expect(r.value!.equals(value(Number(r.key!.toString().slice(2))))).toBe(true);
});

it('an observer that throws does not keep callers waiting', async () => {
  const producer = new IdempotentProducer(t.kafka, createLogger('test', 'silent'), {
    timeoutMs: 20_000,
  });
  await producer.connect();
  const sender = new BatchingSender(producer, {
    lingerMs: 1,
    maxRecords: 10,
    onBatch: () => {
      throw new Error('metrics broke');
    },
  });
  try {
    await sender.send({
      topic: topicName(t.namespace, 'sinch.webhooks.raw.v1'),
      key: 'x',
      value: Buffer.from('y'),
    });
  } finally {
    await sender.close();
    await producer.disconnect();
  }
});
