import { hostname } from 'node:os';
import { Client } from 'pg';
import type { Admin } from 'kafkajs';
import type { AgentEvent } from '@cpm/contracts';
import type { ConversationEvent } from '@cpm/domain';
import { topicName } from '@cpm/kafka';
import { createSinchSimulator, type SinchSimulator } from '@cpm/sinch-simulator';
import { createTestEnv, inboundTextBody, readTopic, type TestEnv } from '@cpm/testkit';
import {
  agentCommand,
  checkOutcomes,
  outboundSimEnv,
  readOutcomes,
  simCustomers,
} from './agent-commands';
import { groupMembers, openTransactions } from './kafka-probes';
import { rawWebhook } from './raw-webhooks';
import {
  committedEnd,
  eventually,
  freePort,
  keepLoading,
  startService,
  waitForHttp,
  verifyProjections,
  type ServiceProcess,
} from './service-process';

/**
 * Guarantees 2 and 4 with several instances of each consumer service (README "Running N
 * replicas"): normalizer, agent-events, projector and outbound, two or three processes of
 * each, while webhooks keep arriving on the raw topic and agent commands on
 * agent.commands.v1 (the outbound's, sent to a Sinch simulator). Each round, for every service at once: an
 * instance is added; one is SIGKILLed (its partitions move to the others); one is SIGSTOPped
 * while it holds a transaction open (a Kafka transaction with records written, or the
 * projector's PostgreSQL transaction), left stopped until the group has removed it and
 * handed its partitions to the others, then SIGCONTed. Afterwards every webhook gave
 * exactly one conversation event, one MESSAGE_RECEIVED agent event and one projected
 * message, and the transaction each stopped Kafka instance held was refused (aborted): its
 * records never became readable, because the instances that took its partitions over
 * processed them again; every agent command has exactly one outcome record on
 * sinch.outbound.v1 and reached the simulator at most once, a SENT one exactly once (a
 * command whose send was cut off is FAILED with an UNKNOWN_OUTCOME_* code: allowed, counted;
 * the outbound-kill test's checks, ./agent-commands.ts); and `replay verify` finds the
 * projections equal to a rebuild.
 *
 * Every instance runs with default settings, as replicas do: no instance id (transactional
 * ids belong to partitions); its group members are recognized by the client id the service
 * derives from its host name and pid. PGAPPNAME names a projector's PostgreSQL sessions.
 * FAULT_MODE=long: 10 rounds; default (CI): 1.
 */
const LONG = process.env.FAULT_MODE === 'long';
const ROUNDS = LONG ? 10 : 1;
const PARTITIONS = 6;
const PER_BATCH = 20; // every 150 ms (keepLoading's pause): about 100 webhooks/s
const COMMANDS_PER_BATCH = 4; // every 150 ms: about 25 agent commands/s (one Sinch send each)
const CUSTOMERS = 12; // simulator customers the commands go to, spread over the partitions

interface Kind {
  name: 'normalizer' | 'agent-events' | 'projector' | 'outbound';
  main: string;
  /** Environment of instance `id`: its HTTP port, and what makes it an instance of its own. */
  env(id: string, port: number): Record<string, string>;
  /** The kafkajs client ids instance `id` with process id `pid` may show in its group. */
  clientIds(id: string, pid: number): string[];
  group: string;
  /** The input topic whose assignment says which partitions a member holds. */
  input: string;
  /** Kafka transactions: the changelog every transaction writes to (partition n for input partition n). Null: PostgreSQL. */
  changelog: string | null;
}

interface Instance {
  kind: Kind;
  id: string;
  process: ServiceProcess;
  url: string;
}

/** What a stopped instance held when it was stopped, and what happened while it was. */
interface Pause {
  kind: string;
  id: string;
  /** Kafka: the first record of its open transaction, per changelog partition. */
  open: { topic: string; partition: number; offset: string }[];
  attempts: number;
  stoppedMs: number;
  /** The others were ready (had restored its partitions) before it was resumed. */
  othersReadyWhileStopped: boolean;
}

