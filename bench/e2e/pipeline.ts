/**
 * The pipeline measurement shared by the benches (bench/e2e/run.ts, bench/scale/run.ts):
 * starts the ingress and N processes each of the normalizer and agent-events (or the bare
 * Kafka baseline of bench/e2e/bare.ts), then runs phases of evenly paced signed webhooks
 * from load-generator.ts in its own process, timing each webhook to its conversation event
 * and its agent event as read back (read_committed) by consumers in this process, and
 * sampling each process's RSS (VmRSS) and, at its peak, its V8 heap from its /metrics.
 * The services run from their `npm run build` bundles: call buildServices() (and bundle
 * bare.ts) first.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { topicName } from '@cpm/kafka';
import type { ConversationEvent } from '@cpm/domain';
import type { AgentEvent } from '@cpm/contracts';
import { createTestEnv, inboundTextBody, postWebhook } from '@cpm/testkit';
import { processCpuSeconds } from '../ingress/cpu';
import {
  freePort,
  startService,
  waitForHttp,
  type ServiceProcess,
} from '../../test/faults/service-process';
import type { NodeSettings, PipelineService } from './node-settings';

const SECRET = 'bench-e2e-secret';

export interface PipelineOptions {
  /** bench/e2e/bare.ts in the services' place. */
  baseline: boolean;
  /** Processes of the normalizer and of agent-events each (default 1; the baseline: 1). */
  instances?: number;
  /** Partitions of every topic (default 3). */
  partitions?: number;
  /** Phases run one after the other. */
  phases: { rate: number; seconds: number }[];
  /** Then these, until `stop` says so (default: a phase not sustained). */
  steps: { rate: number; seconds: number }[];
  stop?: (phase: Phase) => boolean;
  /**
   * Each service's node flags and NODE_OPTIONS (./node-settings.ts: the deployment's); the
   * baseline's processes get those of the service in whose place they run.
   */
  node: Record<PipelineService, NodeSettings>;
  logLevel?: string;
}

export interface PipelineResult {
  phases: Phase[];
  /** Peak VmRSS over the run, KiB, per process name. */
  peakRss: Map<string, number>;
}

export interface Phase {
  rate: number;
  seconds: number;
  sent: number;
  acked: number;
  delivered: number; // agent events read back
  events: { p50: number; p95: number; p99: number }; // webhook → conversation event
  rssMiB: Record<string, number>; // peak VmRSS per service during the phase
  memory: Record<string, MemoryBreakdown>; // at that peak
  /**
   * CPU (user + system) per webhook, µs, per process: its CPU time from the phase's start to
   * its last agent event read, over the webhooks sent. Less sensitive than latency to what
   * else runs on the machine, so it compares versions of the services on a shared one.
   */
  cpuUsPerWebhook: Record<string, number>;
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
  /** Agent events read per second, from the phase's first request to its last agent event. */
  processedPerSecond: number;
}

