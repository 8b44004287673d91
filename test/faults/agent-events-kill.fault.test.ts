import type { AgentEvent } from '@cpm/contracts';
import { topicName } from '@cpm/kafka';
import { loadEvent, createTestEnv, readTopic, type TestEnv } from '@cpm/testkit';
import {
  keepLoading,
  killUnderLoad,
  verifyProjections,
  type ServiceProcess,
} from './service-process';

/**
 * Guarantees 2 and 4 for agent-events (the product topic): SIGKILLed repeatedly while
 * conversation events keep arriving, with poison records mixed in. Afterwards every
 * customer message has exactly one MESSAGE_RECEIVED agent event, and every poison record is
 * in agent.events.v1.dlq once; the same log projected (a projector started at the end) is
 * what `replay verify` rebuilds. FAULT_MODE=long: 10 kills and more load; default (CI): 3.
 */
const LONG = process.env.FAULT_MODE === 'long';
const KILLS = LONG ? 10 : 3;
const BATCHES = LONG ? 60 : 20;
const PER_BATCH = 100;

let t: TestEnv;
const started: ServiceProcess[] = [];
beforeAll(async () => {
  t = await createTestEnv({ database: true, partitions: 3 });
});
afterAll(async () => {
  for (const s of started) await s.kill('SIGTERM');
  await t?.cleanup();
});

it(`emits one agent event per customer message and dead-letters every poison record across ${KILLS} SIGKILLs`, async () => {
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  const input = topicName(t.namespace, 'conversation.events.v1');
  const poisons: Buffer[] = [];
  let sent = 0;
  const load = keepLoading(BATCHES, async (batch) => {
    const messages = await Promise.all(
      Array.from({ length: PER_BATCH }, async (_, i) => {
        const e = loadEvent(sent + i, 30);
        return { key: e.customerKey, value: await t.codec.encode('conversation.events.v1', e) };
      }),
    );
    sent += PER_BATCH;
    if (batch % 5 === 0) {
      const bad = Buffer.from(`not avro ${batch}`);
      poisons.push(bad);
      messages.splice(PER_BATCH / 2, 0, { key: `app1:c${batch % 30}`, value: bad });
    }
    await producer.send({ topic: input, acks: -1, messages });
  });

  const { kills, records } = await killUnderLoad({
    kafka: t.kafka,
    service: 'agent-events',
    main: 'services/agent-events/src/main.ts',
    env: { ...t.env, AGENT_EVENTS_HTTP_PORT: '0', LOG_LEVEL: 'error' },
    outputTopic: topicName(t.namespace, 'agent.events.v1'),
    kills: KILLS,
    load,
    started,
    expected: () => sent,
  });
  await producer.disconnect();
  expect(kills).toBe(KILLS);
  const events = await Promise.all(records.map((r) => t.codec.decode<AgentEvent>(r.value!)));
  const ids = events.filter((e) => e.type === 'MESSAGE_RECEIVED').map((e) => e.message!.id);
  expect(ids.length - new Set(ids).size).toBe(0); // no duplicate
  const seen = new Set(ids);
  expect(Array.from({ length: sent }, (_, n) => `m-${n}`).filter((id) => !seen.has(id))).toEqual(
    [],
  ); // no gap

  const dlq = await readTopic(t.kafka, topicName(t.namespace, 'agent.events.v1.dlq'), {
    minRecords: poisons.length,
    timeoutMs: 60_000,
  });
  const dead = await Promise.all(
    dlq.map((r) =>
      t.codec.decode<{ sourceTopic: string; errorCode: string; sourceValue: Buffer }>(r.value!),
    ),
  );
  expect(dead).toHaveLength(poisons.length); // each poison once, nothing valid dead-lettered
  for (const p of poisons)
    expect(dead.filter((d) => d.sourceValue.equals(p) && d.sourceTopic === input)).toHaveLength(1);
  console.log(
    `agent-events fault: ${KILLS} SIGKILLs, ${sent} conversation events → ${ids.length} agent events (no gap, no duplicate), ${poisons.length} poison records → DLQ`,
  );
  await verifyProjections(t.env, { partitions: t.partitions });
}, 240_000);
