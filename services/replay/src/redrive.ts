import { randomBytes } from 'node:crypto';
import type { IHeaders, Kafka, Message } from 'kafkajs';
import type { DeadLetter } from '@cpm/contracts';
import {
  ensureTopics,
  readToEnd,
  RenewableTransactionalProducer,
  topicName,
  topicSpec,
  type SchemaCodec,
} from '@cpm/kafka';
import type { Logger } from '@cpm/platform';
import { RedriveConflictError, ReplayUsageError } from './errors';

export const REDRIVES_TOPIC = 'replay.redrives.v1';
/** The header a redriven record carries: the DLQ position it came from. */
export const REDRIVE_HEADER = 'cpm-redrive';
/** Dead letters per transaction: a transaction stays well inside its 30 s timeout. */
const PER_TRANSACTION = 200;
const ATTEMPTS = 4;

/** The value of replay.redrives.v1 (schemas/replay.redrives.v1.avsc). */
export interface Redrive {
  dlqTopic: string;
  dlqPartition: number;
  dlqOffset: string;
  errorCode: string;
  consumer: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  redrivenOffset: string;
  redrivenAt: number;
  runId: string;
}

export interface RedriveFilter {
  /** Only dead letters that failed with this code. */
  code?: string;
  /** Only dead letters whose failedAt is in [fromMs, toMs). */
  fromMs?: number;
  toMs?: number;
  /** Only dead letters of this customer key (the source record's key). */
  key?: string;
}

export interface RedriveOptions {
  kafka: Kafka;
  codec: SchemaCodec;
  namespace: string;
  partitions: number;
  logger: Logger;
}

/** One dead letter chosen, and (unless a dry run) where its copy went. */
export interface RedriveItem {
  /** `<dlq topic>:<partition>:<offset>`, the key of its redrive record. */
  position: string;
  dlq: { partition: number; offset: string };
  errorCode: string;
  consumer: string;
  key: string | null;
  failedAt: string;
  source: { topic: string; partition: number; offset: string };
  redrivenOffset: string | null;
}

export interface RedriveReport {
  dlqTopic: string;
  dryRun: boolean;
  /** Dead letters matching the filter. */
  matched: number;
  /** Of those, already redriven by an earlier run (left alone). */
  alreadyRedriven: number;
  /** Put back now (dry run: would be). */
  items: RedriveItem[];
}

const positionOf = (dlqTopic: string, partition: number, offset: string) =>
  `${dlqTopic}:${partition}:${offset}`;

function matches(d: DeadLetter, f: RedriveFilter): boolean {
  return (
    (f.code === undefined || d.errorCode === f.code) &&
    (f.fromMs === undefined || Number(d.failedAt) >= f.fromMs) &&
    (f.toMs === undefined || Number(d.failedAt) < f.toMs) &&
    (f.key === undefined || d.sourceKey?.toString() === f.key)
  );
}

/**
 * `redrive <dlq topic>`: puts the selected dead letters back on their source topic, on the
 * partition they failed on, with their key, value and headers as they were plus
 * `cpm-redrive: <dlq position>`, so that their consumer processes them again as any record.
 *
 * Each DLQ position is redriven at most once, across runs and operators: every copy is
 * written in one Kafka transaction with its record on replay.redrives.v1 (compacted, keyed
 * by DLQ position), and all runs on a DLQ share one transactional id. A run first starts
 * its transactional producer (InitProducerId: fences another run's producer, whose open
 * transaction is aborted, and returns once its last transaction is complete), then reads
 * replay.redrives.v1 to its end, so it sees every redrive committed before; a run fenced
 * meanwhile by another fails its commit, nothing of its transaction is visible, and it
 * starts again from the producer. A crash midway leaves its open transaction aborted:
 * neither the copies nor their redrive records exist.
 */
