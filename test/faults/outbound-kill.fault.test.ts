import type { AgentCommand, OutboundRecord } from '@cpm/contracts';
import { topicName } from '@cpm/kafka';
import {
  createSinchSimulator,
  type InboundResult,
  type SinchSimulator,
} from '@cpm/sinch-simulator';
import { createTestEnv, readTopic, type TestEnv } from '@cpm/testkit';
import { keepLoading, killUnderLoad, startService, type ServiceProcess } from './service-process';

/**
 * At most once for the outbound service (docs/ARCHITECTURE.md#exactly-once): SIGKILLed
 * repeatedly while agent commands keep arriving, each kill right after it committed some
 * outcomes, so that sends are under way. Afterwards every command has exactly one outcome
 * record, the simulator received at most one send of it, and an outcome SENT has exactly
 * one send, whose message id it carries. A command whose send was cut off by a kill is
 * FAILED with UNKNOWN_OUTCOME_AFTER_RESTART. The second test keeps another instance up
 * throughout: every start and death of the first moves partitions between them (a batch
 * under way fails at its heartbeat), so sends are also cut off by rebalances.
 * FAULT_MODE=long: 10 kills and more load; default (CI): 3.
 */
const LONG = process.env.FAULT_MODE === 'long';
const KILLS = LONG ? 10 : 3;
const BATCHES = LONG ? 60 : 20;
const PER_BATCH = 10;
const CUSTOMERS = 6;
const TIMEOUT_MS = LONG ? 900_000 : 300_000;

let sim: SinchSimulator;
const envs: TestEnv[] = [];
const started: ServiceProcess[] = [];
beforeAll(async () => {
  sim = createSinchSimulator({ delivery: { stepDelayMs: 5 } });
  await sim.start();
});
afterAll(async () => {
  for (const s of started) await s.kill('SIGTERM');
  await sim?.stop();
  for (const t of envs) await t.cleanup();
});

it(
  `records one outcome per agent command and sends none twice across ${KILLS} SIGKILLs`,
  () => killTest('solo', false),
  TIMEOUT_MS,
);

it(
  `does the same across rebalances: a second instance stays up while the first is SIGKILLed ${KILLS} times`,
  () => killTest('pair', true),
  TIMEOUT_MS,
);

