/**
 * What one hop costs on this machine's broker with nothing but Kafka, one record in flight
 * at a time (a round trip per record, no load): the floor under bench/e2e's per-hop legs.
 *
 *   plain, Kafka's tool     org.apache.kafka.tools.EndToEndLatency of the broker's release
 *                           (Java producer acks=all → Java consumer, one record at a time)
 *   plain, kafkajs          the driver below alone: a kafkajs producer (idempotent, acks=all)
 *                           → a kafkajs read_committed reader (the pipeline readers' settings)
 *   transactional, kafkajs  the same driver with bench/e2e/bare.ts's `hop` between: consume,
 *                           produce, sendOffsets and commit in one transaction per batch
 *   transactional, Java     the same driver with ./TxHop.java between: the loop of Kafka's
 *                           TransactionalMessageCopier (one transaction per poll, offsets with
 *                           the group metadata) with the Java client of the broker's release
 *
 * The two transactional rows differ only in the hop (kafkajs against the Java client of the
 * broker's release); each minus the plain kafkajs row is what the transactional hop itself
 * costs. Java runs from the kafka-tools classpath of infra/local/kafka.ts.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Kafka } from 'kafkajs';
import { topicName } from '@cpm/kafka';
import { kafkaToolCommand } from '../../infra/local/kafka';
import { startService, type ServiceProcess } from '../../test/faults/service-process';

export interface LimitRow {
  hop: string;
  how: string;
  records: number;
  p50: number;
  p95: number | null; // EndToEndLatency prints no p95
  p99: number;
  p999: number;
  mean: number;
}

const EE_LATENCY = 'org.apache.kafka.tools.EndToEndLatency';
const RECORD_BYTES = 800; // about the bench's mean webhook (790 B)
const WARM_UP = 20; // round trips not counted (connections, metadata, the first transactions)

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

function summary(hop: string, how: string, latencies: number[]): LimitRow {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    hop,
    how,
    records: sorted.length,
    p50: pct(sorted, 50),
    p95: pct(sorted, 95),
    p99: pct(sorted, 99),
    p999: pct(sorted, 99.9),
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
  };
}

/** Runs a Kafka tool to its end; resolves with its stdout. */
function runTool(className: string, args: string[]): Promise<string> {
  const [command, argv] = kafkaToolCommand(className, args);
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolveRun(out) : reject(new Error(`${className} exited with ${code}: ${out}`)),
    );
  });
}

/** EndToEndLatency: sends `records` records one at a time and prints its percentiles (whole ms). */
async function endToEndLatency(brokers: string, topic: string, records: number): Promise<LimitRow> {
  const out = await runTool(EE_LATENCY, [
    '--bootstrap-server',
    brokers,
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--producer-acks',
    'all',
    '--record-size',
    String(RECORD_BYTES),
  ]);
  const mean = /Avg latency: ([\d.]+) ms/.exec(out);
  const p = /Percentiles: 50th = (\d+), 99th = (\d+), 99\.9th = (\d+)/.exec(out);
  if (!mean || !p) throw new Error(`unexpected EndToEndLatency output: ${out}`);
  return {
    hop: 'plain',
    how: "Kafka's `EndToEndLatency` (Java producer acks=all → Java consumer)",
    records,
    p50: Number(p[1]),
    p95: null,
    p99: Number(p[2]),
    p999: Number(p[3]),
    mean: Number(mean[1]),
  };
}

/**
 * Sends `records` records one at a time to `input` (kafkajs, idempotent, acks=all) and
 * waits for each on `output` (read_committed, the pipeline readers' fetch settings) before
 * the next: the latencies in ms, warm-up excluded.
 */
