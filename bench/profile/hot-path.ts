/**
 * The per-record work of the normalizer and agent-events without Kafka, in one process:
 * decode the raw webhook (Avro, the real registry), normalize it (the normalizer's handler:
 * dedup, MMS, links), encode the conversation event, decode it, the agent view
 * (agent-events' handler), encode the agent event, and every 50 records the changelog
 * records of the keys changed (StateChangelog) and the state's commit, as a batch does. No
 * transactions, fetches or heartbeats: what bench/e2e cannot separate from them on a
 * shared machine. Two trees side by side (HOT_PATH_TREES, default this one), rounds
 * alternated, the median per tree: e.g. HOT_PATH_TREES=/work/main,. for main against this.
 * Run: npx tsx infra/cli.ts with-infra -- npx tsx bench/profile/hot-path.ts
 * HOT_PATH_RECORDS (20000, 200 customers), HOT_PATH_ROUNDS (5).
 */
import { resolve } from 'node:path';
import { buildRawRecord } from '@cpm/ingress';
import { createTestEnv, inboundTextBody } from '@cpm/testkit';

const RECORDS = Number(process.env.HOT_PATH_RECORDS ?? 20_000);
const ROUNDS = Number(process.env.HOT_PATH_ROUNDS ?? 5);
const BATCH = 50;
const TREES = (process.env.HOT_PATH_TREES ?? '.').split(',').map((t) => resolve(t));

/* eslint-disable @typescript-eslint/no-explicit-any -- modules of another tree, loaded by path */
interface Tree {
  root: string;
  kafka: any;
  normalizer: any;
  normalizerConfig: any;
  agentHandler: any;
  agentConfig: any;
  agentState: any;
  platform: any;
}

async function load(root: string): Promise<Tree> {
  const m = (path: string) => import(resolve(root, path));
  return {
    root,
    kafka: await m('packages/kafka/src/index.ts'),
    normalizer: await m('services/normalizer/src/normalizer-handler.ts'),
    normalizerConfig: await m('services/normalizer/src/config.ts'),
    agentHandler: await m('services/agent-events/src/agent-events-handler.ts'),
    agentConfig: await m('services/agent-events/src/config.ts'),
    agentState: await m('services/agent-events/src/agent-state.ts'),
    platform: await m('packages/platform/src/index.ts'),
  };
}

/** One pass over `raw` with a tree's code; returns µs per record. */
async function pass(
  tree: Tree,
  codec: any,
  raw: { key: string; value: Buffer }[],
): Promise<number> {
  const { kafka, platform } = tree;
  const env = { ...process.env, TOPIC_NAMESPACE: codec.namespace };
  const metrics = platform.createMetrics('hot-path');
  const logger = platform.createLogger('hot-path', 'silent');
  const normalize = tree.normalizer.normalizerHandlerOf(
    tree.normalizerConfig.loadNormalizerConfig(env),
    metrics,
  );
  const agent = tree.agentHandler.agentEventsHandler({
    ...tree.agentConfig.agentViewSettings(tree.agentConfig.loadAgentEventsConfig(env)),
    outputTopic: 'agent.events.v1',
    metrics,
    logger,
  });
  const sides = [
    {
      state: new kafka.KeyedState(tree.normalizer.initialNormalizerState),
      changelog: new kafka.StateChangelog(tree.normalizer.normalizerChangelogLists),
    },
    {
      state: new kafka.KeyedState(tree.agentState.initialAgentState),
      changelog: new kafka.StateChangelog(tree.agentState.agentStateChangelogLists),
    },
  ];
  let scopes = sides.map((s) => s.state.scope());
  const flush = () => {
    sides.forEach((side, i) => {
      for (const [key, value, before] of scopes[i]!.changes())
        side.changelog.write(key, before, value);
      side.changelog.committed(scopes[i]!.keys);
      scopes[i]!.commit();
    });
    scopes = sides.map((s) => s.state.scope());
  };
  const ctx = (topic: string, key: string, offset: number, state: unknown) => ({
    topic,
    partition: 0,
    offset: String(offset),
    key,
    timestamp: { ms: Date.now(), type: 'CREATE_TIME' as const },
    state,
    commitThen: () => Promise.reject(new Error('no checkpoints here')),
  });
  const started = performance.now();
  for (let i = 0; i < raw.length; i++) {
    const { key, value } = raw[i]!;
    const record = await codec.decode(value);
    const emits = await normalize(record, ctx('sinch.webhooks.raw.v1', key, i, scopes[0]));
    for (const e of emits) {
      const encoded = await codec.encode(e.topic, e.value);
      if (e.topic !== 'conversation.events.v1') continue;
      const event = await codec.decode(encoded);
      for (const out of await agent(event, ctx(e.topic, e.key, i, scopes[1])))
        await codec.encode(out.topic, out.value);
    }
    if (i % BATCH === BATCH - 1) flush();
  }
  flush();
  return ((performance.now() - started) * 1000) / raw.length;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

async function main(): Promise<void> {
  const t = await createTestEnv({ database: false, partitions: 1 });
  try {
    await t.codec.register(['sinch.webhooks.raw.v1', 'conversation.events.v1', 'agent.events.v1']);
    const raw: { key: string; value: Buffer }[] = [];
    for (let i = 0; i < RECORDS; i++) {
      const body = Buffer.from(
        inboundTextBody({ appId: 'app-bench', id: `m${i}`, n: i, contacts: 200 }),
      );
      // The record the ingress writes, keyed as it keys it.
      const record = buildRawRecord({
        requestId: `r${i}`,
        body,
        parsed: JSON.parse(body.toString()) as Record<string, unknown>,
        contentType: 'application/json',
        headers: {},
        verification: { ok: true, status: 'UNSIGNED_ACCEPTED', secretIndex: -1, ageSeconds: null },
        receivedAt: Date.now(),
        instance: 'hot-path',
      });
      const value = await t.codec.encode('sinch.webhooks.raw.v1', record);
      raw.push({ key: record.customerKey, value });
    }
    const trees = await Promise.all(TREES.map(load));
    // Each tree its own codec (its own SchemaCodec class), on the schemas registered above.
    const codecs = await Promise.all(
      trees.map(async (tree) => {
        const codec = tree.kafka.SchemaCodec.connect(t.registryUrl, t.namespace);
        await codec.register([
          'sinch.webhooks.raw.v1',
          'conversation.events.v1',
          'agent.events.v1',
        ]);
        return codec;
      }),
    );
    const times = trees.map(() => [] as number[]);
    for (let round = 0; round < ROUNDS; round++)
      for (let k = 0; k < trees.length; k++) {
        const i = round % 2 === 0 ? k : trees.length - 1 - k; // alternate the order
        times[i]!.push(await pass(trees[i]!, codecs[i], raw));
      }
    console.log(
      `| tree | µs per record, median of ${ROUNDS} (${RECORDS} records, 200 customers) | all rounds |\n| --- | ---: | --- |`,
    );
    trees.forEach((tree, i) => {
      const sorted = [...times[i]!].sort((a, b) => a - b);
      console.log(
        `| ${tree.root} | ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} | ${times[i]!.map((v) => v.toFixed(1)).join(', ')} |`,
      );
    });
  } finally {
    await t.cleanup();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
