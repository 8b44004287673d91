import { createTestEnv, type TestEnv } from '@cpm/testkit';
import { ensureTopics } from './admin';
import { createLogger } from '@cpm/platform';
import { ChangelogRestoreError, readChangelog, SEAL_KEY, sealChangelog } from './changelog';
import { RenewableTransactionalProducer } from './renewable-producer';
import { changelogSpec, topicName } from './topics';

let t: TestEnv;
let topic: string;
beforeAll(async () => {
  t = await createTestEnv({ database: false, partitions: 2 });
  await ensureTopics(t.kafka, t.namespace, 2, [changelogSpec('cl-test')]);
  topic = topicName(t.namespace, 'cl-test.state.v1');
});
afterAll(() => t.cleanup());

/** One transaction writing `values` (key → value) to `partition`, committed or aborted. */
async function transaction(
  transactionalId: string,
  partition: number,
  values: Record<string, string>,
  outcome: 'commit' | 'abort',
): Promise<void> {
  const producer = t.kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const tx = await producer.transaction();
  await tx.send({
    topic,
    acks: -1,
    messages: Object.entries(values).map(([key, value]) => ({ key, value, partition })),
  });
  await (outcome === 'commit' ? tx.commit() : tx.abort());
  await producer.disconnect();
}

it('reads committed state to the end, past a trailing aborted transaction, for the requested partitions only', async () => {
  await transaction('cl-a', 0, { k1: '"v1"', k2: '"v1"' }, 'commit');
  await transaction('cl-a', 0, { k1: '"v2"' }, 'commit');
  // The partition ends with an aborted transaction: no record of it is delivered, and the
  // read must still count its offsets as reached rather than wait for records that never come.
  await transaction('cl-a', 0, { k1: '"aborted"', k3: '"aborted"' }, 'abort');
  await transaction('cl-b', 1, { other: '"x"' }, 'commit');

  const state = new Map<string, string | null>();
  const started = Date.now();
  const count = await readChangelog(
    t.kafka,
    topic,
    new Set([0]),
    (key, value) => state.set(key, value),
    { timeoutMs: 20_000 },
  );
  expect(Date.now() - started).toBeLessThan(20_000); // finished by reaching the end, not by giving up (that throws)
  expect(count).toBe(3);
  expect(Object.fromEntries(state)).toEqual({ k1: '"v2"', k2: '"v1"' });
});

it('returns nothing, at once, for partitions without records', async () => {
  const seen: string[] = [];
  expect(await readChangelog(t.kafka, topic, new Set([5]), (key) => seen.push(key))).toBe(0);
  expect(seen).toEqual([]);
});

it('fails with ChangelogRestoreError rather than return partial state when the end is not reached in time', async () => {
  const seen: string[] = [];
  // 1 ms: joining the throwaway group alone takes longer, so no partition can be read to its end.
  await expect(
    readChangelog(t.kafka, topic, new Set([0, 1]), (key) => seen.push(key), { timeoutMs: 1 }),
  ).rejects.toBeInstanceOf(ChangelogRestoreError);
});

it('fails at once with the cause when a record cannot be loaded, not after the timeout', async () => {
  const started = Date.now();
  const refuse = (): void => {
    throw new Error('corrupt state value');
  };
  await expect(
    readChangelog(t.kafka, topic, new Set([0]), refuse, { timeoutMs: 60_000 }),
  ).rejects.toThrow('corrupt state value');
  expect(Date.now() - started).toBeLessThan(30_000);
});

// (The wait for the markers is not shown to be needed here: on an idle broker they land within
// the same millisecond; it matters after a broker restart, as in the broker-kill fault test.)
it('seals every partition of a changelog; the seals are readable when it returns', async () => {
  const producer = new RenewableTransactionalProducer(
    t.kafka,
    'cl-seal',
    createLogger('test', 'silent'),
  );
  await producer.connect();
  try {
    await sealChangelog(t.kafka, producer, topic);
  } finally {
    await producer.disconnect();
  }
  // Read right away: the end offsets read now must already be past both seals.
  const seals: string[] = [];
  await readChangelog(
    t.kafka,
    topic,
    new Set([0, 1]),
    (key, value) => key === SEAL_KEY && value === null && seals.push(key),
    { timeoutMs: 20_000 },
  );
  expect(seals).toHaveLength(2);
});
