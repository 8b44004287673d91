/**
 * End-to-end bench: signed webhook → ingress → sinch.webhooks.raw.v1 → normalizer →
 * conversation.events.v1 → agent-events → agent.events.v1. Latency is from the moment a
 * request is sent to the moment its conversation event, and then its agent event, is read
 * back (read_committed) by consumers in this process. The services run as child processes
 * from their `npm run build` bundles (plain node, as in production); their RSS is sampled
 * from /proc/<pid>/status (VmRSS).
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
import { topicName } from '@cpm/kafka';
import type { ConversationEvent } from '@cpm/domain';
import type { AgentEvent } from '@cpm/contracts';
import { bundle, buildServices } from '../../infra/build';
import { createTestEnv, inboundTextBody, postWebhook } from '@cpm/testkit';
import { spawn } from 'node:child_process';
import {
  freePort,
  startService,
  waitForHttp,
  type ServiceProcess,
} from '../../test/faults/service-process';

const SECRET = 'bench-e2e-secret';
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

interface Phase {
  rate: number;
  seconds: number;
  sent: number;
  acked: number;
  delivered: number; // agent events read back
  events: { p50: number; p95: number; p99: number }; // webhook → conversation event
  rssMiB: Record<string, number>; // peak VmRSS per service during the phase
  memory: Record<string, MemoryBreakdown>; // at that peak
  legs: {
    toNormalizerRecord: number;
    toEventReadable: number;
    toAgentRecord: number;
    toAgentReadable: number;
  };
  p50: number; // webhook → agent event
  p95: number;
  p99: number;
  sustained: boolean;
}

/** V8 heap used / total and memory outside the heap (Buffers), MiB, from a service's /metrics. */
interface MemoryBreakdown {
  heapUsed: number;
  heapTotal: number;
  external: number;
}

async function memoryBreakdown(port: number): Promise<MemoryBreakdown | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    if (!response.ok) return null; // the baseline's processes have no metrics
    const text = await response.text();
    const value = (name: string) =>
      Math.round(
        Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20,
      );
    return {
      heapUsed: value('nodejs_heap_size_used_bytes'),
      heapTotal: value('nodejs_heap_size_total_bytes'),
      external: value('nodejs_external_memory_bytes'),
    };
  } catch {
    return null;
  }
}

const pct = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
/** What the baseline's records are: the inbound webhook body. */
interface SinchBody {
  message?: { id?: string };
}
interface Generated {
  sent: [string, number][];
  acked: number;
  sendSeconds: number;
  maxLagMs: number;
}