let t: TestEnv;
let sim: SinchSimulator;
let admin: Admin;
let db: Client;
const started: ServiceProcess[] = [];
const fleet: Instance[] = [];
let counter = 0;

beforeAll(async () => {
  t = await createTestEnv({ partitions: PARTITIONS });
  sim = createSinchSimulator({ delivery: { stepDelayMs: 5 } });
  await sim.start();
  admin = t.kafka.admin();
  await admin.connect();
  db = new Client({ connectionString: t.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await Promise.all(started.map((s) => s.kill('SIGTERM')));
  await sim?.stop();
  await db?.end();
  await admin?.disconnect();
  await t?.cleanup();
});

const logLevel = (): string => process.env.FAULT_LOG_LEVEL ?? 'warn';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function kinds(): Kind[] {
  const ns = t.namespace;
  return [
    {
      name: 'normalizer',
      main: 'services/normalizer/src/main.ts',
      env: (_id, port) => ({ NORMALIZER_HTTP_PORT: String(port) }),
      clientIds: (_id, pid) => [`normalizer-${hostname()}-${pid}`],
      group: topicName(ns, 'normalizer'),
      input: topicName(ns, 'sinch.webhooks.raw.v1'),
      changelog: topicName(ns, 'normalizer.state.v1'),
    },
    {
      name: 'agent-events',
      main: 'services/agent-events/src/main.ts',
      env: (_id, port) => ({ AGENT_EVENTS_HTTP_PORT: String(port) }),
      clientIds: (_id, pid) => [`agent-events-${hostname()}-${pid}`],
      group: topicName(ns, 'agent-events'),
      input: topicName(ns, 'conversation.events.v1'),
      changelog: topicName(ns, 'agent-events.state.v1'),
    },
    {
      name: 'projector',
      main: 'services/projector/src/main.ts',
      env: (id, port) => ({ PROJECTOR_HTTP_PORT: String(port), PGAPPNAME: id }),
      clientIds: () => ['projector-projector'], // one client id for every projector (its group's name)
      group: topicName(ns, 'projector'),
      input: topicName(ns, 'conversation.events.v1'),
      changelog: null,
    },
    {
      name: 'outbound',
      main: 'services/outbound/src/main.ts',
      env: (_id, port) => ({ ...outboundSimEnv(sim), OUTBOUND_HTTP_PORT: String(port) }),
      clientIds: (_id, pid) => [`outbound-${hostname()}-${pid}`],
      group: topicName(ns, 'outbound'),
      input: topicName(ns, 'agent.commands.v1'),
      changelog: topicName(ns, 'outbound.state.v1'),
    },
  ];
}

async function startInstance(kind: Kind): Promise<Instance> {
  const port = await freePort();
  const id = `${kind.name}-${++counter}`;
  const child = startService(kind.name, kind.main, {
    ...t.env,
    LOG_LEVEL: logLevel(),
    ...kind.env(id, port),
  });
  started.push(child);
  const instance = { kind, id, process: child, url: `http://127.0.0.1:${port}` };
  fleet.push(instance);
  return instance;
}

const running = (kind: Kind): Instance[] =>
  fleet.filter((i) => i.kind === kind && i.process.alive() && !i.process.paused());

const ready = (i: Instance, timeoutMs = 120_000): Promise<void> =>
  waitForHttp(`${i.url}/readyz`, i.process, timeoutMs);

async function allReady(instances: Instance[]): Promise<boolean> {
  const answers = await Promise.all(
    instances.map((i) =>
      fetch(`${i.url}/readyz`)
        .then((r) => r.ok)
        .catch(() => false),
    ),
  );
  return answers.every(Boolean);
}

/** Committed work: the output topic's committed end, or the projector's offsets in PostgreSQL. */
async function progress(kind: Kind): Promise<number> {
  if (kind.name === 'normalizer')
    return committedEnd(admin, topicName(t.namespace, 'conversation.events.v1'));
  if (kind.name === 'agent-events')
    return committedEnd(admin, topicName(t.namespace, 'agent.events.v1'));
  if (kind.name === 'outbound')
    return committedEnd(admin, topicName(t.namespace, 'sinch.outbound.v1'));
  const { rows } = await db
    .query<{ sum: string | null }>(
      'SELECT sum(next_offset)::text AS sum FROM projection.consumer_offsets',
    )
    .catch(() => ({ rows: [{ sum: null }] })); // before the first projector has migrated
  return Number(rows[0]?.sum ?? 0);
}

/** The group is stable and its members are exactly the running (not stopped) instances. */
async function groupIsRunningInstances(kind: Kind): Promise<boolean> {
  const { state, members } = await groupMembers(admin, kind.group, kind.input);
  const unmatched = running(kind).map((i) => kind.clientIds(i.id, i.process.pid));
  for (const m of members) {
    const at = unmatched.findIndex((ids) => ids.includes(m.clientId));
    if (at < 0) return false; // a member that is not a running instance (a stopped one)
    unmatched.splice(at, 1);
  }
  return state === 'Stable' && unmatched.length === 0;
}

/** SIGKILLs the oldest running instance once its kind is committing work, then waits until the others hold its partitions. */
async function killOne(kind: Kind): Promise<void> {
  const victim = running(kind)[0]!;
  const before = await progress(kind);
  expect(await eventually(async () => (await progress(kind)) > before, 60_000)).toBe(true);
  await victim.process.kill('SIGKILL');
  // The group notices after the session timeout (TransactionalProcessor 10 s, the projector's kafkajs default 30 s).
  expect({
    kind: kind.name,
    regrouped: await eventually(() => groupIsRunningInstances(kind), 90_000, 500),
  }).toEqual({ kind: kind.name, regrouped: true });
  for (const i of running(kind)) await ready(i);
}

/**
 * Kafka kinds: the partitions of `x` whose changelog has a transaction open now and still
 * at the same offset a moment later (the other instances' transactions take milliseconds;
 * only the stopped one's stays). PostgreSQL: whether its session is idle in a transaction.
 */
async function heldTransaction(kind: Kind, x: Instance): Promise<Pause['open'] | null> {
  if (!kind.changelog) {
    await sleep(300);
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle in transaction'`,
      [x.id],
    );
    return rows[0]!.n > 0 ? [] : null;
  }
  const mine = (await groupMembers(admin, kind.group, kind.input)).members.find((m) =>
    kind.clientIds(x.id, x.process.pid).includes(m.clientId),
  )?.partitions;
  if (!mine || mine.length === 0) return null;
  await sleep(300); // only `x` writes to these partitions (and a restore's seal, committed at once)
  const first = await openTransactions(t.kafka, kind.changelog);
  if (![...first.keys()].some((p) => mine.includes(p))) return null;
  await sleep(700);
  const second = await openTransactions(t.kafka, kind.changelog);
  const held = mine
    .filter((p) => first.has(p) && second.get(p) === first.get(p))
    .map((partition) => ({
      topic: kind.changelog!,
      partition,
      offset: String(first.get(partition)),
    }));
  return held.length > 0 ? held : null;
}

/**
 * SIGSTOPs a running instance at a moment it holds a transaction open (stopped and resumed
 * again until it does), keeps it stopped until the group has removed it and the others have
 * restored its partitions (or a little longer, whichever comes first; under Kafka's
 * transaction timeout of 30 s), then SIGCONTs it: it resumes where it was, with its commit.
 */
async function pauseInTransaction(kind: Kind): Promise<Pause> {
  const candidates = running(kind);
  const x = candidates[candidates.length - 1]!;
  let open: Pause['open'] | null = null;
  let attempts = 0;
  let stoppedAt = 0;
  while (!open) {
    // Per-partition transactions are short: catching one open takes 1 to 40 tries here.
    if (++attempts > 150)
      throw new Error(`${kind.name} ${x.id}: no open transaction caught in 150 SIGSTOPs`);
    x.process.pause();
    stoppedAt = Date.now();
    open = await heldTransaction(kind, x);
    if (!open) {
      x.process.resume();
      await sleep(100 + Math.random() * 400);
    }
  }
  const removed = await eventually(
    () => groupIsRunningInstances(kind),
    kind.changelog ? 22_000 : 60_000,
    250,
  );
  if (!removed) {
    x.process.resume();
    throw new Error(
      `${kind.name} ${x.id}: still in its group ${Date.now() - stoppedAt} ms after SIGSTOP`,
    );
  }
  const othersReadyWhileStopped = await eventually(() => allReady(running(kind)), 5_000, 250);
  const stoppedMs = Date.now() - stoppedAt;
  x.process.resume();
  await ready(x);
  return { kind: kind.name, id: x.id, open, attempts, stoppedMs, othersReadyWhileStopped };
}

/** Reads `topic` until every id of `expected` is in it (or 120 s pass); returns each id's count. */
async function countIds(
  topic: string,
  idOf: (value: unknown) => string | undefined,
  expected: string[],
): Promise<Map<string, number>> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const records = await readTopic(t.kafka, topicName(t.namespace, topic), {
      minRecords: expected.length,
      timeoutMs: Math.max(deadline - Date.now(), 5_000),
    });
    const counts = new Map<string, number>();
    for (const r of records) {
      const id = idOf(await t.codec.decode(r.value!));
      if (id?.startsWith('mi-')) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    if (expected.every((id) => counts.has(id)) || Date.now() > deadline) return counts;
    await sleep(1_000);
  }
}

