import { createKafka, ensureTopics, SchemaCodec, topicName } from '@cpm/kafka';
import { createLogger } from '@cpm/platform';
import {
  inboundTextBody,
  readTopic,
  startPrivateBroker,
  startWebhookLoad,
  type PrivateBroker,
} from '@cpm/testkit';
import { loadIngressConfig } from './config';
import { startIngress, type Ingress } from './ingress';

/**
 * The first guarantee (docs/ARCHITECTURE.md#acknowledged-webhooks): an acknowledged webhook is in the log. The broker is SIGKILLed
 * in the middle of a load of concurrent requests and started again: every request that got
 * 200 must be in sinch.webhooks.raw.v1, every other one must have got 503, and the ingress
 * must recover without a restart.
 */
const SECRET = 'outage-secret';
const namespace = `outage${Date.now().toString(36)}`;
let broker: PrivateBroker;
let ingress: Ingress;

beforeAll(async () => {
  broker = await startPrivateBroker(Number(process.env.TEST_PRIVATE_BROKER_PORT ?? 19192));
  const kafka = createKafka(broker.brokers, 'outage-setup', createLogger('test', 'silent'));
  await ensureTopics(kafka, namespace, 3);
  ingress = await startIngress(
    loadIngressConfig({
      ...process.env,
      KAFKA_BROKERS: broker.brokers,
      TOPIC_NAMESPACE: namespace,
      TOPIC_PARTITIONS: '3',
      INGRESS_PORT: '0',
      SINCH_WEBHOOK_SECRETS: SECRET,
      INGRESS_KAFKA_TIMEOUT_MS: '1500',
      LOG_LEVEL: 'silent',
    }),
  );
});
afterAll(async () => {
  await ingress?.stop().catch(() => undefined);
  await broker?.stop();
});

const body = (n: number): string =>
  inboundTextBody({ appId: 'app-outage', id: `msg-${n}`, n, contacts: 50 });

it('loses no acknowledged webhook when the broker is killed under load, and recovers by itself', async () => {
  const load = startWebhookLoad(ingress.webhookUrl, SECRET, body, 16);
  const { outcomes } = load;
  await new Promise((r) => setTimeout(r, 1500));
  broker.kill();
  await new Promise((r) => setTimeout(r, 3000));
  const duringOutage = outcomes.length;
  await broker.restart();
  const afterRestart = outcomes.length;
  // Keep the load on until the ingress answers 200 again (kafkajs reconnects with backoff).
  for (let i = 0; i < 300 && !outcomes.slice(afterRestart).some((o) => o.status === 200); i++)
    await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1000));
  await load.stop();

  const acked = new Set(outcomes.filter((o) => o.status === 200).map((o) => o.n));
  const others = outcomes.filter((o) => o.status !== 200);
  expect(others.length).toBeGreaterThan(0); // the outage was felt
  expect(new Set(others.map((o) => o.status))).toEqual(new Set([503]));
  expect(outcomes.slice(afterRestart).some((o) => o.status === 200)).toBe(true); // recovered without restart
  expect(duringOutage).toBeGreaterThan(0);

  const kafka = createKafka(broker.brokers, 'outage-check', createLogger('test', 'silent'));
  const codec = SchemaCodec.connect(process.env.SCHEMA_REGISTRY_URL!, namespace);
  const records = await readTopic(kafka, topicName(namespace, 'sinch.webhooks.raw.v1'), {
    minRecords: acked.size,
  });
  const stored = new Set<number>();
  for (const r of records) {
    const value = await codec.decode<{ body: Buffer }>(r.value!);
    stored.add(Number(/"id":"msg-(\d+)"/.exec(value.body.toString())![1]));
  }
  const missing = [...acked].filter((n) => !stored.has(n));
  expect(missing).toEqual([]);
  console.log(
    `outage test: ${outcomes.length} requests, ${acked.size} acknowledged (all in the log), ${others.length} answered 503, ${stored.size} stored`,
  );
}, 120_000);