/** Runs bench/e2e/load-generator.ts in its own process for one phase. */
function generate(url: string, rate: number, seconds: number): Promise<Generated> {
  return new Promise((resolvePhase, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(__dirname, 'load-generator.ts')],
      {
        env: {
          ...process.env,
          GEN_URL: url,
          GEN_SECRET: SECRET,
          GEN_RATE: String(rate),
          GEN_SECONDS: String(seconds),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolvePhase(JSON.parse(out) as Generated)
        : reject(new Error(`load generator exited with ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  if (!['both', 'services', 'baseline'].includes(MODE))
    throw new Error(`E2E_MODE=${MODE}: set it to both, services or baseline`);
  await buildServices();
  await bundle(resolve(__dirname, 'bare.ts'), 'bare');
  if (MODE !== 'baseline') await runOnce(false);
  if (MODE !== 'services') await runOnce(true);
}

async function runOnce(baseline: boolean): Promise<void> {
  const t = await createTestEnv({ database: false, partitions: 3 });
  const services: ServiceProcess[] = [];
  const peakRss = new Map<string, number>();
  try {
    const port = await freePort();
    // SERVICE_NODE_OPTIONS: V8 flags for the services (the same the Dockerfile sets), for comparisons.
    const common = {
      ...t.env,
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
      NODE_OPTIONS: SERVICE_NODE_OPTIONS,
    };
    const bundled = { bundled: true, nodeArgs: SERVICE_NODE_ARGS };
    const metricsPorts = {
      ingress: port,
      normalizer: await freePort(),
      'agent-events': await freePort(),
    };
    const ingressEnv = {
      ...common,
      NODE_OPTIONS: `${SERVICE_NODE_OPTIONS} ${INGRESS_NODE_OPTIONS}`.trim(),
    };
    if (baseline) {
      const bare = { ...bundled, bundle: 'bare' };
      services.push(
        startService('ingress', 'bench/e2e/bare.ts', ingressEnv, {
          ...bare,
          args: ['ingress', String(port)],
        }),
        startService('normalizer', 'bench/e2e/bare.ts', common, {
          ...bare,
          args: ['hop', 'sinch.webhooks.raw.v1', 'conversation.events.v1'],
        }),
        startService('agent-events', 'bench/e2e/bare.ts', common, {
          ...bare,
          args: ['hop', 'conversation.events.v1', 'agent.events.v1'],
        }),
      );
    } else {
      services.push(
        startService(
          'ingress',
          'services/ingress/src/main.ts',
          {
            ...ingressEnv,
            INGRESS_PORT: String(port),
            SINCH_WEBHOOK_SECRETS: SECRET,
            INGRESS_ENSURE_TOPICS: 'false',
          },
          bundled,
        ),
        startService(
          'normalizer',
          'services/normalizer/src/main.ts',
          { ...common, NORMALIZER_HTTP_PORT: String(metricsPorts.normalizer) },
          bundled,
        ),
        startService(
          'agent-events',
          'services/agent-events/src/main.ts',
          { ...common, AGENT_EVENTS_HTTP_PORT: String(metricsPorts['agent-events']) },
          bundled,
        ),
      );
    }
    const ingress = services[0]!;
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/healthz`, ingress);
    let phaseRss = new Map<string, number>(); // peak per service during the current phase
    // Where each service's memory is at its phase peak (prom-client's default metrics, MiB).
    let phaseMemory = new Map<string, MemoryBreakdown>();
    const scraped = new Map<string, number>();
    const sampler = setInterval(() => {
      for (const s of services) {
        const rss = s.rssKiB() ?? 0;
        peakRss.set(s.name, Math.max(peakRss.get(s.name) ?? 0, rss));
        if (rss > (phaseRss.get(s.name) ?? 0)) {
          phaseRss.set(s.name, rss);
          // At most one scrape a second per service, and only when its RSS grew: it costs the service some CPU.
          if (performance.now() - (scraped.get(s.name) ?? 0) < 1_000) continue;
          scraped.set(s.name, performance.now());
          const memory = phaseMemory;
          void memoryBreakdown(metricsPorts[s.name as keyof typeof metricsPorts]).then(
            (m) => m && memory.set(s.name, m),
          );
        }
      }
    }, 250);

    // Wall-clock times (ms) per message id: sent (by the generator process), the Kafka record
    // timestamps of its conversation event and agent event (the producers' clocks, same
    // machine), and when this process read each back.
    const sentWall = new Map<string, number>();
    const produced = { events: new Map<string, number>(), agent: new Map<string, number>() };
    const readWall = { events: new Map<string, number>(), agent: new Map<string, number>() };
    const readBack = async (
      topic: string,
      leg: 'events' | 'agent',
      idOf: (value: unknown) => string | undefined,
    ) => {
      const consumer = t.kafka.consumer({
        groupId: `bench-e2e-${topic}-${t.namespace}`,
        readUncommitted: false,
        maxWaitTimeInMs: 20,
      });
      await consumer.connect();
      await consumer.subscribe({ topic: topicName(t.namespace, topic), fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch }) => {
          const wall = Date.now();
          for (const m of batch.messages) {
            const id = idOf(
              baseline ? JSON.parse(m.value!.toString()) : await t.codec.decode(m.value!),
            );
            if (id && !readWall[leg].has(id)) {
              produced[leg].set(id, Number(m.timestamp));
              readWall[leg].set(id, wall);
            }
          }
        },
      });
      return consumer;
    };
    const consumers = [
      // The baseline forwards the webhook bodies themselves.
      await readBack('conversation.events.v1', 'events', (v) =>
        baseline ? (v as SinchBody).message?.id : (v as ConversationEvent).message?.id,
      ),
      await readBack('agent.events.v1', 'agent', (v) =>
        baseline
          ? (v as SinchBody).message?.id
          : (v as AgentEvent).type === 'MESSAGE_RECEIVED'
            ? (v as AgentEvent).message?.id
            : undefined,
      ),
    ];
    // Warm-up: every service has joined and the path is hot.
    let n = 0;
    for (;;) {
      const id = `warm-${n++}`;
      await postWebhook(
        `${url}/webhooks/sinch`,
        inboundTextBody({ appId: 'app-bench', id, n, contacts: 200 }),
        { secret: SECRET },
      );
      await new Promise((r) => setTimeout(r, 100));
      if (readWall.agent.has(id)) break;
      if (n > 600) {
        for (const svc of services)
          console.error(
            `--- ${svc.name} (alive: ${svc.alive()}), last output:\n${svc.output().slice(-3000)}`,
          );
        throw new Error('no agent event came back in 60 s of warm-up');
      }
    }

    const runPhase = async (rate: number, seconds: number): Promise<Phase> => {
      phaseRss = new Map();
      phaseMemory = new Map();
      const generated = await generate(`${url}/webhooks/sinch`, rate, seconds);
      for (const [id, at] of generated.sent) sentWall.set(id, at);
      const ids = generated.sent.map(([id]) => id);
      const total = ids.length;
      const acked = generated.acked;
      const deadline = performance.now() + 15_000;
      while (ids.some((id) => !readWall.agent.has(id)) && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      const spans = (f: (id: string) => number | undefined): number[] =>
        ids
          .map(f)
          .filter((v): v is number => v !== undefined && Number.isFinite(v))
          .sort((a, b) => a - b);
      const sorted = spans((id) => readWall.agent.get(id)! - sentWall.get(id)!);
      const eventsSorted = spans((id) => readWall.events.get(id)! - sentWall.get(id)!);
      const p99 = pct(sorted, 99);
      const events = {
        p50: pct(eventsSorted, 50),
        p95: pct(eventsSorted, 95),
        p99: pct(eventsSorted, 99),
      };
      const sendSeconds = generated.sendSeconds;
      const values = sorted;
      // Where the time goes (medians, ms): webhook sent → normalizer's record created → readable
      // (transaction committed, fetched) → agent-events' record created → readable.
      const median = (f: (id: string) => number | undefined): number => pct(spans(f), 50);
      const legs = {
        toNormalizerRecord: median((id) => produced.events.get(id)! - sentWall.get(id)!),
        toEventReadable: median((id) => readWall.events.get(id)! - produced.events.get(id)!),
        toAgentRecord: median((id) => produced.agent.get(id)! - produced.events.get(id)!),
        toAgentReadable: median((id) => readWall.agent.get(id)! - produced.agent.get(id)!),
      };
      // Sustained: the generator kept the pace (within 5%), everything acked and delivered, p99 under 1 s.
      const sustained =
        sendSeconds <= seconds * 1.05 && acked === total && values.length === total && p99 < 1000;
      const phase = {
        rate,
        seconds,
        sent: total,
        acked,
        delivered: values.length,
        events,
        legs,
        rssMiB: Object.fromEntries(
          [...phaseRss].map(([name, kib]) => [name, Math.round(kib / 1024)]),
        ),
        memory: Object.fromEntries(phaseMemory),
        p50: pct(sorted, 50),
        p95: pct(sorted, 95),
        p99,
        sustained,
      };
      console.log(JSON.stringify(phase));
      if (values.length < total)
        for (const svc of services)
          console.error(
            `--- ${svc.name} (alive: ${svc.alive()}), last output:\n${svc.output().slice(-3000)}`,
          );
      return phase;
    };

    const phases = [await runPhase(100, SECONDS), await runPhase(500, SECONDS)];
    for (const rate of STEPS) {
      const phase = await runPhase(rate, STEP_SECONDS);
      phases.push(phase);
      if (!phase.sustained) break;
    }
    clearInterval(sampler);
    for (const c of consumers) await c.disconnect();
    writeResults(phases, peakRss, baseline);
  } finally {
    for (const s of services) await s.kill('SIGTERM');
    await t.cleanup();
  }
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
