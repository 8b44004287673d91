/**
 * End-to-end bench: signed webhook → ingress → sinch.webhooks.raw.v1 → normalizer →
 * conversation.events.v1 → agent-events → agent.events.v1. Latency is from the moment a
 * request is sent to the moment its conversation event, and then its agent event, is read
 * back (read_committed) by consumers in this process (the measurement: ./pipeline.ts). The
 * services run as child processes from their `npm run build` bundles (plain node, as in
 * production); their RSS is sampled from /proc/<pid>/status (VmRSS).
 * Run: npx tsx infra/cli.ts with-infra -- npx tsx bench/e2e/run.ts
 * E2E_SECONDS (default 20) per fixed rate; E2E_STEP_SECONDS (15) per step of the search;
 * SERVICE_NODE_OPTIONS: V8 flags for every service; INGRESS_NODE_OPTIONS: added for the ingress;
 * SERVICE_NODE_ARGS: node flags NODE_OPTIONS refuses. E2E_MODE: both (default: the services,
 * then the bare Kafka baseline of bench/e2e/bare.ts, each written to its own section of
 * bench/RESULTS.md), services, or baseline.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { bundle, buildServices } from '../../infra/build';
import { measurePipeline, type Phase } from './pipeline';

const SECONDS = Number(process.env.E2E_SECONDS ?? 20);
const STEP_SECONDS = Number(process.env.E2E_STEP_SECONDS ?? 15);
const STEPS = [1000, 1500, 2000];
const SERVICE_NODE_OPTIONS = process.env.SERVICE_NODE_OPTIONS ?? '';
// E2E_MODE: `both` (default) runs the services, then the baseline: the same topology and load
// with bench/e2e/bare.ts in their place (Kafka alone, for comparison); `services` or `baseline` runs one.
const MODE = process.env.E2E_MODE ?? 'both';
const headingOf = (baseline: boolean): string =>
  baseline ? '## End to end: bare Kafka baseline' : '## End to end';
// V8 flags NODE_OPTIONS refuses (--optimize-for-size), given to every service's node command line.
const SERVICE_NODE_ARGS = (process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
// The ingress's own V8 flags, added to SERVICE_NODE_OPTIONS: by default the heap cap its
// docker-compose.yml service sets (see bench/RESULTS.md); INGRESS_NODE_OPTIONS= (empty) for none.
const INGRESS_NODE_OPTIONS = process.env.INGRESS_NODE_OPTIONS ?? '--max-old-space-size=96';

async function main(): Promise<void> {
  if (!['both', 'services', 'baseline'].includes(MODE))
    throw new Error(`E2E_MODE=${MODE}: set it to both, services or baseline`);
  await buildServices();
  await bundle(resolve(__dirname, 'bare.ts'), 'bare');
  if (MODE !== 'baseline') await runOnce(false);
  if (MODE !== 'services') await runOnce(true);
}

async function runOnce(baseline: boolean): Promise<void> {
  const { phases, peakRss } = await measurePipeline({
    baseline,
    phases: [
      { rate: 100, seconds: SECONDS },
      { rate: 500, seconds: SECONDS },
    ],
    steps: STEPS.map((rate) => ({ rate, seconds: STEP_SECONDS })),
    serviceNodeOptions: SERVICE_NODE_OPTIONS,
    serviceNodeArgs: SERVICE_NODE_ARGS,
    ingressNodeOptions: INGRESS_NODE_OPTIONS,
    logLevel: process.env.E2E_LOG_LEVEL ?? 'warn',
  });
  writeResults(phases, peakRss, baseline);
}

function writeResults(phases: Phase[], rss: Map<string, number>, baseline: boolean): void {
  const HEADING = headingOf(baseline);
  const best = phases.filter((p) => p.sustained).reduce((m, p) => Math.max(m, p.rate), 0);
  const at500 = phases.find((p) => p.rate === 500);
  const mib = (kib: number): string => (kib / 1024).toFixed(0);
  const lines = [
    HEADING,
    '',
    `_${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, \`npx tsx bench/e2e/run.ts\` (E2E_SECONDS=${SECONDS}, E2E_STEP_SECONDS=${STEP_SECONDS}, services' NODE_OPTIONS=\`${SERVICE_NODE_OPTIONS || '(none)'}\`${SERVICE_NODE_ARGS.length > 0 ? ` and node flags \`${SERVICE_NODE_ARGS.join(' ')}\`` : ''}, the ingress's \`${INGRESS_NODE_OPTIONS || '(none)'}\`); ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; Kafka, the registry, the services and the load generator share the machine._`,
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
      : `Against the targets: p99 webhook → agent event at 500 req/s ${at500 ? at500.p99.toFixed(1) : '-'} ms (target ≤ 100 ms: ${at500 && at500.p99 <= 100 ? 'met' : 'MISSED'}); RSS ≤ 150 MiB per service: ${[...rss.values()].every((k) => k / 1024 <= 150) ? 'met' : 'MISSED'} over the run, ${at500 && Object.values(at500.rssMiB).every((m) => m <= 150) ? 'met' : 'MISSED'} at 500 req/s; highest sustained rate tried: ${best} req/s (sustained = pace kept, all acknowledged and delivered, p99 < 1 s).`,
    '',
  ];
  const file = resolve(__dirname, '..', 'RESULTS.md');
  const current = readFileSync(file, 'utf8');
  const section = lines.join('\n');
  const start = current.indexOf(`${HEADING}\n`);
  const next = start < 0 ? -1 : current.indexOf('\n## ', start + 1);
  const updated =
    start < 0
      ? `${current.trimEnd()}\n\n${section}`
      : `${current.slice(0, start)}${section}${next < 0 ? '' : current.slice(next + 1)}`;
  writeFileSync(file, updated.endsWith('\n') ? updated : `${updated}\n`);
  console.log(section);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