function tally(counts: Map<string, number>, expected: string[]) {
  const missing = expected.filter((id) => !counts.has(id));
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  return {
    missing: missing.length,
    duplicated: duplicated.length,
    examples: [...missing, ...duplicated].slice(0, 5),
  };
}

it(
  `delivers every webhook exactly once and sends every agent command at most once through N instances per service, across ${ROUNDS} round(s) of add, SIGKILL and SIGSTOP`,
  async () => {
    const producer = t.kafka.producer({ idempotent: true });
    await producer.connect();
    const rawTopic = topicName(t.namespace, 'sinch.webhooks.raw.v1');
    let sent = 0;
    const load = keepLoading(1, async () => {
      const from = sent;
      const messages = await Promise.all(
        Array.from({ length: PER_BATCH }, (_, i) =>
          rawWebhook(
            t.codec,
            Buffer.from(
              inboundTextBody({
                appId: 'app-multi',
                id: `mi-${from + i}`,
                n: from + i,
                contacts: 60,
              }),
            ),
            from + i,
          ),
        ),
      );
      await producer.send({ topic: rawTopic, acks: -1, messages });
      sent = from + PER_BATCH; // acknowledged (acks=all): these must come out
    });
    const customers = await simCustomers(sim, CUSTOMERS);
    const commandTopic = topicName(t.namespace, 'agent.commands.v1');
    let commandBatches = 0;
    const commandLoad = keepLoading(1, async (batch) => {
      const messages = await Promise.all(
        Array.from({ length: COMMANDS_PER_BATCH }, (_, i) =>
          agentCommand(
            t.codec,
            `mo-${batch}-${i}`,
            customers[(batch * COMMANDS_PER_BATCH + i) % CUSTOMERS]!,
          ),
        ),
      );
      await producer.send({ topic: commandTopic, acks: -1, messages });
      commandBatches = batch + 1; // acknowledged: each must have its outcome
    });

    const all = kinds();
    try {
      for (const kind of all) for (let i = 0; i < 2; i++) await startInstance(kind);
      await Promise.all(fleet.map((i) => ready(i)));
      const pauses: Pause[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        // Every service at once: add an instance, kill one, stop one mid-transaction.
        const results = await Promise.all(
          all.map(async (kind) => {
            await ready(await startInstance(kind));
            await killOne(kind);
            return pauseInTransaction(kind);
          }),
        );
        pauses.push(...results);
        console.log(`multi-instance fault, round ${round}: ${JSON.stringify(results)}`);
      }
      await Promise.all([load.finish(), commandLoad.finish()]);
      await producer.disconnect();

      const expected = Array.from({ length: sent }, (_, n) => `mi-${n}`);
      const events = await countIds(
        'conversation.events.v1',
        (v) => (v as ConversationEvent).message?.id,
        expected,
      );
      const agent = await countIds(
        'agent.events.v1',
        (v) =>
          (v as AgentEvent).type === 'MESSAGE_RECEIVED' ? (v as AgentEvent).message?.id : undefined,
        expected,
      );
      const projected = async (): Promise<number> =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM projection.messages WHERE message_id LIKE 'mi-%'`,
          )
        ).rows[0]!.n;
      await eventually(async () => (await projected()) >= sent, 120_000, 1_000);
      const rows = await projected(); // message_id is the key: a row per message at most

      // The records each stopped Kafka instance had written in its open transaction: aborted
      // (never readable) if its late commit was refused.
      const lateCommitsVisible: Pause['open'] = [];
      for (const topic of new Set(pauses.flatMap((p) => p.open.map((o) => o.topic)))) {
        const records = await readTopic(t.kafka, topic);
        for (const o of pauses.flatMap((p) => p.open).filter((o) => o.topic === topic))
          if (records.some((r) => r.partition === o.partition && r.offset === o.offset))
            lateCommitsVisible.push(o);
      }

      const commandIds = Array.from({ length: commandBatches }, (_, b) =>
        Array.from({ length: COMMANDS_PER_BATCH }, (_, i) => `mo-${b}-${i}`),
      ).flat();
      const outcomes = await readOutcomes(
        t.kafka,
        topicName(t.namespace, 'sinch.outbound.v1'),
        commandIds.length,
      );
      const commands = await checkOutcomes({
        codec: t.codec,
        sim,
        records: outcomes.records,
        prefix: 'mo',
        ids: commandIds,
      });
      console.log(
        `multi-instance fault: ${commandIds.length} agent commands → ${commands.outcomes.length} outcome records, ` +
          `${commands.sendRequests} send requests (${outcomes.waitMs} ms of wait for the outcomes); ` +
          `FAILED with unknown outcome: ${JSON.stringify(commands.unknown)} (reachedSinch: a message at the simulator)`,
      );

      const outcome = {
        conversationEvents: tally(events, expected),
        agentEvents: tally(agent, expected),
        projectedMessages: sent - rows,
        lateCommitsVisible,
        agentCommandProblems: commands.problems.slice(0, 10),
      };
      console.log(
        `multi-instance fault: ${ROUNDS} round(s), ${sent} webhooks, ${commandIds.length} agent commands, ${fleet.length} instances started; ${JSON.stringify(outcome)}`,
      );
      expect(outcome).toEqual({
        conversationEvents: { missing: 0, duplicated: 0, examples: [] },
        agentEvents: { missing: 0, duplicated: 0, examples: [] },
        projectedMessages: 0,
        lateCommitsVisible: [],
        agentCommandProblems: [],
      });
      // The projections the instances wrote are what a rebuild from the log gives: with the
      // group's projectors stopped, one started for the check holds every partition.
      await Promise.all(
        fleet.filter((i) => i.kind.name === 'projector').map((i) => i.process.kill('SIGTERM')),
      );
      await verifyProjections(t.env, { partitions: PARTITIONS });
    } catch (error) {
      for (const i of fleet)
        console.error(
          `--- ${i.id} (alive: ${i.process.alive()}), last output:\n${i.process.output().slice(-2000)}`,
        );
      throw error;
    } finally {
      await load.finish().catch(() => undefined);
      await commandLoad.finish().catch(() => undefined);
    }
  },
  (LONG ? 40 : 8) * 60_000,
);