/** V8 heap used / total and memory outside the heap (Buffers), MiB, from a service's /metrics. */
export interface MemoryBreakdown {
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

export async function measurePipeline(o: PipelineOptions): Promise<PipelineResult> {
  const { baseline } = o;
  const instances = o.instances ?? 1;
  const t = await createTestEnv({ database: false, partitions: o.partitions ?? 3 });
  const services: ServiceProcess[] = [];
  const peakRss = new Map<string, number>();
  try {
    const port = await freePort();
    const common = { ...t.env, LOG_LEVEL: o.logLevel ?? 'warn' };
    const envOf = (service: PipelineService) => ({
      ...common,
      NODE_OPTIONS: o.node[service].nodeOptions,
    });
    const bundled = (service: PipelineService) => ({
      bundled: true,
      nodeArgs: o.node[service].args,
    });
    // One process per instance: `normalizer`, or `normalizer-1`, `normalizer-2`, ... with several.
    const named = (service: string, i: number): string =>
      instances === 1 ? service : `${service}-${i + 1}`;
    const metricsPorts: Record<string, number> = { ingress: port };
    for (let i = 0; i < instances; i++)
      for (const service of ['normalizer', 'agent-events'])
        metricsPorts[named(service, i)] = await freePort();
    if (baseline) {
      // The baseline is what bench/e2e compares with: one process per hop.
      if (instances !== 1) throw new Error('the bare Kafka baseline runs one process per hop');
      const bare = (service: PipelineService) => ({ ...bundled(service), bundle: 'bare' });
      services.push(
        startService('ingress', 'bench/e2e/bare.ts', envOf('ingress'), {
          ...bare('ingress'),
          args: ['ingress', String(port)],
        }),
        startService('normalizer', 'bench/e2e/bare.ts', envOf('normalizer'), {
          ...bare('normalizer'),
          args: ['hop', 'sinch.webhooks.raw.v1', 'conversation.events.v1'],
        }),
        startService('agent-events', 'bench/e2e/bare.ts', envOf('agent-events'), {
          ...bare('agent-events'),
          args: ['hop', 'conversation.events.v1', 'agent.events.v1'],
        }),
      );
    } else {
      services.push(
        startService(
          'ingress',
          'services/ingress/src/main.ts',
          {
            ...envOf('ingress'),
            INGRESS_PORT: String(port),
            SINCH_WEBHOOK_SECRETS: SECRET,
            INGRESS_ENSURE_TOPICS: 'false',
          },
          bundled('ingress'),
        ),
      );
      // Default settings, as replicas run: no instance id; each its own metrics port.
      for (let i = 0; i < instances; i++)
        services.push(
          startService(
            named('normalizer', i),
            'services/normalizer/src/main.ts',
            {
              ...envOf('normalizer'),
              NORMALIZER_HTTP_PORT: String(metricsPorts[named('normalizer', i)]),
            },
            { ...bundled('normalizer'), bundle: 'normalizer' },
          ),
          startService(
            named('agent-events', i),
            'services/agent-events/src/main.ts',
            {
              ...envOf('agent-events'),
              AGENT_EVENTS_HTTP_PORT: String(metricsPorts[named('agent-events', i)]),
            },
            { ...bundled('agent-events'), bundle: 'agent-events' },
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
          void memoryBreakdown(metricsPorts[s.name]!).then((m) => m && memory.set(s.name, m));
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
    // Every consumer has joined its group and restored its partitions (the baseline's hops
    // serve no /readyz), then warm-up: the path is hot.
    if (!baseline)
      for (const s of services.slice(1))
        await waitForHttp(`http://127.0.0.1:${metricsPorts[s.name]}/readyz`, s);
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
      const cpuFrom = new Map(services.map((s) => [s.name, processCpuSeconds(s.pid)]));
      const generated = await generate(`${url}/webhooks/sinch`, rate, seconds);
      for (const [id, at] of generated.sent) sentWall.set(id, at);
      const ids = generated.sent.map(([id]) => id);
      const total = ids.length;
      const acked = generated.acked;
      const deadline = performance.now() + 15_000;
      while (ids.some((id) => !readWall.agent.has(id)) && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      const cpuUsPerWebhook: Record<string, number> = {};
      for (const s of services) {
        const from = cpuFrom.get(s.name);
        const to = processCpuSeconds(s.pid);
        if (from != null && to !== null)
          cpuUsPerWebhook[s.name] = Math.round(((to - from) * 1e6) / ids.length);
      }
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
      // Agent events per second from the phase's first request to its last agent event read:
      // the offered rate while the pipeline keeps up, what it can process once it does not.
      const firstSent = ids.reduce((m, id) => Math.min(m, sentWall.get(id)!), Infinity);
      const lastRead = ids.reduce((m, id) => Math.max(m, readWall.agent.get(id) ?? 0), 0);
      const processedPerSecond = values.length / Math.max((lastRead - firstSent) / 1000, 1e-3);
      const phase = {
        rate,
        seconds,
        processedPerSecond,
        sent: total,
        acked,
        delivered: values.length,
        events,
        legs,
        rssMiB: Object.fromEntries(
          [...phaseRss].map(([name, kib]) => [name, Math.round(kib / 1024)]),
        ),
        memory: Object.fromEntries(phaseMemory),
        cpuUsPerWebhook,
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

    const phases: Phase[] = [];
    for (const { rate, seconds } of o.phases) phases.push(await runPhase(rate, seconds));
    for (const { rate, seconds } of o.steps) {
      const phase = await runPhase(rate, seconds);
      phases.push(phase);
      if (o.stop ? o.stop(phase) : !phase.sustained) break;
    }
    clearInterval(sampler);
    for (const c of consumers) await c.disconnect();
    return { phases, peakRss };
  } finally {
    for (const s of services) await s.kill('SIGTERM');
    await t.cleanup();
  }
}
