/**
 * End-to-end bench: signed webhook → ingress → sinch.webhooks.raw.v1 → normalizer →
 * conversation.events.v1 → agent-events → agent.events.v1. Latency is from the moment a
 * request is sent to the moment its conversation event, and then its agent event, is read
 * back (read_committed) by consumers in this process (the measurement: ./pipeline.ts). The
 * services run as child processes from their `npm run build` bundles (plain node, as in
 * production); their RSS is sampled from /proc/<pid>/status (VmRSS).
 * Run: npx tsx infra/cli.ts with-infra -- npx tsx bench/e2e/run.ts
 * E2E_SECONDS (default 20) per fixed rate; E2E_STEP_SECONDS (15) per step of the search;
 * E2E_STEPS (1000,1500,2000,2500,3000,4000,5000): the search's rates, each tried while the last held;
 * Each service runs with the node flags docker-compose.yml gives it (./node-settings.ts);
 * SERVICE_NODE_OPTIONS and SERVICE_NODE_ARGS add to them, INGRESS_NODE_OPTIONS replaces the
 * ingress's NODE_OPTIONS. E2E_MODE: both (default: the services,
 * then the bare Kafka baseline of bench/e2e/bare.ts, then Kafka's own limit per hop of
 * ./kafka-limit.ts, each written to its own section of bench/RESULTS.md), services,
 * baseline, or limit. E2E_LIMIT_RECORDS (500): round trips per row of the limit.
 */
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { createTestEnv } from '@cpm/testkit';
import { bundle, buildServices } from '../../infra/build';
import { kafkaVersion } from '../../infra/local/kafka';
import { writeSection } from '../ingress/results-file';
import { limitTable, measureKafkaLimit } from './kafka-limit';
import { measurePipeline, type Phase } from './pipeline';
import { describeNodeSettings, pipelineNodeSettings } from './node-settings';

