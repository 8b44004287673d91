import net from 'node:net';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import { createLogger } from '@cpm/platform';
import { createTestEnv, readTopic, type TestEnv } from '@cpm/testkit';
import { RenewableTransactionalProducer } from './renewable-producer';
import { topicName } from './topics';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv({ database: false, partitions: 1 });
});
afterAll(() => t.cleanup());

/** Counts the requests a Kafka client writes, by API key (int16 after the int32 size). */
function countingKafka(counts: Map<number, number>): Kafka {
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (Buffer.isBuffer(chunk) && chunk.length > 6)
        counts.set(chunk.readInt16BE(4), (counts.get(chunk.readInt16BE(4)) ?? 0) + 1);
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  };
  return new Kafka({
    clientId: 'coordinator-count',
    brokers: t.brokers.split(','),
    socketFactory,
    logLevel: logLevel.NOTHING,
  });
}

const FIND_COORDINATOR = 10;
const END_TXN = 26;

it('a transactional producer looks its coordinators up once, not before every transaction request', async () => {
  const counts = new Map<number, number>();
  const producer = new RenewableTransactionalProducer(
    countingKafka(counts),
    `coord-${t.namespace}`,
    createLogger('test', 'silent'),
  );
  await producer.connect();
  const topic = topicName(t.namespace, 'conversation.events.v1');
  const TRANSACTIONS = 10;
  for (let i = 0; i < TRANSACTIONS; i++) {
    const txn = await producer.transaction();
    await txn.send({ topic, acks: -1, messages: [{ key: 'k', value: `v${i}` }] });
    await txn.sendOffsets({
      consumerGroupId: `${t.namespace}-g`,
      topics: [{ topic, partitions: [{ partition: 0, offset: String(i + 1) }] }],
    });
    await txn.commit();
  }
  await producer.disconnect();
  expect(counts.get(END_TXN)).toBe(TRANSACTIONS);
  // kafkajs alone asks 4 times a transaction (before AddPartitionsToTxn, AddOffsetsToTxn,
  // TxnOffsetCommit and EndTxn): 40 or more here. Cached: the transaction and the group coordinator, once each.
  expect(counts.get(FIND_COORDINATOR)).toBeLessThanOrEqual(3);
  const values = (await readTopic(t.kafka, topic, { minRecords: TRANSACTIONS })).map((r) =>
    r.value!.toString(),
  );
  expect(values).toEqual(Array.from({ length: TRANSACTIONS }, (_, i) => `v${i}`));
});
