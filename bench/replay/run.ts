/**
 * Replay benchmark (docs/CONVENTIONS.md#benchmarks-in-the-repo): the projection rebuild (decode + set-based
 * PostgreSQL writes + offsets, services/replay rebuildInto) next to a plain kafkajs consume
 * of the same topic, in one run, at 10k and 100k events; peak memory of each phase.
 * `npx tsx infra/cli.ts with-infra -- npm run bench:replay`. Writes "## Replay" in bench/RESULTS.md.
 */
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { Kafka } from 'kafkajs';
import { readToEnd, topicName, type SchemaCodec } from '@cpm/kafka';
import { createPool, migrate } from '@cpm/postgres';
import type { Pool } from 'pg';
import { decodeBatch, ProjectionStore, type ProjectedRecord } from '@cpm/projector';
import { loadEvent, createTestEnv, type TestEnv } from '@cpm/testkit';
import { rebuildInto } from '@cpm/replay';
import { writeSection } from '../ingress/results-file';

const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 6);
const CUSTOMERS = 2000;
const MAX_BYTES = Number(process.env.BENCH_MAX_BYTES ?? 1_048_576); // fetch size per partition of the rebuild (REPLAY_MAX_BYTES_PER_PARTITION)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 3); // partitions written at once
const SIZES = [10_000, 100_000, 200_000];
const log = (m: string) =>
  process.stderr.write(`[bench:replay ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

/** Peak RSS and heap while `fn` runs, sampled every 50 ms. */
async function withMemory<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; rssMiB: number; heapMiB: number; liveHeapMiB: number }> {
  global.gc?.();
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 50);
  try {
    const value = await fn();
    sample();
    // What the phase still holds once it is over: the heap after a full GC (needs --expose-gc,
    // which `npm run bench:replay` passes). Peaks alone say more about GC laziness than retention.
    global.gc?.();
    const liveHeapMiB = global.gc ? Math.round(process.memoryUsage().heapUsed / 2 ** 20) : NaN;
    return {
      value,
      rssMiB: Math.round(rss / 2 ** 20),
      heapMiB: Math.round(heap / 2 ** 20),
      liveHeapMiB,
    };
  } finally {
    clearInterval(timer);
  }
}

async function produce(env: TestEnv, from: number, to: number): Promise<void> {
  const producer = env.kafka.producer({ idempotent: true });
  await producer.connect();
  const topic = topicName(env.namespace, 'conversation.events.v1');
  for (let i = from; i < to; i += 2000) {
    const messages = await Promise.all(
      Array.from({ length: Math.min(2000, to - i) }, async (_, k) => {
        const e = loadEvent(i + k, CUSTOMERS);
        return { key: e.customerKey, value: await env.codec.encode('conversation.events.v1', e) };
      }),
    );
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
}

/**
 * The baseline: a kafkajs consumer that reads the topic to its end and does nothing with the
 * records; with `codec`, the reference that also does the Avro decode any reader of the topic does.
 */
async function plainConsume(
  kafka: Kafka,
  topic: string,
  expected: number,
  codec?: SchemaCodec,
): Promise<number> {
  const consumer = kafka.consumer({
    groupId: `bench-${codec ? 'decode' : 'plain'}-${randomBytes(4).toString('hex')}`,
    maxBytesPerPartition: 4_194_304,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const started = Date.now();
  let seen = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      if (codec) for (const m of batch.messages) await codec.decode(m.value!);
      seen += batch.messages.length;
      if (seen >= expected) done();
    },
  });
  await finished;
  const seconds = (Date.now() - started) / 1000;
  await consumer.disconnect();
  return seconds;
}

/**
 * Reference: PostgreSQL alone. The same batches (read and decoded beforehand, untimed) written
 * by the same ProjectionStore into a fresh schema, CONCURRENCY partitions at once: the
 * ceiling a rebuild can reach on this machine, whatever the Kafka side does.
 */
async function postgresAlone(env: TestEnv, pool: Pool, schema: string): Promise<number> {
  const perPartition = new Map<number, { records: ProjectedRecord[]; next: string }[]>();
  await readToEnd(
    env.kafka,
    [topicName(env.namespace, 'conversation.events.v1')],
    async (batch) => {
      const { records } = await decodeBatch(
        env.codec,
        'conversation.events.v1',
        batch.partition,
        batch.messages,
      );
      const list = perPartition.get(batch.partition) ?? [];
      list.push({ records, next: batch.nextOffset });
      perPartition.set(batch.partition, list);
    },
    { maxBytesPerPartition: MAX_BYTES, concurrency: CONCURRENCY },
  );
  await migrate(env.databaseUrl, schema);
  const store = new ProjectionStore(pool, schema, 'projector', false);
  const queue = [...perPartition.entries()];
  const started = Date.now();
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      for (const b of item[1])
        await store.apply('conversation.events.v1', item[0], b.records, b.next);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return (Date.now() - started) / 1000;
}

interface Row {
  events: number;
  plainRate: number;
  decodeRate: number;
  postgresRate: number;
  rebuildRate: number;
  ratio: number;
  rebuildSeconds: number;
  plainRss: number;
  rebuildRss: number;
  rebuildHeap: number;
  liveHeap: number;
  decodeSeconds: number;
  writeSeconds: number;
}

function verdict(rows: Row[]): string {
  const big = rows[rows.length - 1]!;
  const small = rows[0]!;
  const rate =
    big.rebuildRate >= 30_000
      ? 'rate met'
      : `rate NOT met (${big.rebuildRate.toLocaleString('en-US')}/s)`;
  const ratio = big.ratio >= 50 ? 'ratio met' : `ratio NOT met (${big.ratio}%)`;
  const mid = rows[rows.length - 2] ?? small;
  const peakGrowth = Math.round(
    (100 * (big.rebuildHeap - mid.rebuildHeap)) / Math.max(1, mid.rebuildHeap),
  );
  const n = (r: Row) => r.events.toLocaleString('en-US');
  return (
    `${rate}; ${ratio} (PostgreSQL alone writes ${big.postgresRate.toLocaleString('en-US')}/s, ${Math.round((100 * big.postgresRate) / big.plainRate)}% of the plain consume); ` +
    `peak heap ${rows.map((r) => r.rebuildHeap).join(' / ')} MiB and heap after GC ${rows.map((r) => r.liveHeap).join(' / ')} MiB at ${rows.map(n).join(' / ')} events ` +
    `(${peakGrowth >= 0 ? '+' : ''}${peakGrowth}% peak from ${n(mid)} to ${n(big)})`
  );
}

async function main(): Promise<void> {
  const env = await createTestEnv({ partitions: PARTITIONS });
  const pool = createPool(env.databaseUrl, { max: 6 });
  const rows: Row[] = [];
  try {
    let produced = 0;
    for (const size of SIZES) {
      log(`producing events ${produced}..${size}`);
      await produce(env, produced, size);
      produced = size;
      const topic = topicName(env.namespace, 'conversation.events.v1');
      const plain = await withMemory(() => plainConsume(env.kafka, topic, size));
      const schema = `bench_${size}`;
      await migrate(env.databaseUrl, schema);
      log(`rebuilding ${size} events into ${schema}`);
      const rebuild = await withMemory(() =>
        rebuildInto({
          kafka: env.kafka,
          codec: env.codec,
          pool,
          namespace: env.namespace,
          schema,
          group: 'projector',
          maxBytesPerPartition: MAX_BYTES,
          concurrency: CONCURRENCY,
        }),
      );
      const plainRate = Math.round(size / plain.value);
      const decodeRate = Math.round(size / (await plainConsume(env.kafka, topic, size, env.codec)));
      log(`writing the same ${size} events into PostgreSQL alone`);
      const postgresRate = Math.round(size / (await postgresAlone(env, pool, `bench_pg_${size}`)));
      const rebuildRate = Math.round(rebuild.value.records / rebuild.value.seconds);
      rows.push({
        events: size,
        plainRate,
        decodeRate,
        postgresRate,
        rebuildRate,
        ratio: Math.round((100 * rebuildRate) / plainRate),
        rebuildSeconds: rebuild.value.seconds,
        plainRss: plain.rssMiB,
        rebuildRss: rebuild.rssMiB,
        rebuildHeap: rebuild.heapMiB,
        liveHeap: rebuild.liveHeapMiB,
        decodeSeconds: rebuild.value.decodeSeconds,
        writeSeconds: rebuild.value.writeSeconds,
      });
      log(
        `${size}: plain ${plainRate}/s, plain+decode ${decodeRate}/s, PostgreSQL alone ${postgresRate}/s, rebuild ${rebuildRate}/s (${JSON.stringify(rebuild.value)}), rebuild peak RSS ${rebuild.rssMiB} MiB`,
      );
    }
  } finally {
    await pool.end();
    await env.cleanup();
  }
  const table = [
    '| events in topic | plain kafkajs consume (events/s) | plain consume + Avro decode (events/s) | PostgreSQL writes alone (events/s) | rebuild (events/s) | rebuild / plain | rebuild / PostgreSQL alone | rebuild time s | peak RSS MiB plain / rebuild | peak heap MiB rebuild | heap after GC MiB | rebuild decode s / write s (summed over partitions) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.events.toLocaleString('en-US')} | ${r.plainRate.toLocaleString('en-US')} | ${r.decodeRate.toLocaleString('en-US')} | ${r.postgresRate.toLocaleString('en-US')} | ${r.rebuildRate.toLocaleString('en-US')} | ${r.ratio}% | ${Math.round((100 * r.rebuildRate) / r.postgresRate)}% | ${r.rebuildSeconds.toFixed(1)} | ${r.plainRss} / ${r.rebuildRss} | ${r.rebuildHeap} | ${r.liveHeap} | ${r.decodeSeconds.toFixed(1)} / ${r.writeSeconds.toFixed(1)} |`,
    ),
  ].join('\n');
  const body = `_${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, \`npm run bench:replay\`; ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}; Kafka, the registry, PostgreSQL and the bench share the machine._

Load: \`conversation.events.v1\` with ${PARTITIONS} partitions, MESSAGE_RECEIVED events of ${CUSTOMERS} customers (Avro, produced with the codec). The 100k row reads the same topic after 90k more events were added. **plain**: a kafkajs consumer (3 partitions at once, 4 MiB fetches) that only counts records; **plain + decode**: the same, Avro-decoding every value; **PostgreSQL alone**: the same batches, read and decoded beforehand (untimed), written by the same ProjectionStore into a fresh schema, ${CONCURRENCY} partitions at once: the writer's ceiling on this machine. **rebuild**: \`rebuildInto\` of services/replay: the same reads (${MAX_BYTES} B fetches per partition), Avro decode, collapse per key, one \`INSERT ... SELECT FROM unnest\` per table and batch plus the offsets, one transaction per fetched partition batch (${CONCURRENCY} at once), into a fresh schema. Memory: peak RSS / heap of the bench process during each phase (sampled every 50 ms).

${table}

Targets (issue 7): rebuild ≥ 30,000 events/s, ≥ 50% of the plain consume, memory flat as the log grows. This run: ${verdict(rows)}.`;
  writeSection(resolve(__dirname, '..', 'RESULTS.md'), '## Replay', body);
  process.stdout.write(`${table}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
