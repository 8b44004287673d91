/**
 * Audit benchmark (docs/CONVENTIONS.md#benchmarks-in-the-repo): `replay audit` of one
 * conversation through the audit index next to the full scan of the three topics, with
 * 10k, 100k and 1M records in the log. `npx tsx infra/cli.ts with-infra -- npm run bench:audit`.
 * Writes "## Audit" in bench/RESULTS.md.
 */
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { ConversationEvent } from '@cpm/contracts';
import { buildRawRecord } from '@cpm/ingress';
import { topicName } from '@cpm/kafka';
import { createLogger, createMetrics } from '@cpm/platform';
import { createPool, migrate } from '@cpm/postgres';
import { AUDIT_INDEX_TOPICS, AuditIndexConsumer, AuditIndexStore } from '@cpm/projector';
import { audit, auditIndexed, type IndexedAuditStats } from '@cpm/replay';
import { keyringFromSecrets } from '@cpm/sinch-webhooks';
import { createTestEnv, loadEvent, type TestEnv } from '@cpm/testkit';
import { writeSection } from '../ingress/results-file';

const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 12);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 20_000);
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
/** The full scan is skipped where its rate measured so far says it would take longer than this. */
const FULL_SCAN_BUDGET_S = Number(process.env.BENCH_FULL_SCAN_BUDGET_S ?? 120);
/** Records of the audited conversation (half raw webhooks, half conversation events), one every STRIDE records. */
const CONVERSATION_RECORDS = 20;
const STRIDE = 51; // odd: the audited records alternate between raw webhooks and events
const RUNS = 3;
const log = (m: string) =>
  process.stderr.write(`[bench:audit ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

const rawBody = (customer: string, conversation: string, id: string) =>
  Buffer.from(
    JSON.stringify({
      app_id: 'app1',
      accepted_time: '2026-12-01T10:00:00.000Z',
      message: {
        id,
        direction: 'TO_APP',
        contact_message: { text_message: { text: `text ${id}` } },
        channel_identity: { channel: 'WHATSAPP', identity: '46700000000', app_id: '' },
        conversation_id: conversation,
        contact_id: customer,
        accept_time: '2026-12-01T10:00:00.000Z',
      },
    }),
  );

async function rawValue(env: TestEnv, customer: string, conversation: string, id: string) {
  const body = rawBody(customer, conversation, id);
  const record = buildRawRecord({
    requestId: id,
    body,
    parsed: JSON.parse(body.toString()) as Record<string, unknown>,
    contentType: 'application/json',
    headers: {},
    verification: { ok: true, status: 'UNSIGNED_ACCEPTED', secretIndex: -1, ageSeconds: null },
    receivedAt: Date.UTC(2026, 11, 1, 10),
    instance: 'bench',
  });
  return {
    key: record.customerKey,
    value: await env.codec.encode('sinch.webhooks.raw.v1', record),
  };
}

async function eventValue(env: TestEnv, i: number, customerKey?: string, conversation?: string) {
  const base = loadEvent(i, CUSTOMERS);
  const e: ConversationEvent = customerKey
    ? {
        ...base,
        eventId: `bench-${i}`,
        customerKey,
        conversationId: conversation!,
        sourceConversationId: conversation!,
      }
    : base;
  return { key: e.customerKey, value: await env.codec.encode('conversation.events.v1', e) };
}

type Message = { key: string; value: Buffer };

/**
 * Appends records [from, to) to the log: even ones raw webhooks, odd ones conversation
 * events, of CUSTOMERS customers (values encoded once per customer and reused: the bench
 * measures reading, not encoding); the audited conversation's records are spread from the
 * middle of the segment on, one every STRIDE.
 */
async function appendSegment(env: TestEnv, from: number, to: number, target: string) {
  const raw: Message[] = [];
  const events: Message[] = [];
  for (let c = 0; c < Math.min(CUSTOMERS, to - from); c++) {
    raw.push(await rawValue(env, `c${c}`, `v${c}`, `r-${c}`));
    events.push(await eventValue(env, c));
  }
  const mid = from + Math.floor((to - from) / 2);
  const producer = env.kafka.producer();
  await producer.connect();
  const out: Record<'raw' | 'event', Message[]> = { raw: [], event: [] };
  const flush = async () => {
    await Promise.all([
      out.raw.length > 0 &&
        producer.send({
          topic: topicName(env.namespace, 'sinch.webhooks.raw.v1'),
          acks: -1,
          messages: out.raw,
        }),
      out.event.length > 0 &&
        producer.send({
          topic: topicName(env.namespace, 'conversation.events.v1'),
          acks: -1,
          messages: out.event,
        }),
    ]);
    out.raw = [];
    out.event = [];
  };
  for (let i = from; i < to; i++) {
    const isTarget =
      i >= mid && (i - mid) % STRIDE === 0 && (i - mid) / STRIDE < CONVERSATION_RECORDS;
    const kind = i % 2 === 0 ? 'raw' : 'event';
    if (isTarget)
      out[kind].push(
        kind === 'raw'
          ? await rawValue(env, target, `conv-${target}`, `t-${i}`)
          : await eventValue(env, i, `app1:${target}`, `conv-${target}`),
      );
    else out[kind].push((kind === 'raw' ? raw : events)[i % raw.length]!);
    if (out.raw.length + out.event.length >= 10_000) await flush();
  }
  await flush();
  await producer.disconnect();
}

async function indexCaughtUp(env: TestEnv, store: AuditIndexStore): Promise<boolean> {
  const stored = await store.storedOffsets();
  const admin = env.kafka.admin();
  await admin.connect();
  try {
    for (const topic of AUDIT_INDEX_TOPICS)
      for (const p of await admin.fetchTopicOffsets(topicName(env.namespace, topic)))
        if (
          Number(p.offset) > 0 &&
          Number(stored.get(`${topic}:${p.partition}`) ?? -1) < Number(p.offset)
        )
          return false;
    return true;
  } finally {
    await admin.disconnect();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

interface Row {
  records: number;
  produceSeconds: number;
  indexSeconds: number;
  indexedConversation: number;
  indexedCustomer: number;
  stats: IndexedAuditStats;
  fullScan: number | null;
  fullScanRate: number | null;
  entries: number;
  same: boolean | null;
}

async function main(): Promise<void> {
  const env = await createTestEnv({ partitions: PARTITIONS });
  const pool = createPool(env.databaseUrl);
  const logger = createLogger('bench-audit', 'warn');
  await migrate(env.databaseUrl, 'projection');
  const store = new AuditIndexStore(pool, 'projection', 'projector');
  const indexer = new AuditIndexConsumer({
    kafka: env.kafka,
    codec: env.codec,
    namespace: env.namespace,
    store,
    maxBytesPerPartition: 1_048_576,
    logger,
    metrics: createMetrics('bench'),
  });
  await indexer.start();
  const options = {
    kafka: env.kafka,
    codec: env.codec,
    namespace: env.namespace,
    keyring: keyringFromSecrets([]),
    pool,
    schema: 'projection',
    projectorGroup: 'projector',
  };
  const rows: Row[] = [];
  let written = 0;
  let fullScanRate: number | null = null;
  try {
    for (const size of SIZES) {
      const target = `bench${size}`;
      log(`appending records ${written}..${size}`);
      const started = performance.now();
      const produced = await timed(() => appendSegment(env, written, size, target));
      log(`appended in ${produced.seconds.toFixed(1)} s; waiting for the audit index`);
      while (!(await indexCaughtUp(env, store))) await new Promise((r) => setTimeout(r, 200));
      const indexSeconds = (performance.now() - started) / 1000;
      log(`index caught up ${indexSeconds.toFixed(1)} s after the segment started`);
      const segment = size - written;
      written = size;

      const stats = {} as IndexedAuditStats;
      const byConversation: number[] = [];
      const byCustomer: number[] = [];
      let entries: Awaited<ReturnType<typeof auditIndexed>> = [];
      for (let run = 0; run < RUNS; run++) {
        const c = await timed(() => auditIndexed(options, `conv-${target}`, stats));
        byConversation.push(c.seconds);
        entries = c.value;
        byCustomer.push((await timed(() => auditIndexed(options, `app1:${target}`))).seconds);
      }
      let fullScan: number | null = null;
      let same: boolean | null = null;
      const predicted = fullScanRate === null ? 0 : size / fullScanRate;
      if (predicted <= FULL_SCAN_BUDGET_S) {
        log(`full scan of ${size} records`);
        const full = await timed(() => audit(options, `conv-${target}`));
        fullScan = full.seconds;
        fullScanRate = Math.round(size / full.seconds);
        same = JSON.stringify(full.value) === JSON.stringify(entries);
        if (!same) {
          const i = full.value.findIndex(
            (e, k) => JSON.stringify(e) !== JSON.stringify(entries[k]),
          );
          log(
            `first difference at ${i}: ${JSON.stringify(full.value[i])} vs ${JSON.stringify(entries[i])}`,
          );
        }
      } else
        log(
          `full scan skipped: at ${fullScanRate} records/s it would take ~${Math.round(predicted)} s`,
        );
      rows.push({
        records: size,
        produceSeconds: produced.seconds,
        indexSeconds,
        indexedConversation: median(byConversation),
        indexedCustomer: median(byCustomer),
        stats,
        fullScan,
        fullScanRate: fullScan === null ? null : fullScanRate,
        entries: entries.length,
        same,
      });
      log(
        `${size}: indexed ${median(byConversation).toFixed(2)} s (conversation) / ${median(byCustomer).toFixed(2)} s (customer), ${JSON.stringify(stats)}, full scan ${fullScan?.toFixed(1) ?? 'skipped'} s, ${entries.length} entries, same: ${same}, segment of ${segment} indexed at ${Math.round(segment / indexSeconds)} records/s`,
      );
    }
  } finally {
    await indexer.stop();
    await pool.end();
    await env.cleanup();
  }
  const n = (x: number) => x.toLocaleString('en-US');
  const table = [
    '| records in the log | indexed audit, conversation id (s) | indexed audit, customer key (s) | records read by the indexed audit (ranges + tail) / range reads | full scan (s) | full scan rate (records/s) | indexed = full scan | entries | append + index (s) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${n(r.records)} | ${r.indexedConversation.toFixed(2)} | ${r.indexedCustomer.toFixed(2)} | ${n(r.stats.rangeRecords + r.stats.tailRecords)} / ${r.stats.rounds} | ${r.fullScan === null ? 'skipped' : r.fullScan.toFixed(1)} | ${r.fullScanRate === null ? '—' : n(r.fullScanRate)} | ${r.same === null ? '—' : r.same ? 'yes' : '**no**'} | ${r.entries} | ${r.indexSeconds.toFixed(1)} |`,
    ),
  ].join('\n');
  const skipped = rows.filter((r) => r.fullScan === null);
  const body = `_${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, \`npm run bench:audit\`; ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}; Kafka, the registry, PostgreSQL and the bench share the machine, which other work was also using during the run: compare the two sides, not the absolute figures._

Load: ${PARTITIONS} partitions per topic; the log grows to each size in turn, half raw webhooks (\`sinch.webhooks.raw.v1\`) and half conversation events (\`conversation.events.v1\`) of ${n(CUSTOMERS)} customers, written with a plain kafkajs producer; in the middle of each new segment, one conversation of ${CONVERSATION_RECORDS} records (one every ${STRIDE} records of the log) is audited. The audit index is kept by the projector's own \`AuditIndexConsumer\` while the records are written (last column: from the start of the segment until the index has caught up). **indexed**: \`auditIndexed\` (services/replay/src/audit.ts), median of ${RUNS} runs: the tail past the index (empty here), the subject's customer keys, their positions read as bounded ranges. **full scan**: \`audit\`, the three topics read whole from offset 0 (\`replay audit --full-scan\`), once.${skipped.length > 0 ? ` Skipped at ${skipped.map((r) => n(r.records)).join(', ')} records: at the full scan rate measured before (${n(fullScanRate ?? 0)} records/s) it would have taken over ${FULL_SCAN_BUDGET_S} s.` : ''}

${table}`;
  writeSection(resolve(__dirname, '..', 'RESULTS.md'), '## Audit', body);
  process.stdout.write(`${table}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
