import { topicName } from '@cpm/kafka';
import { createSinchSimulator, type SinchSimulator } from '@cpm/sinch-simulator';
import { createTestEnv, type TestEnv } from '@cpm/testkit';
import {
  agentCommand,
  checkOutcomes,
  outboundSimEnv,
  readOutcomes,
  simCustomers,
} from './agent-commands';
import { keepLoading, killUnderLoad, startService, type ServiceProcess } from './service-process';

/**
 * At most once for the outbound service (docs/ARCHITECTURE.md#exactly-once): SIGKILLed
 * repeatedly while agent commands keep arriving, each kill right after it committed some
 * outcomes, so that sends are under way. Afterwards every command has exactly one outcome
 * record, the simulator received at most one send of it, and an outcome SENT has exactly
 * one send, whose message id it carries. A command whose send was cut off by a kill is
 * FAILED with an UNKNOWN_OUTCOME_* code (UNKNOWN_OUTCOME_AFTER_RESTART), counted.
 * Load and checks: ./agent-commands.ts. The second test keeps another instance up
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
  const customers = await simCustomers(sim, CUSTOMERS);
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  const input = topicName(t.namespace, 'agent.commands.v1');
  let sent = 0;
  const load = keepLoading(BATCHES, async (batch) => {
    const messages = await Promise.all(
      Array.from({ length: PER_BATCH }, (_, i) =>
        agentCommand(
          t.codec,
          `${prefix}-${batch}-${i}`,
          customers[(batch * PER_BATCH + i) % CUSTOMERS]!,
        ),
      ),
    );
    sent += PER_BATCH;
    await producer.send({ topic: input, acks: -1, messages });
  });

  const env = {
    ...t.env,
    ...outboundSimEnv(sim),
    OUTBOUND_HTTP_PORT: '0',
    LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'warn',
  };
  const other = companion ? startService('outbound-1', 'services/outbound/src/main.ts', env) : null;
  if (other) started.push(other);
  const outputTopic = topicName(t.namespace, 'sinch.outbound.v1');
  const { kills, records } = await killUnderLoad({
    kafka: t.kafka,
    service: 'outbound',
    main: 'services/outbound/src/main.ts',
    env,
    outputTopic,
    kills: KILLS,
    load,
    started,
    expected: () => sent,
  });
  await producer.disconnect();
  expect(kills).toBe(KILLS);
  const all = await readOutcomes(t.kafka, outputTopic, sent, records);

  const ids = Array.from({ length: sent / PER_BATCH }, (_, b) =>
    Array.from({ length: PER_BATCH }, (_, i) => `${prefix}-${b}-${i}`),
  ).flat();
  const check = await checkOutcomes({ codec: t.codec, sim, records: all.records, prefix, ids });
  if (check.problems.length > 0)
    console.log(
      `outbound fault: ${check.problems.length} problems; the last instance's output:\n${started.at(-1)!.output().slice(-6000)}` +
        (other ? `\nthe other instance's output:\n${other.output().slice(-6000)}` : ''),
    );
  expect(check.problems).toEqual([]);
  if (other) expect(other.alive()).toBe(true);

  console.log(
    `outbound fault (${prefix}): ${KILLS} SIGKILLs, ${sent} commands → ${check.outcomes.length} outcome records, ` +
      `${check.sendRequests} send requests (${all.waitMs} ms of extra wait for the last outcomes); ` +
      `FAILED with unknown outcome: ${JSON.stringify(check.unknown)} (reachedSinch: a message at the simulator)`,
  );
}