async function pingPong(
  kafka: Kafka,
  input: string,
  output: string,
  records: number,
): Promise<number[]> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const reader = kafka.consumer({
    groupId: `${output}.reader`,
    readUncommitted: false,
    maxWaitTimeInMs: 20,
  });
  const arrived = new Map<string, () => void>();
  await Promise.all([producer.connect(), reader.connect()]);
  try {
    await reader.subscribe({ topic: output, fromBeginning: true });
    await reader.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) arrived.get(m.key!.toString())?.();
      },
    });
    const padding = 'x'.repeat(RECORD_BYTES);
    const latencies: number[] = [];
    for (let i = 0; i < records + WARM_UP; i++) {
      const key = `r${i}`;
      const back = new Promise<void>((r, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${key} not back on ${output} in 30 s`)),
          30_000,
        );
        arrived.set(key, () => (clearTimeout(timer), r()));
      });
      const sent = performance.now();
      await producer.send({ topic: input, acks: -1, messages: [{ key, value: padding }] });
      await back;
      arrived.delete(key);
      if (i >= WARM_UP) latencies.push(performance.now() - sent);
    }
    return latencies;
  } finally {
    await Promise.all([producer.disconnect(), reader.disconnect()]);
  }
}

export interface LimitOptions {
  kafka: Kafka;
  brokers: string;
  namespace: string;
  /** Round trips measured per row. */
  records: number;
  /** The environment bench/e2e/bare.ts needs (KAFKA_BROKERS, TOPIC_NAMESPACE). */
  env: Record<string, string>;
}

/** The four rows (see the file's comment); topics `<namespace>.limit.*`, one partition each. */
export async function measureKafkaLimit(o: LimitOptions): Promise<LimitRow[]> {
  const name = (n: string): string => topicName(o.namespace, `limit.${n}`);
  const admin = o.kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: ['plain', 'tool', 'in', 'kafkajs.out', 'java.in', 'java.out'].map((n) => ({
      topic: name(n),
      numPartitions: 1,
      replicationFactor: 1,
    })),
  });
  await admin.disconnect();
  const rows: LimitRow[] = [];
  rows.push(await endToEndLatency(o.brokers, name('tool'), o.records + WARM_UP));
  console.log(JSON.stringify(rows.at(-1)));
  rows.push(
    summary(
      'plain',
      'kafkajs producer (idempotent, acks=all) → kafkajs read_committed reader (the driver of the rows below)',
      await pingPong(o.kafka, name('plain'), name('plain'), o.records),
    ),
  );
  console.log(JSON.stringify(rows.at(-1)));
  // bare.ts's hop reads `<namespace>.<in>` and writes `<namespace>.<out>`.
  const hop: ServiceProcess = startService('limit-hop', 'bench/e2e/bare.ts', o.env, {
    bundled: true,
    bundle: 'bare',
    args: ['hop', 'limit.in', 'limit.kafkajs.out'],
  });
  try {
    rows.push(
      summary(
        'transactional',
        'kafkajs: bench/e2e/bare.ts `hop` (one transaction per batch: records, sendOffsets, commit)',
        await pingPong(o.kafka, name('in'), name('kafkajs.out'), o.records),
      ),
    );
  } finally {
    await hop.kill('SIGTERM');
  }
  console.log(JSON.stringify(rows.at(-1)));
  // TxHop.java: TransactionalMessageCopier's loop, running until killed (see its comment).
  const [java, javaArgs] = kafkaToolCommand(resolve(__dirname, 'TxHop.java'), [
    o.brokers,
    name('java.in'),
    name('java.out'),
    `${name('java')}.hop`,
  ]);
  const javaHop = spawn(java, javaArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    rows.push(
      summary(
        'transactional',
        "Java client of the broker's release: `bench/e2e/TxHop.java` (TransactionalMessageCopier's loop: one transaction per poll, sendOffsetsToTransaction with the group metadata)",
        await pingPong(o.kafka, name('java.in'), name('java.out'), o.records),
      ),
    );
  } finally {
    javaHop.kill('SIGTERM');
  }
  console.log(JSON.stringify(rows.at(-1)));
  return rows;
}

/** The rows as a markdown table. */
export function limitTable(rows: LimitRow[]): string[] {
  const ms = (v: number | null): string => (v === null ? '-' : v.toFixed(1));
  return [
    '| hop | how | round trips | p50 ms | p95 ms | p99 ms | p99.9 ms | mean ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.hop} | ${r.how} | ${r.records} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${ms(r.p999)} | ${ms(r.mean)} |`,
    ),
  ];
}
