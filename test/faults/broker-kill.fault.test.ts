import { Client } from 'pg';
import { createKafka, ensureTopics, SchemaCodec, topicName } from '@cpm/kafka';
import type { ConversationEvent } from '@cpm/domain';
import { createLogger } from '@cpm/platform';
import {
  inboundTextBody,
  readTopic,
  startPrivateBroker,
  startWebhookLoad,
  waitForGroup,
  type PrivateBroker,
} from '@cpm/testkit';
import {
  freePort,
  startService,
  verifyProjections,
  waitForHttp,
  type ServiceProcess,
} from './service-process';

/**
 * Guarantees 1 and 2 through the whole path: the broker (a private one) is SIGKILLed under
 * webhook load and started again, ingress and normalizer running as processes. Every
 * request answered 2xx yields its conversation event exactly once; the others got 503;
 * both services recover by themselves; the events projected (a projector started at the end,
 * with a database of the test's own) are what `replay verify` rebuilds. FAULT_MODE=long: 3
 * outages instead of 1.
 */
const LONG = process.env.FAULT_MODE === 'long';
const OUTAGES = LONG ? 3 : 1;
const SECRET = 'fault-broker-secret';
const namespace = `fb${Date.now().toString(36)}`;
let broker: PrivateBroker;
const services: ServiceProcess[] = [];
const databaseUrl = Object.assign(new URL(process.env.DATABASE_URL!), {
  pathname: `/${namespace}`,
});
async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  broker = await startPrivateBroker(Number(process.env.FAULT_BROKER_PORT ?? 19292));
  await ensureTopics(
    createKafka(broker.brokers, 'fault-setup', createLogger('test', 'silent')),
    namespace,
    3,
  );
  await admin(`CREATE DATABASE ${namespace}`);
});
afterAll(async () => {
  for (const s of services) await s.kill('SIGTERM');
  await broker?.stop();
  await admin(`DROP DATABASE IF EXISTS ${namespace} WITH (FORCE)`).catch(() => undefined);
});

const body = (n: number): string =>
  inboundTextBody({ appId: 'app-fb', id: `fb-${n}`, n, contacts: 40 });

