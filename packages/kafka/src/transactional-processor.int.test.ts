import { createLogger, createMetrics } from '@cpm/platform';
import { loadEvent, createTestEnv, waitForGroup, type TestEnv } from '@cpm/testkit';
import { ensureTopics, groupOffsets, withAdmin } from './admin';
import { isChangelogBookkeeping, OFFSET_KEY, readChangelog } from './changelog';
import { changelogSpec, topicName } from './topics';
import { TransactionalProcessor } from './transactional-processor';

const NAME = 'tp-test';
const RECORDS = 400;
let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv({ partitions: 3 });
  await ensureTopics(t.kafka, t.namespace, 3, [changelogSpec(NAME)]);
});
afterAll(() => t.cleanup());

/** What every processor of these tests shares: the test's namespace, one input, silent logs. */
const common = (name: string) => ({
  name,
  kafka: t.kafka,
  codec: t.codec,
  namespace: t.namespace,
  inputs: ['conversation.events.v1'],
  dlqTopic: 'conversation.events.v1.dlq',
  logger: createLogger('test', 'silent'),
  metrics: createMetrics('test'),
});

/** State per customer key: the input offsets it has processed, in order. */
function processor(
  handled: string[],
  inputs: string[] = ['conversation.events.v1'],
): TransactionalProcessor<string[]> {
  return new TransactionalProcessor<string[]>({
    ...common(NAME),
    inputs,
    initialState: () => [],
    handle: async (_value, ctx) => {
      await new Promise((r) => setTimeout(r, 2)); // slow enough to be stopped in the middle of a batch
      ctx.state.set(ctx.key, [
        ...ctx.state.get(ctx.key),
        `${ctx.topic}@${ctx.partition}:${ctx.offset}`,
      ]);
      handled.push(ctx.offset);
      return [];
    },
  });
}

const state = new Map<string, string[]>();
/** Reads the changelog's last value per key into `state`; returns how many records they list. */
async function readState(): Promise<number> {
  state.clear();
  await readChangelog(
    t.kafka,
    topicName(t.namespace, `${NAME}.state.v1`),
    new Set([0, 1, 2]),
    (key, value) => {
      if (value !== null && !isChangelogBookkeeping(key))
        state.set(key, JSON.parse(value) as string[]);
    },
  );
  return [...state.values()].reduce((n, entries) => n + entries.length, 0);
}

it('a processor stopped in the middle of a batch commits none of it: its successor processes every record exactly once', async () => {
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  const messages = await Promise.all(
    Array.from({ length: RECORDS }, async (_, i) => {
      const e = loadEvent(i, 5);
      return {
        key: e.customerKey,
        partition: 0,
        value: await t.codec.encode('conversation.events.v1', e),
      };
    }),
  );
  await producer.send({
    topic: topicName(t.namespace, 'conversation.events.v1'),
    acks: -1,
    messages,
  });
  await producer.disconnect();

  const first: string[] = [];
  const a = processor(first);
  await a.start();
  while (first.length < 50) await new Promise((r) => setTimeout(r, 10));
  await a.stop(); // mid-batch: the 400 records arrive in one fetch
  expect(first.length).toBeLessThan(RECORDS);

  const second: string[] = [];
  const b = processor(second);
  await b.start();
  const deadline = Date.now() + 60_000;
  while ((await readState()) < RECORDS && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 250));
  await b.stop();

  const offsets = [...state.values()].flat().map((entry) => Number(entry.split(':')[1]));
  expect(offsets.length).toBe(RECORDS);
  expect(new Set(offsets).size).toBe(RECORDS);
  expect(Math.max(...offsets)).toBe(RECORDS - 1);
}, 120_000);

it('processes several partitions and two co-partitioned inputs at once: every record once, in log order per key', async () => {
  await readState();
  const before = new Map(state);
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  const PER_TOPIC = 300;
  for (const topic of ['conversation.events.v1', 'conversation.events.v1.dlq'] as const) {
    const messages = await Promise.all(
      Array.from({ length: PER_TOPIC }, async (_, i) => {
        const e = loadEvent(10_000 + i, 12);
        const value =
          topic === 'conversation.events.v1'
            ? await t.codec.encode(topic, e)
            : await t.codec.encode(topic, {
                errorCode: 'X',
                errorMessage: 'x',
                consumer: 'c',
                sourceTopic: 's',
                sourcePartition: 0,
                sourceOffset: '0',
                sourceKey: null,
                sourceValue: null,
                failedAt: 0,
              });
        return { key: `multi-${e.customerKey}`, value };
      }),
    );
    await producer.send({ topic: topicName(t.namespace, topic), acks: -1, messages });
  }
  await producer.disconnect();

  const handled: string[] = [];
  const p = processor(handled, ['conversation.events.v1', 'conversation.events.v1.dlq']);
  await p.start();
  const deadline = Date.now() + 60_000;
  const multi = () => [...state].filter(([key]) => key.startsWith('multi-'));
  while (
    multi().reduce((n, [, entries]) => n + entries.length, 0) < 2 * PER_TOPIC &&
    Date.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 250));
    await readState();
  }
  await p.stop();

  const entries = multi().flatMap(([, list]) => list);
  expect(entries.length).toBe(2 * PER_TOPIC);
  expect(new Set(entries).size).toBe(2 * PER_TOPIC);
  for (const [, list] of multi()) {
    for (const topic of ['conversation.events.v1', 'conversation.events.v1.dlq']) {
      const offsets = list
        .filter((e) => e.split('@')[0] === topic)
        .map((e) => Number(e.split(':')[1]));
      expect(offsets).toEqual([...offsets].sort((x, y) => x - y)); // per key and topic, in log order
    }
  }
  // The keys of the first test were not touched.
  for (const [key, list] of before) expect(state.get(key)).toEqual(list);
}, 120_000);

