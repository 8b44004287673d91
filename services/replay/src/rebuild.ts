import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { readToEnd, topicName, type SchemaCodec } from '@cpm/kafka';
import {
  AUDIT_INDEX_TOPICS,
  AuditIndexStore,
  auditIndexRows,
  decodeBatch,
  INPUT_TOPICS,
  logicalTopic,
  ProjectionStore,
  type AuditIndexTopic,
} from '@cpm/projector';
import type { Progress } from './progress';

export interface RebuildOptions {
  kafka: Kafka;
  codec: SchemaCodec;
  pool: Pool;
  namespace: string;
  /** Target schema, already migrated. */
  schema: string;
  group: string;
  maxBytesPerPartition: number;
  progress?: (total: number) => Progress;
  /** Partitions concurrently written (one transaction each). */
  concurrency?: number;
}

export interface RebuildResult {
  records: number;
  /** Records of the audit index's topics indexed, after the projections. */
  indexed: number;
  indexSeconds: number;
  skipped: number;
  /** The projections' time (the audit index's is `indexSeconds`). */
  seconds: number;
  /** Time spent decoding and writing, summed over the partitions handled at once. */
  decodeSeconds: number;
  writeSeconds: number;
}

/**
 * Projects conversation.events.v1 and conversation.media.v1 into `schema` with the
 * projector's own store, from the offsets already stored there (none: offset 0) to the
 * end of the log as it is now. Reads only; writes only PostgreSQL: a replay never sends,
 * downloads or notifies, and undecodable records are counted, not dead-lettered.
 */
export async function rebuildInto(o: RebuildOptions): Promise<RebuildResult> {
  const started = Date.now();
  const store = new ProjectionStore(o.pool, o.schema, o.group, false);
  const stored = await store.storedOffsets();
  const startOffsets = new Map(
    [...stored].map(([key, offset]) => [topicName(o.namespace, key), offset]),
  );
  let progress: Progress | undefined;
  let records = 0;
  let skipped = 0;
  let decodeMs = 0;
  let writeMs = 0;
  const ends = await readToEnd(
    o.kafka,
    INPUT_TOPICS.map((t) => topicName(o.namespace, t)),
    async (batch) => {
      const topic = logicalTopic(o.namespace, batch.topic);
      const t0 = performance.now();
      const decoded = await decodeBatch(o.codec, topic, batch.partition, batch.messages);
      const t1 = performance.now();
      const written = await store.apply(topic, batch.partition, decoded.records, batch.nextOffset);
      decodeMs += t1 - t0;
      writeMs += performance.now() - t1;
      skipped += decoded.undecodable.length;
      records += written;
      progress?.add(batch.messages.length);
    },
    {
      startOffsets,
      groupPrefix: 'replay',
      maxBytesPerPartition: o.maxBytesPerPartition,
      concurrency: o.concurrency ?? 3,
      onTotal: (total) => (progress = o.progress?.(total)),
    },
  );
  // Every partition gets its offset, empty ones too, so a swap can compare it with the live one.
  for (const [key, end] of ends) {
    const at = key.lastIndexOf(':');
    await store.apply(
      logicalTopic(o.namespace, key.slice(0, at)),
      Number(key.slice(at + 1)),
      [],
      end,
    );
  }
  progress?.finish();
  const seconds = (Date.now() - started) / 1000;
  const indexStarted = Date.now();
  const indexed = await rebuildAuditIndex(o);
  return {
    records,
    indexed,
    indexSeconds: (Date.now() - indexStarted) / 1000,
    skipped,
    seconds,
    decodeSeconds: decodeMs / 1000,
    writeSeconds: writeMs / 1000,
  };
}

/**
 * The audit index (services/projector/src/audit-index.ts) of `schema`, from the offsets
 * already stored there to the end of the log, with the projector's own rows and store.
 */
async function rebuildAuditIndex(o: RebuildOptions): Promise<number> {
  const store = new AuditIndexStore(o.pool, o.schema, o.group, false);
  const full = (t: string) => topicName(o.namespace, t);
  const logical = new Map(AUDIT_INDEX_TOPICS.map((t) => [full(t), t] as const));
  const stored = await store.storedOffsets();
  const startOffsets = new Map(
    [...stored].map(([key, offset]) => {
      const at = key.lastIndexOf(':');
      return [`${full(key.slice(0, at))}:${key.slice(at + 1)}`, offset];
    }),
  );
  let progress: Progress | undefined;
  let indexed = 0;
  const ends = await readToEnd(
    o.kafka,
    AUDIT_INDEX_TOPICS.map(full),
    async (batch) => {
      const topic = logical.get(batch.topic)!;
      const rows = await auditIndexRows(o.codec, topic, batch.messages);
      indexed += await store.apply(topic, batch.partition, rows, batch.nextOffset);
      progress?.add(batch.messages.length);
    },
    {
      startOffsets,
      groupPrefix: 'replay',
      maxBytesPerPartition: o.maxBytesPerPartition,
      concurrency: o.concurrency ?? 3,
      onTotal: (total) => (progress = o.progress?.(total)),
    },
  );
  for (const [key, end] of ends) {
    const at = key.lastIndexOf(':');
    const topic: AuditIndexTopic = logical.get(key.slice(0, at))!;
    await store.apply(topic, Number(key.slice(at + 1)), { positions: [], conversations: [] }, end);
  }
  progress?.finish();
  return indexed;
}