it(`turns every acknowledged webhook into exactly one event across ${OUTAGES} broker kill(s)`, async () => {
  const port = await freePort();
  const env = {
    ...process.env,
    KAFKA_BROKERS: broker.brokers,
    TOPIC_NAMESPACE: namespace,
    TOPIC_PARTITIONS: '3',
    LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'warn',
  } as Record<string, string>;
  const ingress = startService('ingress', 'services/ingress/src/main.ts', {
    ...env,
    INGRESS_PORT: String(port),
    SINCH_WEBHOOK_SECRETS: SECRET,
    INGRESS_KAFKA_TIMEOUT_MS: '1500',
    INGRESS_ENSURE_TOPICS: 'false',
  });
  const normalizer = startService('normalizer', 'services/normalizer/src/main.ts', {
    ...env,
    NORMALIZER_HTTP_PORT: '0',
  });
  services.push(ingress, normalizer);
  const webhookUrl = `http://127.0.0.1:${port}/webhooks/sinch`;
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, ingress);

  const load = startWebhookLoad(webhookUrl, SECRET, body, 8);
  const { outcomes } = load;
  for (let outage = 0; outage < OUTAGES; outage++) {
    await new Promise((r) => setTimeout(r, 2000));
    broker.kill();
    // Long enough that a consumer replaced right after the crash finds the broker still away.
    await new Promise((r) => setTimeout(r, 5000));
    await broker.restart();
  }
  const afterRestart = outcomes.length;
  await new Promise((r) => setTimeout(r, 4000));
  await load.stop();

  const acked = outcomes.filter((o) => o.status === 200).map((o) => `fb-${o.n}`);
  const others = outcomes.filter((o) => o.status !== 200);
  expect(others.length).toBeGreaterThan(0); // the outage was felt
  expect([...new Set(others.map((o) => o.status))]).toEqual([503]);
  expect(outcomes.slice(afterRestart).some((o) => o.status === 200)).toBe(true); // the ingress recovered by itself
  expect(ingress.alive()).toBe(true);

  // The normalizer must ride the outage out by itself (no restart by anyone).
  expect({
    normalizerAlive: normalizer.alive(),
    output: normalizer.alive() ? '' : normalizer.output().slice(-2000),
  }).toEqual({
    normalizerAlive: true,
    output: '',
  });

  const kafka = createKafka(broker.brokers, 'fault-check', createLogger('test', 'silent'));
  const codec = SchemaCodec.connect(process.env.SCHEMA_REGISTRY_URL!, namespace);
  // Done when the normalizer has processed every raw record, not when the events number the
  // acknowledged requests: a request answered 503 may still have reached the log, and its
  // event would let a count be met while the last acknowledged records are still unprocessed.
  // (The CI failure of 2026-11-30 was not that but duplicates: see sealChangelog.)
  const behind = await waitForGroup(
    kafka,
    topicName(namespace, 'normalizer'),
    topicName(namespace, 'sinch.webhooks.raw.v1'),
    90_000,
  );
  expect(behind).toEqual([]);
  // The offsets can be readable before the event partitions' markers: the count is a lower bound.
  const records = await readTopic(kafka, topicName(namespace, 'conversation.events.v1'), {
    minRecords: acked.length,
    timeoutMs: 30_000,
  });
  const ids = await Promise.all(
    records.map(async (r) => (await codec.decode<ConversationEvent>(r.value!)).message?.id ?? ''),
  );
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const wrong = acked
    .filter((id) => counts.get(id) !== 1)
    .map((id) => ({ id, events: counts.get(id) ?? 0 }));
  if (wrong.length > 0) {
    // Where it went wrong: the raw records and the events of those ids, with their positions.
    const suspects = new Set(wrong.map((w) => w.id));
    const raw = await readTopic(kafka, topicName(namespace, 'sinch.webhooks.raw.v1'), {
      timeoutMs: 30_000,
    });
    for (const r of raw) {
      const id = /"id":"(fb-\d+)"/.exec(
        (await codec.decode<{ body: Buffer }>(r.value!)).body.toString(),
      )?.[1];
      if (id && suspects.has(id)) console.log(`raw ${id} at ${r.partition}:${r.offset}`);
    }
    records.forEach(
      (r, i) =>
        suspects.has(ids[i]!) && console.log(`event ${ids[i]} at ${r.partition}:${r.offset}`),
    );
    // The service's own lines and kafkajs's crashes; kafkajs's connection errors drown the rest.
    const lines = normalizer.output().split('\n');
    const telling = lines.filter(
      (l) =>
        !l.includes('"logger":"kafkajs"') || l.includes('Crash') || l.includes('Failed to send'),
    );
    console.log(
      `normalizer output (${telling.length} of ${lines.length} lines):\n${telling.join('\n').slice(-30000)}`,
    );
  }
  expect({ acked: acked.length, wrong: wrong.length, firstWrong: wrong.slice(0, 5) }).toEqual({
    acked: acked.length,
    wrong: 0,
    firstWrong: [],
  });
  expect(normalizer.alive()).toBe(true);
  const failedRestarts = normalizer.output().split('consumer restart failed; retrying').length - 1;
  // Restores whose floors came from the changelog: group offsets not sent yet (at most a
  // second of them), or a transaction the restarted broker completed without markers (sealed).
  const sealed =
    normalizer.output().split('the changelog is ahead of the group offsets').length - 1;
  console.log(
    `broker fault: ${OUTAGES} outage(s), ${outcomes.length} requests, ${acked.length} acknowledged → one event each, ${others.length} answered 503; normalizer consumer restarts that found the broker away: ${failedRestarts}; restores with floors from the changelog: ${sealed}`,
  );
  await verifyProjections({ ...env, DATABASE_URL: databaseUrl.toString() }, { partitions: 3 });
}, 300_000);