it('restores its floors from the changelog when the group offsets of its last transactions were lost', async () => {
  // What a broker restart that drops a committed transaction's markers leaves: the state and
  // outputs of the transaction become visible, its offset commit does not. Simulated here by
  // moving the group's offsets back to the start while no member runs.
  const stateBefore = await readState();
  expect(stateBefore).toBeGreaterThan(0);
  const admin = t.kafka.admin();
  await admin.connect();
  const groupId = topicName(t.namespace, NAME);
  for (const topic of ['conversation.events.v1', 'conversation.events.v1.dlq']) {
    await admin.setOffsets({
      groupId,
      topic: topicName(t.namespace, topic),
      partitions: [0, 1, 2].map((partition) => ({ partition, offset: '0' })),
    });
  }
  await admin.disconnect();

  const handled: string[] = [];
  const p = processor(handled, ['conversation.events.v1', 'conversation.events.v1.dlq']);
  await p.start();
  // The records are fetched again from offset 0; they must be skipped, not processed again,
  // and the group's offsets brought back to the floor.
  let stillBehind = 0;
  for (const topic of ['conversation.events.v1', 'conversation.events.v1.dlq']) {
    stillBehind += (await waitForGroup(t.kafka, groupId, topicName(t.namespace, topic), 60_000))
      .length;
  }
  await p.stop();

  expect(stillBehind).toBe(0);
  expect(handled).toEqual([]);
  expect(await readState()).toBe(stateBefore);
}, 120_000);

it('ignores a changelog offset beyond the end of its input partition (a recreated topic), so new records are processed', async () => {
  const topic = topicName(t.namespace, 'conversation.events.v1');
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic: topicName(t.namespace, `${NAME}.state.v1`),
    acks: -1,
    messages: [{ key: `${OFFSET_KEY}${topic}:0`, value: '1000000', partition: 0 }],
  });
  const fresh = await Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      const e = loadEvent(50_000 + i, 3);
      return {
        key: `fresh-${e.customerKey}`,
        partition: 0,
        value: await t.codec.encode('conversation.events.v1', e),
      };
    }),
  );
  await producer.send({ topic, acks: -1, messages: fresh });
  await producer.disconnect();

  const handled: string[] = [];
  const p = processor(handled, ['conversation.events.v1', 'conversation.events.v1.dlq']);
  await p.start();
  const deadline = Date.now() + 60_000;
  while (handled.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await p.stop();
  expect(handled.length).toBe(10);
}, 120_000);

