import type { Producer } from 'kafkajs';
import { createTestEnv, type TestEnv } from '@cpm/testkit';
import { withAdmin } from './admin';
import { readToEnd, TopicReadError, type TopicBatch } from './read-to-end';
import { topicName } from './topics';

let t: TestEnv;
let producer: Producer;
beforeAll(async () => {
  t = await createTestEnv({ database: false, partitions: 2 });
  producer = t.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await t.cleanup();
});

async function createTopic(name: string, partitions: number): Promise<string> {
  const topic = topicName(t.namespace, name);
  await withAdmin(t.kafka, (admin) =>
    admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] }),
  );
  return topic;
}

/** `count` records to `partition`, one produce request (one record batch) each: `<prefix>0`, `<prefix>1`, ... */
async function produce(
  topic: string,
  partition: number,
  prefix: string,
  count: number,
): Promise<void> {
  for (let i = 0; i < count; i++)
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: `${prefix}${i}`, value: 'v', partition }],
    });
}

const keysOf = (batches: TopicBatch[], partition: number): string[] =>
  batches
    .filter((b) => b.partition === partition)
    .flatMap((b) => b.messages.map((m) => m.key!.toString()));

it('reads committed records exactly up to the end captured when it starts, not what is written meanwhile nor a still-open transaction', async () => {
  const topic = await createTopic('rte-ends', 2);
  await produce(topic, 0, 'a', 5);
  await produce(topic, 1, 'b', 3);
  // A transaction still open when the read starts: the end is its last stable offset, so
  // the read ends before it instead of waiting for it.
  const open = t.kafka.producer({
    transactionalId: `${t.namespace}-rte-open`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await open.connect();
  const tx = await open.transaction();
  try {
    await tx.send({ topic, acks: -1, messages: [{ key: 'open', value: 'v', partition: 0 }] });
    const batches: TopicBatch[] = [];
    let wroteMore = false;
    const started = Date.now();
    const ends = await readToEnd(
      t.kafka,
      [topic],
      async (batch) => {
        batches.push(batch);
        if (!wroteMore) {
          wroteMore = true;
          await produce(topic, 0, 'late', 2);
          await produce(topic, 1, 'late', 2);
        }
      },
      { stallTimeoutMs: 20_000 },
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(Object.fromEntries(ends)).toEqual({ [`${topic}:0`]: '5', [`${topic}:1`]: '3' });
    expect(keysOf(batches, 0)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(keysOf(batches, 1)).toEqual(['b0', 'b1', 'b2']);
    expect(
      batches.every((b) => BigInt(b.nextOffset) <= BigInt(ends.get(`${b.topic}:${b.partition}`)!)),
    ).toBe(true);
  } finally {
    await tx.abort();
    await open.disconnect();
  }
});

it('reads from the given start offsets, the given partitions only', async () => {
  const topic = await createTopic('rte-start', 2);
  await produce(topic, 0, 'a', 5);
  await produce(topic, 1, 'b', 3);
  const batches: TopicBatch[] = [];
  const ends = await readToEnd(t.kafka, [topic], (batch) => void batches.push(batch), {
    partitions: new Set([0]),
    startOffsets: new Map([[`${topic}:0`, '3']]),
  });
  expect(Object.fromEntries(ends)).toEqual({ [`${topic}:0`]: '5' });
  expect(keysOf(batches, 0)).toEqual(['a3', 'a4']);
  expect(keysOf(batches, 1)).toEqual([]);
});

it('stops at the given end offsets: the log as it was at an earlier point', async () => {
  const topic = await createTopic('rte-end', 2);
  await produce(topic, 0, 'a', 5);
  await produce(topic, 1, 'b', 3);
  const batches: TopicBatch[] = [];
  const ends = await readToEnd(t.kafka, [topic], (batch) => void batches.push(batch), {
    startOffsets: new Map([[`${topic}:0`, '1']]),
    endOffsets: new Map([
      [`${topic}:0`, '3'],
      [`${topic}:1`, '99'], // past the end: the end
    ]),
  });
  expect(Object.fromEntries(ends)).toEqual({ [`${topic}:0`]: '3', [`${topic}:1`]: '3' });
  expect(keysOf(batches, 0)).toEqual(['a1', 'a2']);
  expect(keysOf(batches, 1)).toEqual(['b0', 'b1', 'b2']);
});

it('fails with TopicReadError, returning nothing, when the broker read fails midway', async () => {
  const topic = await createTopic('rte-gone', 1);
  await produce(topic, 0, 'a', 20);
  const seen: string[] = [];
  const read = readToEnd(
    t.kafka,
    [topic],
    async (batch) => {
      seen.push(...batch.messages.map((m) => m.key!.toString()));
      // The topic disappears under the reader: the rest of the partition can no longer be fetched.
      if (seen.length === 1)
        await withAdmin(t.kafka, (admin) => admin.deleteTopics({ topics: [topic] }));
    },
    { stallTimeoutMs: 3_000, maxBytesPerPartition: 1 },
  );
  await expect(read).rejects.toBeInstanceOf(TopicReadError);
  expect(seen.length).toBeLessThan(20); // what it had read was partial, and was not returned as the topic
});

it('fails with TopicReadError when no progress is made within the bound', async () => {
  const topic = await createTopic('rte-stall', 1);
  await produce(topic, 0, 'a', 3);
  const read = readToEnd(
    t.kafka,
    [topic],
    () => new Promise((resolve) => setTimeout(resolve, 2_000)),
    { stallTimeoutMs: 500, maxBytesPerPartition: 1 },
  );
  const error = await read.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TopicReadError);
  expect((error as TopicReadError).stalledMs).toBe(500);
  expect((error as TopicReadError).behind).toEqual([`${topic}:0 0/3`]);
});
