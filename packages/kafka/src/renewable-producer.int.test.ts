import { createLogger } from '@cpm/platform';
import { createTestEnv, type TestEnv } from '@cpm/testkit';
import { RenewableTransactionalProducer } from './renewable-producer';
import { topicName } from './topics';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv({ database: false, partitions: 1 });
});
afterAll(() => t.cleanup());

it('connect() completes the last transaction of its transactional id before it returns (fences and aborts an open one)', async () => {
  const topic = topicName(t.namespace, 'agent.events.v1');
  const transactionalId = `renew-${t.namespace}`;
  // A predecessor (a process that died mid-transaction) leaves a transaction open.
  const zombie = t.kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: 10_000,
  });
  await zombie.connect();
  const open = await zombie.transaction();
  await open.send({ topic, acks: -1, messages: [{ key: 'k', value: 'from the zombie' }] });
  const admin = t.kafka.admin();
  await admin.connect();
  // ListOffsets with read_committed: the last stable offset, held at the open transaction.
  const stable = async (): Promise<string> => (await admin.fetchTopicOffsets(topic))[0]!.offset;
  try {
    expect(await stable()).toBe('0');
    const successor = new RenewableTransactionalProducer(
      t.kafka,
      transactionalId,
      createLogger('test', 'silent'),
    );
    await successor.connect();
    // Aborted by the successor's InitProducerId: readers are no longer held back by it
    // (record 0 aborted, marker at 1), without waiting for the 60 s transaction timeout.
    expect(await stable()).toBe('2');
    await expect(open.commit()).rejects.toThrow(); // fenced
    await successor.disconnect();
  } finally {
    await admin.disconnect();
    await zombie.disconnect().catch(() => undefined);
  }
}, 60_000);
