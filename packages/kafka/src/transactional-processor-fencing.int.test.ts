import { createLogger, createMetrics, type Metrics } from '@cpm/platform';
import { createTestEnv, loadEvent, readTopic, waitForGroup, type TestEnv } from '@cpm/testkit';
import { ensureTopics } from './admin';
import { changelogSpec, topicName } from './topics';
import { TransactionalProcessor } from './transactional-processor';

const NAME = 'tp-fence';
const INPUT = 'conversation.events.v1';
const OUTPUT = 'conversation.events.v1.dlq'; // any topic with a schema: a record per input record
const RECORDS = 20;
let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv({ partitions: 1, database: false });
  await ensureTopics(t.kafka, t.namespace, 1, [changelogSpec(NAME)]);
});
afterAll(() => t.cleanup());

/** A processor that writes, per input record, one output record naming the input offset and itself. */
function processor(
  label: string,
  metrics: Metrics,
  beforeCommit?: (partition: number) => Promise<void>,
): TransactionalProcessor<number> {
  return new TransactionalProcessor<number>({
    name: NAME,
    kafka: t.kafka,
    codec: t.codec,
    namespace: t.namespace,
    inputs: [INPUT],
    dlqTopic: OUTPUT,
    initialState: () => 0,
    handle: (_value, ctx) => {
      ctx.state.set(ctx.key, ctx.state.get(ctx.key) + 1);
      return [
        {
          topic: OUTPUT,
          key: ctx.key,
          value: {
            errorCode: 'PROCESSED',
            errorMessage: label,
            consumer: label,
            sourceTopic: INPUT,
            sourcePartition: ctx.partition,
            sourceOffset: ctx.offset,
            sourceKey: null,
            sourceValue: null,
            failedAt: 0,
          },
        },
      ];
    },
    logger: createLogger(label, 'silent'),
    metrics,
    ...(beforeCommit && { beforeCommit }),
  });
}

async function produce(from: number): Promise<void> {
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  const messages = await Promise.all(
    Array.from({ length: RECORDS }, async (_, i) => {
      const e = loadEvent(from + i, 5);
      return { key: e.customerKey, partition: 0, value: await t.codec.encode(INPUT, e) };
    }),
  );
  await producer.send({ topic: topicName(t.namespace, INPUT), acks: -1, messages });
  await producer.disconnect();
}

/** Input offset → how many output records (read_committed) name it, and who wrote them. */
async function outputs(minRecords: number): Promise<Map<string, string[]>> {
  const records = await readTopic(t.kafka, topicName(t.namespace, OUTPUT), {
    minRecords,
    timeoutMs: 60_000,
  });
  const out = new Map<string, string[]>();
  for (const r of records) {
    const value = (await t.codec.decode(r.value)) as { sourceOffset: string; consumer: string };
    out.set(value.sourceOffset, [...(out.get(value.sourceOffset) ?? []), value.consumer]);
  }
  return out;
}

async function failedTransactions(metrics: Metrics): Promise<number> {
  const { values } = await metrics.kafkaErrors.get();
  return values.find((v) => v.labels.operation === 'transaction')?.value ?? 0;
}

it('a member that lost its partition while held before its commit is refused (fenced) when it commits: every record is output once', async () => {
  await produce(0);
  // A processes the records and is held right before its transaction. Held, it sends no
  // heartbeat: the group removes it after its session timeout, and B, which joins
  // meanwhile, gets the partition, restores (fencing A's producer of partition 0) and
  // processes the same records. Then A commits. Nothing here depends on how long A is
  // held beyond that: whenever A commits after B's restore began, it must be refused.
  let held: () => void = () => undefined;
  let release: () => void = () => undefined;
  const isHeld = new Promise<void>((r) => (held = r));
  const released = new Promise<void>((r) => (release = r));
  let first = true;
  const aMetrics = createMetrics('test');
  const a = processor('a', aMetrics, async () => {
    if (!first) return;
    first = false;
    held();
    await released;
  });
  const b = processor('b', createMetrics('test'));
  try {
    await a.start();
    await isHeld;
    await b.start();
    const groupId = topicName(t.namespace, NAME);
    expect(await waitForGroup(t.kafka, groupId, topicName(t.namespace, INPUT), 90_000)).toEqual([]);
    const byB = await outputs(RECORDS);
    expect([...byB.values()].flat().every((who) => who === 'b')).toBe(true);
    expect(byB.size).toBe(RECORDS);

    release(); // A's late commit
    const deadline = Date.now() + 30_000;
    while ((await failedTransactions(aMetrics)) === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await failedTransactions(aMetrics)).toBe(1);

    // A replaced its consumer and went on; the two share the work again, each record once.
    await produce(RECORDS);
    expect(await waitForGroup(t.kafka, groupId, topicName(t.namespace, INPUT), 90_000)).toEqual([]);
    const all = await outputs(2 * RECORDS);
    expect(all.size).toBe(2 * RECORDS);
    for (const [offset, writers] of all) expect([offset, writers.length]).toEqual([offset, 1]);
  } finally {
    release();
    await a.stop();
    await b.stop();
  }
}, 240_000);