const SECONDS = Number(process.env.E2E_SECONDS ?? 20);
const STEP_SECONDS = Number(process.env.E2E_STEP_SECONDS ?? 15);
// The step search's rates: each is tried only while the one before was sustained.
const STEPS = (process.env.E2E_STEPS ?? '1000,1500,2000,2500,3000,4000,5000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
// E2E_MODE: `both` (default) runs the services, then the baseline: the same topology and load
// with bench/e2e/bare.ts in their place (Kafka alone, for comparison), then the limit (one
// record at a time through one hop, Kafka's own tools among them); `services`, `baseline` or
// `limit` runs one.
const MODE = process.env.E2E_MODE ?? 'both';
const LIMIT_RECORDS = Number(process.env.E2E_LIMIT_RECORDS ?? 500);
const RESULTS = resolve(__dirname, '..', 'RESULTS.md');
const headingOf = (baseline: boolean): string =>
  baseline ? '## End to end: bare Kafka baseline' : '## End to end';
// Each service's node settings: the deployment's (docker-compose.yml), plus the environment's.
const NODE = pipelineNodeSettings();

async function main(): Promise<void> {
  if (!['both', 'services', 'baseline', 'limit'].includes(MODE))
    throw new Error(`E2E_MODE=${MODE}: set it to both, services, baseline or limit`);
  if (MODE !== 'limit') await buildServices();
  await bundle(resolve(__dirname, 'bare.ts'), 'bare');
  const services = MODE === 'both' || MODE === 'services' ? await runOnce(false) : null;
  const bare = MODE === 'both' || MODE === 'baseline' ? await runOnce(true) : null;
  if (services && bare) writeVerdict(services, bare);
  if (MODE === 'both' || MODE === 'limit') await runLimit();
}

const machine = (): string =>
  `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`;

/** One record at a time through one hop (./kafka-limit.ts), on the same broker. */
async function runLimit(): Promise<void> {
  const t = await createTestEnv({ database: false, partitions: 1 });
  try {
    const rows = await measureKafkaLimit({
      kafka: t.kafka,
      brokers: t.brokers,
      namespace: t.namespace,
      records: LIMIT_RECORDS,
      env: { ...t.env, LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn' },
    });
    const body = [
      `_${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, \`npx tsx bench/e2e/run.ts\` (E2E_LIMIT_RECORDS=${LIMIT_RECORDS}); ${machine()}; Kafka ${kafkaVersion()} (the same single local broker as the sections above); Kafka's tools from its kafka-tools artifact._`,
      '',
      'One record (800 B) at a time through one hop, each sent once the previous one was read back, so nothing queues: what a hop costs on this broker with no load, the floor under the per-hop legs of the sections above (record → next record, record → readable). Transactional rows: a kafkajs producer (idempotent, acks=all) writes the input, the hop copies it in a transaction with the consumed offset, a kafkajs read_committed reader reads the output; only the hop differs. The plain kafkajs row is that producer and reader on one topic, without a hop. The first 20 round trips are not counted (EndToEndLatency counts all; it prints no p95).',
      '',
      ...limitTable(rows),
    ].join('\n');
    writeSection(RESULTS, "## End to end: Kafka's limit per hop", body);
    console.log(body);
  } finally {
    await t.cleanup();
  }
}

interface RunFigures {
  phases: Phase[];
  peakRss: Map<string, number>;
}

async function runOnce(baseline: boolean): Promise<RunFigures> {
  const { phases, peakRss } = await measurePipeline({
    baseline,
    phases: [
      { rate: 100, seconds: SECONDS },
      { rate: 500, seconds: SECONDS },
    ],
    steps: STEPS.map((rate) => ({ rate, seconds: STEP_SECONDS })),
    node: NODE,
    logLevel: process.env.E2E_LOG_LEVEL ?? 'warn',
  });
  writeResults(phases, peakRss, baseline);
  return { phases, peakRss };
}

const bestSustained = (phases: Phase[]): number =>
  phases.filter((p) => p.sustained).reduce((m, p) => Math.max(m, p.rate), 0);

/**
 * Issue 18's targets, as ratios of the two runs above (same run of the bench, same machine
 * state as far as one can tell): sustained rate ≥ 0.8 × the bare baseline's, p99 webhook →
 * agent event at 500 req/s ≤ 1.25 × the baseline's, RSS ≤ 150 MiB per service at every rate
 * the pipeline sustained.
 */
function writeVerdict(services: RunFigures, bare: RunFigures): void {
  const HEADING = '## End to end: against the targets';
  const [ours, theirs] = [bestSustained(services.phases), bestSustained(bare.phases)];
  const top = Math.max(...STEPS);
  const p99 = (r: RunFigures) => r.phases.find((p) => p.rate === 500)?.p99;
  const [ourP99, bareP99] = [p99(services), p99(bare)];
  const p99Ratio = ourP99 !== undefined && bareP99 ? ourP99 / bareP99 : Number.NaN;
  const overRss = services.phases
    .filter((p) => p.sustained)
    .flatMap((p) =>
      Object.entries(p.rssMiB)
        .filter(([, mib]) => mib > 150)
        .map(([name, mib]) => `${name} ${mib} MiB at ${p.rate}/s`),
    );
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const body = [
    `_${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, the two runs above (one \`npx tsx bench/e2e/run.ts\`); ${machine()}._`,
    '',
    '| target | pipeline | bare baseline | ratio | |',
    '| --- | ---: | ---: | ---: | --- |',
    `| highest sustained rate ≥ 0.8 × the baseline's | ${ours}/s | ${theirs}/s${theirs === top ? ' (the highest step tried)' : ''} | ${theirs > 0 ? (ours / theirs).toFixed(2) : '-'} | ${met(theirs > 0 && ours / theirs >= 0.8)} |`,
    `| p99 webhook → agent event at 500 req/s ≤ 1.25 × the baseline's | ${ourP99?.toFixed(0) ?? '-'} ms | ${bareP99?.toFixed(0) ?? '-'} ms | ${Number.isFinite(p99Ratio) ? p99Ratio.toFixed(2) : '-'} | ${met(p99Ratio <= 1.25)} |`,
    `| RSS ≤ 150 MiB per service at every sustained rate | ${overRss.length > 0 ? overRss.join(', ') : 'all ≤ 150 MiB'} | | | ${met(overRss.length === 0)} |`,
    '',
  ].join('\n');
  writeSection(RESULTS, HEADING, body);
  console.log(`${HEADING}\n\n${body}`);
}

function writeResults(phases: Phase[], rss: Map<string, number>, baseline: boolean): void {
  const HEADING = headingOf(baseline);
  const best = phases.filter((p) => p.sustained).reduce((m, p) => Math.max(m, p.rate), 0);
  const at500 = phases.find((p) => p.rate === 500);
  const mib = (kib: number): string => (kib / 1024).toFixed(0);
  const lines = [
    HEADING,
    '',
    `_${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, \`npx tsx bench/e2e/run.ts\` (E2E_SECONDS=${SECONDS}, E2E_STEP_SECONDS=${STEP_SECONDS}, node flags: ${describeNodeSettings(NODE)}); ${machine()}; Kafka, the registry, the services and the load generator share the machine._`,
    '',
    'Path: signed MESSAGE_INBOUND webhook (200 customers) → ingress → `sinch.webhooks.raw.v1` → normalizer (Kafka transactions) → `conversation.events.v1` → agent-events (Kafka transactions) → `agent.events.v1`, 3 partitions; each service a child process running its `npm run build` bundle. Latency: request sent → the conversation event, and the agent event, read back (read_committed) by consumers in the bench process. Requests are evenly paced, not waiting for answers.' +
      (baseline
        ? " **Baseline**: `bench/e2e/bare.ts` in each service's place, same topics, load and readers: a node:http ingress that sends each body as it is (no verification, no parsing; the same batching idempotent producer), and two hops that forward every record unchanged in Kafka transactions with the consumed offsets (the same fetch settings and one transactional producer per partition, no decoding, state or encoding). What the machine's Kafka transactions cost, without our processing."
        : ''),
    '',
    '| rate (req/s) | seconds | sent | acked | agent events | → conversation event p50 / p95 / p99 ms | → agent event p50 ms | p95 ms | p99 ms | sustained |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...phases.map(
      (p) =>
        `| ${p.rate} | ${p.seconds} | ${p.sent} | ${p.acked} | ${p.delivered} | ${p.events.p50.toFixed(1)} / ${p.events.p95.toFixed(1)} / ${p.events.p99.toFixed(1)} | ${p.p50.toFixed(1)} | ${p.p95.toFixed(1)} | ${p.p99.toFixed(1)} | ${p.sustained ? 'yes' : 'no'} |`,
    ),
    '',
    "Where the time goes (medians, ms; Kafka record timestamps are the producers' clocks on this machine): webhook sent → normalizer creates its record (ingress answer, raw record readable, fetch, decode) | → readable by a read_committed consumer (transaction commit, markers, fetch) | → agent-events creates its record | → readable.",
    '',
    '| rate | → normalizer record | → event readable | → agent record | → agent event readable |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...phases.map(
      (p) =>
        `| ${p.rate} | ${p.legs.toNormalizerRecord.toFixed(0)} | ${p.legs.toEventReadable.toFixed(0)} | ${p.legs.toAgentRecord.toFixed(0)} | ${p.legs.toAgentReadable.toFixed(0)} |`,
    ),
    '',
    "Peak RSS (VmRSS, MiB) per phase, and at that peak (from the service's /metrics): V8 heap used / heap total, and memory outside the heap (Buffers: fetched and produced record bytes):",
    '',
    `| rate | ${[...rss.keys()].map((name) => `${name} RSS | heap used / total | external`).join(' | ')} |`,
    `| ---: | ${[...rss.keys()].map(() => '---: | ---: | ---:').join(' | ')} |`,
    ...phases.map((p) => {
      const cells = [...rss.keys()].map((name) => {
        const m = p.memory[name];
        return `${p.rssMiB[name] ?? '-'} | ${m ? `${m.heapUsed} / ${m.heapTotal}` : '-'} | ${m?.external ?? '-'}`;
      });
      return `| ${p.rate} | ${cells.join(' | ')} |`;
    }),
    '',
    "CPU per webhook (user + system, µs; from the phase's start to its last agent event, tick resolution 10 ms; it includes the polling and heartbeats of an idle process, a larger share at low rates):",
    '',
    `| rate | ${[...rss.keys()].join(' | ')} |`,
    `| ---: | ${[...rss.keys()].map(() => '---:').join(' | ')} |`,
    ...phases.map(
      (p) =>
        `| ${p.rate} | ${[...rss.keys()].map((name) => p.cpuUsPerWebhook[name] ?? '-').join(' | ')} |`,
    ),
    '',
    `Peak RSS over the whole run (VmRSS): ${[...rss].map(([name, kib]) => `${name} ${mib(kib)} MiB`).join(', ')}.`,
    '',
    baseline
      ? `Kafka alone, for comparison with the section above: p99 webhook → last hop at 500 req/s ${at500 ? at500.p99.toFixed(1) : '-'} ms; highest sustained rate tried: ${best} req/s.`
      : `p99 webhook → agent event at 500 req/s ${at500 ? at500.p99.toFixed(1) : '-'} ms; peak RSS ${[...rss.values()].every((k) => k / 1024 <= 150) ? 'within' : 'over'} 150 MiB per service over the run; highest sustained rate tried: ${best} req/s (sustained = pace kept, all acknowledged and delivered, p99 < 1 s). The targets are ratios to the bare baseline of the same run: "End to end: against the targets".`,
    '',
  ];
  const body = lines.slice(2).join('\n'); // writeSection puts the heading and a blank line
  writeSection(RESULTS, HEADING, body);
  console.log(`${HEADING}\n\n${body}`);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
