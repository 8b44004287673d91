/**
 * Ingress benchmark (docs/CONVENTIONS.md#benchmarks-in-the-repo): the real ingress (Kafka, acks=all) and a bare
 * express baseline (same signature check and JSON.parse, no Kafka), side by side in one
 * run, under the same signed MESSAGE_INBOUND load. `npm run bench:ingress`; see bench/README.md.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createKafka, deleteTopicsWithPrefix, subjectOf, topicName } from '@cpm/kafka';
import { createLogger } from '@cpm/platform';
import type { AutocannonRequest } from 'autocannon';
import { batchRate, readBatchCounters } from './batch-stats';
import { verdict, type PhaseFigures, type TargetRun } from './figures';
import { startHost, type HostProcess } from './host-process';
import { runLoad, type LoadOptions } from './load';
import { cpuMeter } from './cpu';
import { describeMachine } from './machine';
import { readingOf } from './reading';
import { writeSection } from './results-file';
import type { HostTarget } from './server-host';
import { loadBenchSettings, type BenchSettings } from './settings';
import { rateTable, throughputTable, toMarkdown, toText } from './tables';
import { signedInboundPool } from './request-pool';

const RESULTS_FILE = resolve(__dirname, '..', 'RESULTS.md');
const SECRET = 'bench-webhook-secret';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (message: string): void => {
  process.stderr.write(`[bench:ingress ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

/** One load on a running host, with the host's RSS, CPU and Kafka sends over the same span. */
async function phase(
  host: HostProcess,
  options: LoadOptions,
  brokerPid: number | null,
): Promise<PhaseFigures> {
  host.usageReset();
  const before = await readBatchCounters(host.opsUrl);
  const cpu = cpuMeter({ broker: brokerPid, load: process.pid });
  const load = await runLoad(options);
  const usage = await host.usage();
  const { broker, load: loadCpu } = cpu();
  const batches = batchRate(before, await readBatchCounters(host.opsUrl), load.seconds);
  await sleep(500);
  return {
    load,
    rssMaxMiB: usage.maxRssBytes / 2 ** 20,
    cpuPercent: usage.cpuPercent,
    brokerCpuPercent: broker ?? null,
    loadCpuPercent: loadCpu ?? 0,
    batches,
  };
}

async function measureTarget(
  target: HostTarget,
  round: number,
  s: BenchSettings,
  pool: AutocannonRequest[],
  env: NodeJS.ProcessEnv,
  brokerPid: number | null,
): Promise<TargetRun> {
  const host = await startHost(target, env);
  try {
    log(
      `${target} (round ${round}) listening after ${Math.round(host.startMs)} ms; warming up ${s.BENCH_WARMUP_SECONDS} s`,
    );
    const load = { url: host.webhookUrl, requests: pool, connections: s.BENCH_CONNECTIONS };
    await runLoad({ ...load, seconds: s.BENCH_WARMUP_SECONDS });
    log(`${target}: max throughput, ${s.BENCH_CONNECTIONS} connections, ${s.BENCH_SECONDS} s`);
    const throughput = await phase(host, { ...load, seconds: s.BENCH_SECONDS }, brokerPid);
    log(`${target}: ${s.BENCH_RATE} req/s evenly paced, ${s.BENCH_RATE_SECONDS} s`);
    const paced = await phase(
      host,
      { ...load, seconds: s.BENCH_RATE_SECONDS, rate: s.BENCH_RATE, pacing: 'paced' },
      brokerPid,
    );
    log(
      `${target}: ${s.BENCH_RATE} req/s in autocannon's per-second bursts, ${s.BENCH_RATE_SECONDS} s`,
    );
    const bursty = await phase(
      host,
      { ...load, seconds: s.BENCH_RATE_SECONDS, rate: s.BENCH_RATE, pacing: 'autocannon' },
      brokerPid,
    );
    return { target, round, startMs: host.startMs, throughput, paced, bursty };
  } finally {
    await host.stop();
    log(`${target} stopped`);
  }
}

