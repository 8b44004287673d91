/**
 * The e2e bench's baseline: the same topology with nothing of ours in it but the Kafka
 * plumbing, to tell what this machine's Kafka transactions cost from what our processing
 * costs. Run by bench/e2e/run.ts with E2E_BASELINE=1, each role in its own process:
 *
 *   bare.ts ingress <port>   node:http, no verification or parsing: each POST body is sent
 *                            as it is to sinch.webhooks.raw.v1 (the ingress's BatchingSender,
 *                            idempotent producer, acks=all), then answered 200
 *   bare.ts hop <in> <out>   reads <in> (read_committed, the TransactionalProcessor's fetch
 *                            settings) and forwards every record unchanged to <out> in Kafka
 *                            transactions with the consumed offsets, one transactional
 *                            producer per partition (as TransactionalProcessor)
 *
 * Env: KAFKA_BROKERS, TOPIC_NAMESPACE.
 */
import { createServer } from 'node:http';
import {
  BatchingSender,
  chunks,
  createKafka,
  FETCH_MAX_WAIT_MS,
  IdempotentProducer,
  RenewableTransactionalProducer,
  topicName,
} from '@cpm/kafka';
import { createLogger } from '@cpm/platform';
import type { Message } from 'kafkajs';

const logger = createLogger('bare', 'warn');
const namespace = process.env.TOPIC_NAMESPACE!;
const kafka = createKafka(process.env.KAFKA_BROKERS!, `bare-${process.pid}`, logger);

async function ingress(port: number): Promise<void> {
  const producer = new IdempotentProducer(kafka, logger, { timeoutMs: 10_000 });
  await producer.connect();
  const sender = new BatchingSender(producer, { lingerMs: 2, maxRecords: 500 });
  const topic = topicName(namespace, 'sinch.webhooks.raw.v1');
  let key = 0;
  createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      if (req.url === '/healthz') return res.end('ok');
      if (req.method !== 'POST') return ((res.statusCode = 404), res.end()); // the bench's /metrics probe
      sender.send({ topic, key: String(key++ % 200), value: Buffer.concat(parts) }).then(
        () => res.end(),
        () => ((res.statusCode = 503), res.end()),
      );
    });
  }).listen(port, '127.0.0.1');
}

async function hop(input: string, output: string): Promise<void> {
  const groupId = topicName(namespace, `bare-${input}`);
  const producers = new Map<number, Promise<RenewableTransactionalProducer>>();
  const producerOf = (partition: number): Promise<RenewableTransactionalProducer> => {
    let producer = producers.get(partition);
    if (!producer) {
      const p = new RenewableTransactionalProducer(kafka, `${groupId}.p${partition}`, logger);
      producer = p.connect().then(() => p);
      producers.set(partition, producer);
    }
    return producer;
  };
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS, // the services' fetch settings
    maxBytesPerPartition: 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: topicName(namespace, input), fromBeginning: true });
  const out = topicName(namespace, output);
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 12,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      const last = batch.messages[batch.messages.length - 1];
      if (!last) return;
      const records = new Map<string, Message[]>([
        [out, batch.messages.map((m) => ({ key: m.key, value: m.value }))],
      ]);
      const producer = await producerOf(batch.partition);
      await producer.inTransaction(async (tx) => {
        for (const topicMessages of chunks(records))
          await tx.sendBatch({ acks: -1, topicMessages });
        await tx.sendOffsets({
          consumerGroupId: groupId,
          topics: [
            {
              topic: batch.topic,
              partitions: [
                { partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
              ],
            },
          ],
        });
      });
      resolveOffset(last.offset);
      await heartbeat();
    },
  });
}

const [role, a, b] = process.argv.slice(2);
(role === 'ingress' ? ingress(Number(a)) : hop(a!, b!)).catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