export async function redrive(
  o: RedriveOptions,
  dlqTopic: string,
  filter: RedriveFilter,
  dryRun: boolean,
): Promise<RedriveReport> {
  const spec = (() => {
    try {
      return topicSpec(dlqTopic);
    } catch {
      return null;
    }
  })();
  if (spec?.kind !== 'dlq')
    throw new ReplayUsageError(
      `${JSON.stringify(dlqTopic)} is not a DLQ topic of the catalogue (a name ending in .dlq, without the namespace)`,
    );
  await ensureTopics(o.kafka, o.namespace, o.partitions, [topicSpec(REDRIVES_TOPIC)]);
  await o.codec.register([REDRIVES_TOPIC]);
  if (dryRun) return withoutLetters(await plan(o, dlqTopic, filter, true));
  const producer = new RenewableTransactionalProducer(
    o.kafka,
    `${o.namespace || 'cpm'}.replay-redrive.${dlqTopic}`,
    o.logger,
  );
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        // Fence first, read afterwards: see above.
        await producer.renew();
        const report = await plan(o, dlqTopic, filter, false);
        await put(o, producer, dlqTopic, report.items);
        return withoutLetters(report);
      } catch (error) {
        if (attempt >= ATTEMPTS || !fenced(error)) throw error;
        o.logger.warn(
          { dlqTopic, attempt, err: (error as Error).message },
          'another redrive of this DLQ took over: reading what it did and trying again',
        );
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 800 * attempt));
      }
    }
  } catch (error) {
    if (fenced(error))
      throw new RedriveConflictError(
        `other redrives of ${dlqTopic} kept taking over (${ATTEMPTS} attempts); what was committed is on ${REDRIVES_TOPIC}: run again`,
        error,
      );
    throw error;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

type PlannedItem = RedriveItem & { letter: DeadLetter };
type Planned = Omit<RedriveReport, 'items'> & { items: PlannedItem[] };

const withoutLetters = (report: Planned): RedriveReport => ({
  ...report,
  items: report.items.map(({ letter: _letter, ...item }) => item),
});

const fenced = (error: unknown): boolean =>
  /fenced|epoch|PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|CONCURRENT_TRANSACTIONS/i.test(
    `${(error as Error)?.name} ${(error as { type?: string })?.type ?? ''} ${(error as Error)?.message}`,
  );

/** The dead letters to redrive: matching the filter, not on replay.redrives.v1 yet. */
async function plan(
  o: RedriveOptions,
  dlqTopic: string,
  filter: RedriveFilter,
  dryRun: boolean,
): Promise<Planned> {
  const done = new Set<string>();
  await readToEnd(
    o.kafka,
    [topicName(o.namespace, REDRIVES_TOPIC)],
    (batch) => {
      for (const m of batch.messages)
        if (m.key && m.value) done.add(m.key.toString());
        else if (m.key) done.delete(m.key.toString());
    },
    { groupPrefix: 'replay-redrive' },
  );
  const report: Planned = {
    dlqTopic,
    dryRun,
    matched: 0,
    alreadyRedriven: 0,
    items: [],
  };
  await readToEnd(
    o.kafka,
    [topicName(o.namespace, dlqTopic)],
    async (batch) => {
      for (const m of batch.messages) {
        if (!m.value) continue;
        const letter = await o.codec.decode<DeadLetter>(m.value);
        if (!matches(letter, filter)) continue;
        report.matched++;
        const position = positionOf(dlqTopic, batch.partition, m.offset);
        if (done.has(position)) {
          report.alreadyRedriven++;
          continue;
        }
        report.items.push({
          position,
          dlq: { partition: batch.partition, offset: m.offset },
          errorCode: letter.errorCode,
          consumer: letter.consumer,
          key: letter.sourceKey?.toString() ?? null,
          failedAt: new Date(Number(letter.failedAt)).toISOString(),
          source: {
            topic: letter.sourceTopic,
            partition: letter.sourcePartition,
            offset: letter.sourceOffset,
          },
          redrivenOffset: null,
          letter,
        });
      }
    },
    { groupPrefix: 'replay-redrive' },
  );
  report.items.sort((a, b) => a.letter.failedAt - b.letter.failedAt);
  return report;
}

/** Writes the copies and their redrive records, PER_TRANSACTION dead letters per transaction. */
async function put(
  o: RedriveOptions,
  producer: RenewableTransactionalProducer,
  dlqTopic: string,
  items: PlannedItem[],
): Promise<void> {
  const runId = randomBytes(8).toString('hex');
  for (let i = 0; i < items.length; i += PER_TRANSACTION) {
    const chunk = items.slice(i, i + PER_TRANSACTION);
    await producer.inTransaction(async (tx) => {
      // One send per record: its offset is the one its redrive record names.
      for (const item of chunk) {
        const { letter } = item;
        const headers: IHeaders = { ...(letter.sourceHeaders ?? {}) };
        headers[REDRIVE_HEADER] = item.position;
        const message: Message = {
          key: letter.sourceKey,
          value: letter.sourceValue,
          partition: letter.sourcePartition,
          headers,
        };
        const [meta] = await tx.send({ topic: letter.sourceTopic, acks: -1, messages: [message] });
        item.redrivenOffset = meta!.baseOffset ?? null;
      }
      const redrivenAt = Date.now();
      const records = await Promise.all(
        chunk.map(async (item) => {
          const value: Redrive = {
            dlqTopic,
            dlqPartition: item.dlq.partition,
            dlqOffset: item.dlq.offset,
            errorCode: item.errorCode,
            consumer: item.consumer,
            sourceTopic: item.source.topic,
            sourcePartition: item.source.partition,
            sourceOffset: item.source.offset,
            redrivenOffset: item.redrivenOffset ?? '',
            redrivenAt,
            runId,
          };
          return { key: item.position, value: await o.codec.encode(REDRIVES_TOPIC, value) };
        }),
      );
      await tx.send({ topic: topicName(o.namespace, REDRIVES_TOPIC), acks: -1, messages: records });
    });
    o.logger.info({ dlqTopic, redriven: i + chunk.length, of: items.length }, 'redriven');
  }
}