async function cleanUp(s: BenchSettings, namespace: string): Promise<void> {
  const kafka = createKafka(
    s.KAFKA_BROKERS,
    `${namespace}-cleanup`,
    createLogger('bench', 'silent'),
  );
  await deleteTopicsWithPrefix(kafka, `${namespace}.`);
  // The ingress registered two value schemas under the namespace: remove them as well.
  for (const topic of ['sinch.webhooks.raw.v1', 'sinch.webhooks.rejected.v1']) {
    const subject = encodeURIComponent(subjectOf(topicName(namespace, topic)));
    for (const query of ['', '?permanent=true']) {
      await fetch(`${s.SCHEMA_REGISTRY_URL}/subjects/${subject}${query}`, {
        method: 'DELETE',
      }).catch(() => undefined);
    }
  }
  log(`deleted topics ${namespace}.* and their schemas`);
}

async function main(): Promise<void> {
  const s = loadBenchSettings(process.env);
  const namespace = `bench${Date.now()}`;
  const machine = await describeMachine();
  const pool = signedInboundPool({
    size: s.BENCH_POOL,
    contacts: s.BENCH_CONTACTS,
    secret: SECRET,
    path: '/webhooks/sinch',
  });
  const hostEnv: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: s.KAFKA_BROKERS,
    SCHEMA_REGISTRY_URL: s.SCHEMA_REGISTRY_URL,
    TOPIC_NAMESPACE: namespace,
    TOPIC_PARTITIONS: '12',
    BENCH_WEBHOOK_SECRET: SECRET,
  };
  const meanBody = pool.reduce((n, r) => n + (r.body?.length ?? 0), 0) / pool.length;
  log(
    `namespace ${namespace}; ${pool.length} signed MESSAGE_INBOUND bodies (mean ${Math.round(meanBody)} B); ${s.BENCH_ROUNDS} round(s)`,
  );

  const runs: TargetRun[] = [];
  const started = Date.now();
  try {
    for (let round = 1; round <= s.BENCH_ROUNDS; round++) {
      const targets = s.BENCH_TARGETS.split(',') as HostTarget[];
      const order = round % 2 === 1 ? targets : [...targets].reverse();
      for (const target of order)
        runs.push(await measureTarget(target, round, s, pool, hostEnv, machine.kafkaPid));
    }
  } finally {
    await cleanUp(s, namespace).catch((error: Error) =>
      log(`cleanup failed: ${error.message}; delete topics ${namespace}.* by hand`),
    );
  }

  const sorted = [...runs].sort((a, b) => a.target.localeCompare(b.target) || a.round - b.round);
  const v = verdict(sorted, {
    rate: s.BENCH_RATE,
    p99Ratio: s.BENCH_P99_RATIO_TARGET,
    ratio: s.BENCH_RATIO_TARGET,
  });
  const tTable = throughputTable(sorted, s.BENCH_CONNECTIONS);
  const rTable = rateTable(sorted, s.BENCH_RATE);
  const reading = readingOf(sorted, v, s);
  const verdictLines = [
    `ingress/baseline throughput: ${v.ingressOkPerSecond.toFixed(0)} / ${v.baselineOkPerSecond.toFixed(0)} req/s = ${(v.ratio * 100).toFixed(1)}% (target ≥ ${s.BENCH_RATIO_TARGET * 100}%: ${v.ratioMet ? 'met' : 'MISSED'})`,
    `ingress/baseline p99 at ${s.BENCH_RATE} req/s (evenly paced, mean of the rounds): ${v.p99Ratio.toFixed(2)}× (target ≤ ${s.BENCH_P99_RATIO_TARGET}×: ${v.p99Met ? 'met' : 'MISSED'}); worst ingress round ${v.ingressPacedP99.toFixed(2)} ms; rate sustained: ${v.sustained ? 'yes' : 'NO'}`,
    ...(v.split
      ? [
          `the Kafka write's share (baseline+kafka/baseline): throughput ${pct(v.split.kafka.throughput)}, p99 at ${s.BENCH_RATE} req/s ${v.split.kafka.p99.toFixed(2)}× (${v.pacedP99.kafka.toFixed(2)} / ${v.pacedP99.baseline.toFixed(2)} ms)`,
          `our own work's share (ingress/baseline+kafka): throughput ${pct(v.split.ours.throughput)}, p99 at ${s.BENCH_RATE} req/s ${v.split.ours.p99.toFixed(2)}× (${v.pacedP99.ingress.toFixed(2)} / ${v.pacedP99.kafka.toFixed(2)} ms)`,
        ]
      : []),
  ];
  const machineLine = `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM; Node ${machine.node}; ${machine.kafka} (single local broker), ${machine.registry}`;

  console.log(
    `\nIngress benchmark — ${machineLine}; ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
  console.log(toText(tTable));
  console.log();
  console.log(toText(rTable));
  console.log(`\n${verdictLines.join('\n')}\n\n${reading}\n`);

  if (s.BENCH_WRITE_RESULTS === 'true' || s.BENCH_WRITE_RESULTS === '1') {
    writeSection(
      RESULTS_FILE,
      '## Ingress',
      [
        `_${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, \`npm run bench:ingress\` (BENCH_SECONDS=${s.BENCH_SECONDS}, BENCH_RATE_SECONDS=${s.BENCH_RATE_SECONDS}, BENCH_WARMUP_SECONDS=${s.BENCH_WARMUP_SECONDS}, ${s.BENCH_ROUNDS} rounds, order alternated)._`,
        '',
        `Machine: ${machineLine}. Kafka, the registry, the load generator (autocannon ${autocannonVersion()}) and the server under test share this machine; each server runs in its own child process (RSS is that process's).`,
        '',
        `Load: ${pool.length} distinct signed MESSAGE_INBOUND callbacks (mean ${Math.round(meanBody)} B, ${s.BENCH_CONTACTS} customers) in rotation, one request in flight per connection (no pipelining). Ingress: TOPIC_PARTITIONS=12, acks=all, idempotent producer, ${batchingLine(process.env)}, LOG_LEVEL=silent. Baseline: the same express set-up, express.raw + signature verification + JSON.parse + 200, no Kafka. Baseline+kafka: the baseline, plus the body written as it is through the ingress's BatchingSender and idempotent producers (same count, linger and batch size, acks=all) before the 200; what the ingress adds to it is our own work.`,
        '',
        `### Max throughput (${s.BENCH_CONNECTIONS} connections, ${s.BENCH_SECONDS} s)`,
        '',
        toMarkdown(tTable),
        '',
        `### Fixed rate (${s.BENCH_RATE} req/s over ${s.BENCH_CONNECTIONS} connections, ${s.BENCH_RATE_SECONDS} s)`,
        '',
        toMarkdown(rTable),
        '',
        '### Against the targets',
        '',
        ...verdictLines.map((l) => `- ${l}`),
        '',
        '### Reading',
        '',
        reading,
      ].join('\n'),
    );
    log(`wrote the Ingress section of ${RESULTS_FILE}`);
  }
}

const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

function autocannonVersion(): string {
  return (
    JSON.parse(readFileSync(require.resolve('autocannon/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
}

function batchingLine(env: NodeJS.ProcessEnv): string {
  return `INGRESS_BATCH_LINGER_MS=${env.INGRESS_BATCH_LINGER_MS ?? '2 (default)'}, INGRESS_BATCH_MAX_RECORDS=${env.INGRESS_BATCH_MAX_RECORDS ?? '500 (default)'}, INGRESS_KAFKA_PRODUCERS=${env.INGRESS_KAFKA_PRODUCERS ?? '2 (default)'}`;
}

main().catch((error: Error) => {
  console.error(`bench:ingress failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
