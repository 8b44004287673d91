import { createLogger, createMetrics } from '@cpm/platform';
import { createTestEnv, loadEvent, waitForGroup, type TestEnv } from '@cpm/testkit';
import { ensureTopics } from './admin';
import { isChangelogBookkeeping, readChangelog } from './changelog';
import { changelogSpec, topicName } from './topics';
import { TransactionalProcessor } from './transactional-processor';

const NAME = 'tp-copart';
const INPUTS = ['conversation.events.v1', 'conversation.events.v1.dlq'];
const PER_TOPIC = 60;
let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv({ partitions: 3, database: false });
  await ensureTopics(t.kafka, t.namespace, 3, [changelogSpec(NAME)]);
});
afterAll(() => t.cleanup());

/** State per customer key: the records (`topic@offset`) it has processed, from both inputs. */
function processor(): TransactionalProcessor<string[]> {
  return new TransactionalProcessor<string[]>({
    name: NAME,
    kafka: t.kafka,
    codec: t.codec,
    namespace: t.namespace,
    inputs: INPUTS,
    dlqTopic: 'conversation.events.v1.dlq',
    initialState: () => [],
    handle: async (_value, ctx) => {
      await new Promise((r) => setTimeout(r, 5)); // both members busy at once
      ctx.state.set(ctx.key, [...ctx.state.get(ctx.key), `${ctx.topic}@${ctx.offset}`]);
      return [];
    },
    logger: createLogger('test', 'silent'),
    metrics: createMetrics('test'),
  });
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('two members with two co-partitioned inputs: each customer key is processed by one member, its state holds the records of both inputs', async () => {
  // With kafkajs's default assignor, 2 members and 2 inputs of 3 partitions, partition 0 of
  // the first input goes to one member and partition 0 of the second to the other: both
  // would keep the same customers' state, each missing the other's records.
  const a = processor();
  const b = processor();
  try {
    await a.start();
    await b.start();
    await until(() => a.health.check().ready && b.health.check().ready, 'both members ready');

    const producer = t.kafka.producer({ idempotent: true });
    await producer.connect();
    for (const topic of INPUTS) {
      const messages = await Promise.all(
        Array.from({ length: PER_TOPIC }, async (_, i) => {
          const e = loadEvent(i, 12);
          const value =
            topic === INPUTS[0]
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
          return { key: `copart-${i % 12}`, value };
        }),
      );
      await producer.send({ topic: topicName(t.namespace, topic), acks: -1, messages });
    }
    await producer.disconnect();
    for (const topic of INPUTS)
      expect(
        await waitForGroup(t.kafka, topicName(t.namespace, NAME), topicName(t.namespace, topic)),
      ).toEqual([]);
  } finally {
    await a.stop();
    await b.stop();
  }

  const state = new Map<string, string[]>();
  await readChangelog(
    t.kafka,
    topicName(t.namespace, `${NAME}.state.v1`),
    new Set([0, 1, 2]),
    (key, value) => {
      if (value !== null && !isChangelogBookkeeping(key))
        state.set(key, JSON.parse(value) as string[]);
    },
  );
  expect(state.size).toBe(12);
  for (const [key, entries] of state) {
    const perTopic = INPUTS.map((topic) => entries.filter((e) => e.startsWith(`${topic}@`)).length);
    expect([key, perTopic]).toEqual([key, [PER_TOPIC / 12, PER_TOPIC / 12]]);
  }
}, 180_000);