it('commits a checkpoint (ctx.commitThen) before its effect: earlier records, the marker just set and the offset up to the record', async () => {
  const name = 'tp-checkpoint';
  await ensureTopics(t.kafka, t.namespace, 3, [changelogSpec(name)]);
  const input = topicName(t.namespace, 'conversation.events.v1');
  const changelog = topicName(t.namespace, `${name}.state.v1`);
  const groupId = topicName(t.namespace, name);
  const start = await withAdmin(t.kafka, (admin) => admin.fetchTopicOffsets(input));
  const from = BigInt(start.find((p) => p.partition === 1)!.offset);
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  const messages = await Promise.all(
    Array.from({ length: 6 }, async (_, i) => ({
      key: 'checkpoint-key',
      partition: 1,
      value: await t.codec.encode('conversation.events.v1', loadEvent(20_000 + i, 1)),
    })),
  );
  await producer.send({ topic: input, acks: -1, messages });
  await producer.disconnect();

  /**
   * What was committed when each effect ran: the offset the changelog records for the input
   * partition (where a restore resumes; the group's offset follows at most a second later,
   * GROUP_OFFSETS_EVERY_MS) and the key's state there.
   */
  const seen: { offset: bigint; committed: bigint | undefined; state: string[] }[] = [];
  let changelogOffset: bigint | undefined;
  const committedState = async (): Promise<string[]> => {
    let value: string[] = [];
    await readChangelog(t.kafka, changelog, new Set([1]), (key, v) => {
      if (key === 'checkpoint-key' && v !== null) value = JSON.parse(v) as string[];
      if (key === `${OFFSET_KEY}${input}:1` && v !== null) changelogOffset = BigInt(v);
    });
    return value;
  };
  const p = new TransactionalProcessor<string[]>({
    ...common(name),
    initialState: () => [],
    handle: async (_value, ctx) => {
      if (ctx.partition !== 1 || BigInt(ctx.offset) < from) return [];
      const n = BigInt(ctx.offset) - from;
      // Every other record has an effect; the others ride in the next transaction.
      if (n % 2n === 1n) {
        ctx.state.set(ctx.key, [...ctx.state.get(ctx.key), `${n}:SENDING`]);
        await ctx.commitThen(async () => {
          const state = await committedState();
          seen.push({ offset: n, committed: changelogOffset, state });
        });
      }
      ctx.state.set(ctx.key, [...ctx.state.get(ctx.key), `${n}:DONE`]);
      return [];
    },
  });
  await p.start();
  const deadline = Date.now() + 60_000;
  while ((await committedState()).length < 9 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 250));
  await p.stop();

  expect(seen.map((s) => s.offset)).toEqual([1n, 3n, 5n]);
  // At each effect: the offset of its own record (not past it), the marker, and all before it.
  expect(seen.map((s) => s.committed! - from)).toEqual([1n, 3n, 5n]);
  expect(seen.map((s) => s.state)).toEqual([
    ['0:DONE', '1:SENDING'],
    ['0:DONE', '1:SENDING', '1:DONE', '2:DONE', '3:SENDING'],
    ['0:DONE', '1:SENDING', '1:DONE', '2:DONE', '3:SENDING', '3:DONE', '4:DONE', '5:SENDING'],
  ]);
  expect(await committedState()).toEqual([
    '0:DONE',
    '1:SENDING',
    '1:DONE',
    '2:DONE',
    '3:SENDING',
    '3:DONE',
    '4:DONE',
    '5:SENDING',
    '5:DONE',
  ]);
  // The group's offset too, once stopped (the stop sends what was deferred).
  const end = await withAdmin(t.kafka, (admin) => groupOffsets(admin, groupId, [input]));
  expect(end.get(`${input}:1`)! - from).toBe(6n);
}, 120_000);

it('sends the group offset in at most one transaction per interval, the last one once the partition is quiet, and at stop', async () => {
  const name = 'tp-group-offsets';
  await ensureTopics(t.kafka, t.namespace, 3, [changelogSpec(name)]);
  const input = topicName(t.namespace, 'conversation.events.v1');
  const groupId = topicName(t.namespace, name);
  const handled: string[] = [];
  const p = new TransactionalProcessor<number>({
    ...common(name),
    initialState: () => 0,
    handle: (_value, ctx) => {
      if (ctx.partition === 1) handled.push(ctx.offset);
      ctx.state.set(ctx.key, ctx.state.get(ctx.key) + 1);
      return [];
    },
    groupOffsetsEveryMs: 10_000,
  });
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  /** Sends one record to partition 1 and waits until the processor has committed it. */
  const one = async (i: number): Promise<bigint> => {
    const [meta] = await producer.send({
      topic: input,
      acks: -1,
      messages: [
        {
          key: `gof-${i}`,
          partition: 1,
          value: await t.codec.encode('conversation.events.v1', loadEvent(70_000 + i, 1)),
        },
      ],
    });
    const offset = meta!.baseOffset!;
    const deadline = Date.now() + 30_000;
    while (!handled.includes(offset) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(handled).toContain(offset);
    // Committed: the changelog's offset record is past it.
    await new Promise((r) => setTimeout(r, 300));
    return BigInt(offset) + 1n;
  };
  const groupOffset = async (): Promise<bigint | undefined> =>
    (await withAdmin(t.kafka, (admin) => groupOffsets(admin, groupId, [input]))).get(`${input}:1`);
  try {
    await p.start();
    // What the earlier tests left on partition 1 first: the group offset catches up with it.
    const start = Date.now();
    while (handled.length === 0 && Date.now() - start < 5_000)
      await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 11_000)); // past the interval: the next transaction sends its offset
    const a = await one(1);
    expect(await groupOffset()).toBe(a);
    // Within the interval: the transaction commits the record and its changelog offset, not
    // the group offset.
    const b = await one(2);
    expect(await groupOffset()).toBe(a);
    // Quiet: the trailing commit brings the group offset to the last one.
    const deadline = Date.now() + 20_000;
    while ((await groupOffset()) !== b && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    expect(await groupOffset()).toBe(b);
    const c = await one(3);
    expect(await groupOffset()).toBe(b);
    await p.stop(); // sends the deferred offset before leaving
    expect(await groupOffset()).toBe(c);
  } finally {
    await p.stop();
    await producer.disconnect();
  }
}, 120_000);
