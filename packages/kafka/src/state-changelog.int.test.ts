import { createLogger, createMetrics } from '@cpm/platform';
import { loadEvent, createTestEnv, waitForGroup, type TestEnv } from '@cpm/testkit';
import { ensureTopics } from './admin';
import { ChangelogPartitionsError, isChangelogBookkeeping, readChangelog } from './changelog';
import { ITEM_KEY, type ChangelogList } from './state-changelog';
import { changelogSpec, topicName } from './topics';
import { TransactionalProcessor } from './transactional-processor';

const NAME = 'sc-test';
const CUSTOMERS = 7;
const KEEP = 20; // offsets remembered per customer
let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv({ partitions: 3 });
  await ensureTopics(t.kafka, t.namespace, 3, [changelogSpec(NAME)]);
});
afterAll(() => t.cleanup());

/** Per customer: how many records, and the offsets of the last KEEP of them (a list kept item by item). */
interface Seen {
  count: number;
  offsets: string[];
}
const next = (s: Seen, offset: string): Seen => ({
  count: s.count + 1,
  offsets: [...s.offsets, offset].slice(-KEEP),
});
const lists = [
  {
    name: 'offset',
    get: (s) => s.offsets,
    with: (s, offsets) => ({ ...s, offsets }),
    id: (o) => o,
  } satisfies ChangelogList<Seen, string>,
];

function processor(seenBefore: Map<string, Seen>, name = NAME): TransactionalProcessor<Seen> {
  return new TransactionalProcessor<Seen>({
    name,
    kafka: t.kafka,
    codec: t.codec,
    namespace: t.namespace,
    inputs: ['conversation.events.v1'],
    dlqTopic: 'conversation.events.v1.dlq',
    initialState: () => ({ count: 0, offsets: [] }),
    changelogLists: lists,
    handle: (_value, ctx) => {
      const s = ctx.state.get(ctx.key);
      if (!seenBefore.has(ctx.key)) seenBefore.set(ctx.key, s); // the value this instance started from
      ctx.state.set(ctx.key, next(s, ctx.offset));
      return [];
    },
    logger: createLogger('test', 'silent'),
    metrics: createMetrics('test'),
  });
}

async function produce(from: number, count: number): Promise<void> {
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  const messages = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const e = loadEvent(from + i, CUSTOMERS);
      return { key: e.customerKey, value: await t.codec.encode('conversation.events.v1', e) };
    }),
  );
  await producer.send({
    topic: topicName(t.namespace, 'conversation.events.v1'),
    acks: -1,
    messages,
  });
  await producer.disconnect();
}

/** The input log folded per key, as the processor must have it, counting the records of `loadEvent(i)` with i < `below` only. */
async function folded(below: number): Promise<Map<string, Seen>> {
  const out = new Map<string, Seen>();
  const admin = t.kafka.admin();
  await admin.connect();
  const total = (
    await admin.fetchTopicOffsets(topicName(t.namespace, 'conversation.events.v1'))
  ).reduce((n, p) => n + Number(p.offset), 0);
  await admin.disconnect();
  const consumer = t.kafka.consumer({ groupId: `${t.namespace}-fold-${below}` });
  await consumer.connect();
  await consumer.subscribe({
    topic: topicName(t.namespace, 'conversation.events.v1'),
    fromBeginning: true,
  });
  let read = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        const event = (await t.codec.decode(message.value!)) as { eventId: string };
        const key = message.key!.toString();
        if (Number(event.eventId.replace('load-', '')) < below)
          out.set(key, next(out.get(key) ?? { count: 0, offsets: [] }, message.offset));
        if (++read === total) resolve();
      },
    });
  });
  await consumer.disconnect();
  return out;
}

it('keeps a list item by item in the changelog: each record writes its item, and a successor restores the same values', async () => {
  const group = topicName(t.namespace, NAME);
  const input = topicName(t.namespace, 'conversation.events.v1');
  await produce(0, 300);
  const first = processor(new Map());
  await first.start();
  expect(await waitForGroup(t.kafka, group, input)).toEqual([]);
  await first.stop();

  // The changelog holds small records: the headers without the list, one record per item.
  const records: { key: string; value: string | null }[] = [];
  await readChangelog(t.kafka, first.changelogTopic, new Set([0, 1, 2]), (key, value) => {
    if (!isChangelogBookkeeping(key)) records.push({ key, value });
  });
  const headers = records.filter((r) => !r.key.startsWith(ITEM_KEY));
  const items = records.filter((r) => r.key.startsWith(ITEM_KEY));
  expect(new Set(headers.map((r) => r.key)).size).toBe(CUSTOMERS);
  for (const h of headers) expect((JSON.parse(h.value!) as Seen).offsets).toEqual([]);
  // A transaction writes its net change: an offset added and dropped within one batch is not written at all.
  const puts = items.filter((r) => r.value !== null).length;
  const tombstones = items.filter((r) => r.value === null).length;
  expect(puts).toBeLessThanOrEqual(300);
  expect(puts - tombstones).toBe(CUSTOMERS * KEEP);

  // A successor (another process: nothing in memory) restores each customer's value.
  await produce(300, CUSTOMERS * 3);
  const restored = new Map<string, Seen>();
  const second = processor(restored);
  await second.start();
  expect(await waitForGroup(t.kafka, group, input)).toEqual([]);
  await second.stop();
  // It started from the log folded up to the first 300 records, for every customer.
  expect(restored).toEqual(await folded(300));
  expect([...restored.values()].every((seen) => seen.offsets.length === KEEP)).toBe(true);
}, 120_000);

it('refuses to start when its changelog has fewer partitions than an input (the state of input partition n goes to changelog partition n)', async () => {
  await ensureTopics(t.kafka, t.namespace, 1, [changelogSpec('sc-narrow')]);
  const narrow = processor(new Map(), 'sc-narrow');
  await expect(narrow.start()).rejects.toBeInstanceOf(ChangelogPartitionsError);
  await narrow.stop();
}, 60_000);