/** Commands `<prefix>-<batch>-<i>` under load, instance 0 SIGKILLed repeatedly; with `companion`, instance 1 runs throughout. */
async function killTest(prefix: string, companion: boolean): Promise<void> {
  const t = await createTestEnv({ database: false, partitions: 3 });
  envs.push(t);
  const customers: InboundResult[] = [];
  for (let c = 0; c < CUSTOMERS; c++)
    customers.push(
      await sim.customer({ channel: 'SMS', identity: `4670000${1000 + c}` }).sendText('hi'),
    );
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  const input = topicName(t.namespace, 'agent.commands.v1');
  let sent = 0;
  const load = keepLoading(BATCHES, async (batch) => {
    const messages = await Promise.all(
      Array.from({ length: PER_BATCH }, async (_, i) => {
        const customer = customers[(batch * PER_BATCH + i) % CUSTOMERS]!;
        const command: AgentCommand = {
          commandId: `${prefix}-${batch}-${i}`,
          createdAt: Date.now(),
          type: 'SEND_TEXT',
          appId: 'sim-app',
          contactId: customer.contactId,
          conversationId: customer.conversationId,
          channel: 'SMS',
          identity: '',
          author: 'AGENT',
          agentId: 'agent-1',
          text: `text of ${prefix}-${batch}-${i}`,
          mediaUrl: null,
          fileName: null,
          templateName: null,
          templateLanguage: null,
          templateParameters: {},
          messageMetadata: null,
          title: null,
          choices: [],
          conversationMetadata: null,
        };
        return {
          key: `sim-app:${customer.contactId}`,
          value: await t.codec.encode('agent.commands.v1', command),
        };
      }),
    );
    sent += PER_BATCH;
    await producer.send({ topic: input, acks: -1, messages });
  });

  const env = {
    ...t.env,
    SINCH_PROJECT_ID: sim.projectId,
    SINCH_KEY_ID: 'key-id',
    SINCH_KEY_SECRET: 'key-secret',
    SINCH_CONVERSATION_BASE_URL: sim.url,
    SINCH_AUTH_BASE_URL: sim.url,
    OUTBOUND_HTTP_PORT: '0',
    OUTBOUND_RATE_LIMIT_PER_SECOND: '1000',
    LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'warn',
  };
  const other = companion ? startService('outbound-1', 'services/outbound/src/main.ts', env) : null;
  if (other) started.push(other);
  const { kills, records } = await killUnderLoad({
    kafka: t.kafka,
    service: 'outbound',
    main: 'services/outbound/src/main.ts',
    env,
    outputTopic: topicName(t.namespace, 'sinch.outbound.v1'),
    kills: KILLS,
    load,
    started,
    expected: () => sent,
  });
  await producer.disconnect();
  expect(kills).toBe(KILLS);
  // Each sent command costs a transaction of its own (the checkpoint): under machine load the
  // last instance may still be working off the backlog. Wait on while outcomes keep coming.
  const outputTopic = topicName(t.namespace, 'sinch.outbound.v1');
  const drained = Date.now();
  let all = records;
  for (let last = Date.now(); all.length < sent && Date.now() - last < 30_000;) {
    const more = await readTopic(t.kafka, outputTopic, { minRecords: sent, timeoutMs: 10_000 });
    if (more.length > all.length) last = Date.now();
    all = more;
  }
  const drainMs = Date.now() - drained;

  const outcomes = await Promise.all(all.map((r) => t.codec.decode<OutboundRecord>(r.value!)));
  const byCommand = new Map<string, OutboundRecord[]>();
  for (const o of outcomes) byCommand.set(o.commandId, [...(byCommand.get(o.commandId) ?? []), o]);
  /** What the simulator received and accepted for a command: its requests (not refused for their token) and the messages it created. */
  const requests = sim
    .requests('messages:send')
    .filter((r) => r.status !== 401 && JSON.stringify(r.body).includes(`"text of ${prefix}-`));
  const requestsOf = (id: string) =>
    requests.filter((r) => JSON.stringify(r.body).includes(`"text of ${id}"`));
  const messages = [...sim.state.sentMessages.values()];
  const messagesOf = (id: string) =>
    messages.filter((m) => JSON.stringify(m.message).includes(`"text of ${id}"`));

  const problems: string[] = [];
  const ids = Array.from({ length: sent / PER_BATCH }, (_, b) =>
    Array.from({ length: PER_BATCH }, (_, i) => `${prefix}-${b}-${i}`),
  ).flat();
  for (const id of ids) {
    const mine = byCommand.get(id) ?? [];
    const got = messagesOf(id);
    const asked = requestsOf(id);
    const detail = asked
      .map((r) => `#${r.seq} from ${r.client} at ${r.receivedAtMs} → ${r.status}`)
      .join(', ');
    if (mine.length !== 1) problems.push(`${id}: ${mine.length} outcome records`);
    if (asked.length > 1) problems.push(`${id}: sent ${asked.length} times (${detail})`);
    const [o] = mine;
    if (o?.outcome === 'SENT' && (got.length !== 1 || got[0]!.id !== o.sinchMessageId))
      problems.push(`${id}: SENT attempt ${o.attempt}, ${got.length} messages (${detail})`);
    if (o?.outcome === 'FAILED' && o.errorCode !== 'UNKNOWN_OUTCOME_AFTER_RESTART')
      problems.push(`${id}: FAILED ${o.errorCode} ${o.errorMessage}`);
  }
  if (problems.length > 0)
    console.log(
      `outbound fault: ${problems.length} problems; the last instance's output:\n${started.at(-1)!.output().slice(-6000)}` +
        (other ? `\nthe other instance's output:\n${other.output().slice(-6000)}` : ''),
    );
  expect(problems).toEqual([]);
  expect(byCommand.size).toBe(sent); // no outcome of a command never produced
  if (other) expect(other.alive()).toBe(true);

  const unknown = outcomes.filter((o) => o.errorCode === 'UNKNOWN_OUTCOME_AFTER_RESTART');
  const unknownSent = unknown.filter((o) => messagesOf(o.commandId).length === 1).length;
  console.log(
    `outbound fault (${prefix}): ${KILLS} SIGKILLs, ${sent} commands → ${outcomes.length} outcome records, ` +
      `${requests.length} send requests (${drainMs} ms of extra wait for the last outcomes); ${unknown.length} UNKNOWN_OUTCOME_AFTER_RESTART ` +
      `(${unknownSent} of them had reached Sinch, ${unknown.length - unknownSent} had not)`,
  );
}
