import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import type { ConversationEvent } from '@cpm/domain';
import type { AgentEvent, RawWebhookRecord } from '@cpm/contracts';
import { readToEnd, topicName, type SchemaCodec } from '@cpm/kafka';
import { expectTopicNamespace, SchemaOfOtherNamespaceError } from '@cpm/postgres';
import { AUDIT_INDEX_TOPICS, AuditIndexStore, auditIndexPlans } from '@cpm/projector';
import { verifyWithKeyring, type Keyring } from '@cpm/sinch-webhooks';

export interface AuditEntry {
  /** Sort time: receive time for webhooks and events, Sinch time for agent events. */
  atMs: number;
  at: string;
  kind: 'WEBHOOK' | 'EVENT' | 'AGENT_EVENT';
  log: { topic: string; partition: number; offset: string };
  summary: string;
  details: Record<string, unknown>;
}

export interface AuditOptions {
  kafka: Kafka;
  codec: SchemaCodec;
  namespace: string;
  keyring: Keyring;
}

const RANK = { WEBHOOK: 0, EVENT: 1, AGENT_EVENT: 2 };
const iso = (ms: number) => new Date(ms).toISOString();

/** The Sinch times of a callback body (envelope and inner accept_time), as Sinch wrote them. */
function sinchTimes(body: Buffer): Record<string, string> {
  try {
    const root = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const times: Record<string, string> = {};
    for (const k of ['accepted_time', 'event_time'])
      if (typeof root[k] === 'string') times[k] = root[k];
    for (const v of Object.values(root)) {
      const inner = v as Record<string, unknown> | null;
      if (inner && typeof inner === 'object' && typeof inner.accept_time === 'string')
        times.accept_time = inner.accept_time;
    }
    return times;
  } catch {
    return {};
  }
}

/** One record of a topic the audit reads, decoded (null: not ours). */
interface AuditRecord {
  partition: number;
  offset: string;
  value: unknown;
}
type AuditTopic = (typeof AUDIT_INDEX_TOPICS)[number];
type RecordsByTopic = Record<AuditTopic, AuditRecord[]>;
const noRecords = (): RecordsByTopic => ({
  'sinch.webhooks.raw.v1': [],
  'conversation.events.v1': [],
  'agent.events.v1': [],
});

/** Whether a conversation or agent event is about the subject (customer key or conversation id). */
function eventMatches(value: unknown, subject: string): boolean {
  const e = value as Partial<ConversationEvent> | null;
  return (
    !!e &&
    (e.customerKey === subject ||
      e.conversationId === subject ||
      e.sourceConversationId === subject)
  );
}

/**
 * The history of one conversation id or customer key, from the log of record
 * (sinch.webhooks.raw.v1) and the derived topics (conversation.events.v1, agent.events.v1),
 * in order. Each stored signature is verified again with the secret that verified it at
 * receipt (`secretId`), or, for records older than ids, with the secrets of the keyring valid
 * at their receipt time (docs/DOMAIN.md#signatures).
 *
 * This one scans the three topics whole, from offset 0: its time grows with the log.
 * `auditIndexed` reads the same records through the audit index.
 */
export async function audit(o: AuditOptions, subject: string): Promise<AuditEntry[]> {
  const records = noRecords();
  // Only what may be about the subject is kept while reading (memory stays flat as the log
  // grows); the events come first, since their source positions select raw webhooks.
  const rawPositions = new Set<string>();
  const needle = JSON.stringify(subject);
  const keep: Record<AuditTopic, (r: AuditRecord) => boolean> = {
    'conversation.events.v1': ({ value }) => {
      if (!eventMatches(value, subject)) return false;
      const { source } = value as ConversationEvent;
      if (source?.topic === 'sinch.webhooks.raw.v1')
        rawPositions.add(`${source.partition}:${source.offset}`);
      return true;
    },
    'sinch.webhooks.raw.v1': ({ partition, offset, value }) => {
      const r = value as RawWebhookRecord | null;
      return (
        !!r &&
        (r.customerKey === subject ||
          rawPositions.has(`${partition}:${offset}`) ||
          r.body.toString('utf8').includes(needle))
      );
    },
    'agent.events.v1': ({ value }) => {
      const a = value as AgentEvent | null;
      return !!a && (a.customerKey === subject || a.conversationId === subject);
    },
  };
  for (const topic of [
    'conversation.events.v1',
    'sinch.webhooks.raw.v1',
    'agent.events.v1',
  ] as const)
    await readToEnd(
      o.kafka,
      [topicName(o.namespace, topic)],
      async (batch) => {
        for (const m of batch.messages) {
          if (!m.value) continue;
          const r = {
            partition: batch.partition,
            offset: m.offset,
            value: await o.codec.decode(m.value).catch(() => null),
          };
          if (keep[topic](r)) records[topic].push(r);
        }
      },
      { groupPrefix: 'replay' },
    );
  return assemble(o.keyring, subject, records);
}

export interface IndexedAuditOptions extends AuditOptions {
  pool: Pool;
  /** The live projection schema, where the projector keeps the audit index. */
  schema: string;
  /** The projector's group (PROJECTOR_GROUP): the index's offsets are stored under `<group>.audit-index`. */
  projectorGroup: string;
  /** Indexed positions closer than this are read as one range of their partition (default 2000). */
  gap?: number;
  /** Told when the schema's index is of another topic namespace and is not used. */
  onForeignIndex?: (error: SchemaOfOtherNamespaceError) => void;
}

export interface IndexedAuditStats {
  /** Records read past the index's stored offsets (the part of the log not indexed yet). */
  tailRecords: number;
  /** Indexed positions of the subject's customer keys. */
  indexedPositions: number;
  /** Records read in the ranges around them (the positions and their neighbours). */
  rangeRecords: number;
  /** Range reads, one consumer each. */
  rounds: number;
}

/**
 * The same history as `audit`, read through the audit index the projector keeps in
 * PostgreSQL (services/projector/src/audit-index.ts):
 *
 * 1. the tail: every partition of the three topics from the index's stored offset to the end
 *    (the records not indexed yet; nothing when the index is current, the whole log when it
 *    is empty), filtered as the full scan filters;
 * 2. the customer keys of the subject: itself, the keys the index saw its conversation id
 *    under, and those of matching events in the tail;
 * 3. their indexed positions, read as bounded ranges of their partitions (positions closer
 *    than `gap` offsets share a range; at most MAX_ROUNDS range reads), then the raw webhooks
 *    the subject's events name as their `source`, where those are under another key.
 *
 * Everything read goes through the same filter and order as the full scan, so the result is
 * the full scan's, with one difference by design: the full scan also finds raw webhooks by
 * searching their bodies for the subject's text; the index knows a body's
 * `conversation_id` fields, not the subject's text elsewhere (in a message text, say).
 */
export async function auditIndexed(
  o: IndexedAuditOptions,
  subject: string,
  stats?: IndexedAuditStats,
): Promise<AuditEntry[]> {
  const store = new AuditIndexStore(o.pool, o.schema, o.projectorGroup);
  // No index tables (a projection schema older than migration 005): everything is tail.
  const missing = (error: unknown) => {
    if ((error as { code?: string }).code === '42P01') return null;
    throw error;
  };
  // An index of another topic namespace names the same topics with other offsets: not ours,
  // so everything is tail (the full scan's result, at its cost).
  const foreign = await expectTopicNamespace(o.pool, o.schema, o.namespace).then(
    () => null,
    (error: unknown) => {
      if (!(error instanceof SchemaOfOtherNamespaceError)) throw error;
      o.onForeignIndex?.(error);
      return error;
    },
  );
  const ours = <T>(read: () => Promise<T>): Promise<T | null> =>
    foreign ? Promise.resolve(null) : read().catch(missing);
  const indexed = (await ours(() => store.storedOffsets())) ?? new Map<string, string>();
  const full = (t: string) => topicName(o.namespace, t);
  const records = noRecords();
  const logical = new Map(AUDIT_INDEX_TOPICS.map((t) => [full(t), t] as const));
  const keep = async (topic: string, partition: number, m: KafkaMessage) => {
    if (!m.value) return;
    records[logical.get(topic)!].push({
      partition,
      offset: m.offset,
      value: await o.codec.decode(m.value).catch(() => null),
    });
  };

  // The subject's customer keys (step 2): the subject, those of its conversation id in the
  // index, and, as the tail is read, those of its events there.
  const keys = new Set(
    (
      (await ours(() =>
        o.pool.query<{ customer_key: string }>(auditIndexPlans.keysOf(o.schema), [subject]),
      )) ?? { rows: [{ customer_key: subject }] }
    ).rows.map((r) => r.customer_key),
  );
  const needle = JSON.stringify(subject);

  // 1. The tail past the index.
  let tailRecords = 0;
  await readToEnd(
    o.kafka,
    AUDIT_INDEX_TOPICS.map(full),
    async (batch) => {
      // Only what may be about the subject is kept (memory stays flat when the tail is long):
      // events that match, raw webhooks of its keys or naming it. The raw webhooks of keys
      // met only in the tail are read in step 3 as their events' sources.
      for (const m of batch.messages) {
        tailRecords++;
        if (!m.value) continue;
        const value: unknown = await o.codec.decode(m.value).catch(() => null);
        const topic = logical.get(batch.topic)!;
        const r = value as Partial<RawWebhookRecord> | null;
        const relevant =
          topic === 'sinch.webhooks.raw.v1'
            ? !!r &&
              ((typeof r.customerKey === 'string' && keys.has(r.customerKey)) ||
                (Buffer.isBuffer(r.body) && r.body.toString('utf8').includes(needle)))
            : eventMatches(value, subject);
        if (!relevant) continue;
        records[topic].push({ partition: batch.partition, offset: m.offset, value });
        const e = value as Partial<ConversationEvent>;
        if (topic !== 'sinch.webhooks.raw.v1' && e.customerKey) keys.add(e.customerKey);
      }
    },
    {
      groupPrefix: 'replay',
      startOffsets: new Map(
        [...indexed].map(([key, offset]) => {
          const at = key.lastIndexOf(':');
          return [`${full(key.slice(0, at))}:${key.slice(at + 1)}`, offset];
        }),
      ),
    },
  );

  // 3. Their indexed positions, by ranges.
  const { rows } = (await ours(() =>
    o.pool.query<{
      topic: string;
      partition: number;
      log_offset: string;
    }>(auditIndexPlans.positionsOf(o.schema), [[...keys]]),
  )) ?? { rows: [] };
  const wanted = new Map<string, bigint[]>();
  for (const r of rows) {
    const key = `${full(r.topic)}:${r.partition}`;
    const bound = indexed.get(`${r.topic}:${r.partition}`);
    // Positions at or past the stored offset were read with the tail already.
    if (bound !== undefined && BigInt(r.log_offset) >= BigInt(bound)) continue;
    wanted.set(key, [...(wanted.get(key) ?? []), BigInt(r.log_offset)]);
  }
  const positions = new Set<string>();
  let rangeRecords = 0;
  let roundCount = 0;
  const readPositions = async (at: Map<string, bigint[]>) => {
    for (const [key, offsets] of at) for (const x of offsets) positions.add(`${key}@${x}`);
    const rounds = rangeRounds(at, BigInt(o.gap ?? 2000));
    roundCount += rounds.length;
    for (const round of rounds) {
      const partitions = new Set(
        [...round.keys()].map((k) => Number(k.slice(k.lastIndexOf(':') + 1))),
      );
      const startOffsets = new Map<string, string>();
      const endOffsets = new Map<string, string>();
      for (const topic of AUDIT_INDEX_TOPICS)
        for (const p of partitions) {
          const range = round.get(`${full(topic)}:${p}`);
          startOffsets.set(`${full(topic)}:${p}`, String(range?.[0] ?? 0n));
          endOffsets.set(`${full(topic)}:${p}`, String(range?.[1] ?? 0n));
        }
      await readToEnd(
        o.kafka,
        AUDIT_INDEX_TOPICS.map(full),
        async (batch) => {
          for (const m of batch.messages) {
            rangeRecords++;
            if (positions.has(`${batch.topic}:${batch.partition}@${m.offset}`))
              await keep(batch.topic, batch.partition, m);
          }
        },
        // Small fetches: a fetch returns up to this much past a range's start, all decoded.
        {
          groupPrefix: 'replay',
          partitions,
          startOffsets,
          endOffsets,
          maxBytesPerPartition: RANGE_FETCH_BYTES,
        },
      );
    }
  };
  await readPositions(wanted);
  // The raw webhooks the subject's events came from, where the index has them under another
  // customer key (the full scan follows `source` too).
  const raw = full('sinch.webhooks.raw.v1');
  const sources = new Map<string, bigint[]>();
  for (const { value } of records['conversation.events.v1']) {
    const e = value as ConversationEvent | null;
    if (!eventMatches(e, subject) || e?.source?.topic !== 'sinch.webhooks.raw.v1') continue;
    const key = `${raw}:${e.source.partition}`;
    if (positions.has(`${key}@${e.source.offset}`)) continue;
    sources.set(key, [...(sources.get(key) ?? []), BigInt(e.source.offset)]);
  }
  if (sources.size > 0) await readPositions(sources);
  if (stats)
    Object.assign(stats, {
      tailRecords,
      indexedPositions: positions.size,
      rangeRecords,
      rounds: roundCount,
    } satisfies IndexedAuditStats);
  return assemble(o.keyring, subject, records);
}

/** Fetch size per partition of a range read (a batch larger than this still comes whole). */
const RANGE_FETCH_BYTES = 256 * 1024;

/** At most this many range reads per audit: beyond, nearby ranges are merged. */
export const MAX_ROUNDS = 16;

/**
 * Sorted offsets per `topic:partition` → range reads: round i reads the i-th range
 * [first, last + 1) of every partition. Offsets closer than `gap` share a range; when a
 * partition would need more than MAX_ROUNDS ranges, the gap is doubled until it does not.
 */
export function rangeRounds(
  wanted: ReadonlyMap<string, readonly bigint[]>,
  gap: bigint,
): Map<string, [bigint, bigint]>[] {
  const rangesOf = (offsets: readonly bigint[], g: bigint): [bigint, bigint][] => {
    const sorted = [...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const out: [bigint, bigint][] = [];
    for (const x of sorted) {
      const last = out[out.length - 1];
      if (last && x - (last[1] - 1n) <= g) last[1] = x + 1n;
      else out.push([x, x + 1n]);
    }
    return out;
  };
  const rounds: Map<string, [bigint, bigint]>[] = [];
  for (const [key, offsets] of wanted) {
    let g = gap < 1n ? 1n : gap;
    let ranges = rangesOf(offsets, g);
    while (ranges.length > MAX_ROUNDS) ranges = rangesOf(offsets, (g *= 2n));
    ranges.forEach((range, i) => (rounds[i] ??= new Map()).set(key, range));
  }
  return rounds;
}

/** The full scan's filter and order over the records read, whichever way they were read. */
function assemble(keyring: Keyring, subject: string, records: RecordsByTopic): AuditEntry[] {
  const entries: AuditEntry[] = [];
  const rawPositions = new Set<string>();
  const needle = JSON.stringify(subject);
  const seen = new Set<string>();
  const once = (topic: string, r: AuditRecord) => {
    const key = `${topic}:${r.partition}@${r.offset}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };

  for (const { partition, offset, value } of records['conversation.events.v1']) {
    const e = value as ConversationEvent | null;
    if (
      !e ||
      !eventMatches(e, subject) ||
      !once('conversation.events.v1', { partition, offset, value })
    )
      continue;
    if (e.source.topic === 'sinch.webhooks.raw.v1')
      rawPositions.add(`${e.source.partition}:${e.source.offset}`);
    const corrected = e.correction
      ? ` corrected ${e.sourceChannel}→${e.channel} (${e.correction.rule}, bound to ${e.correction.boundConversationId || '-'})`
      : '';
    entries.push({
      atMs: e.receivedAtMs,
      at: e.receivedAt,
      kind: 'EVENT',
      log: { topic: 'conversation.events.v1', partition, offset },
      summary: `${e.type} ${e.channel}${e.message ? ` message ${e.message.id}` : ''}${e.status ? ` status ${e.status.messageId}=${e.status.status}` : ''}${corrected}`,
      details: {
        eventId: e.eventId,
        type: e.type,
        occurredAt: e.occurredAt,
        occurredAtSource: e.occurredAtSource,
        channel: e.channel,
        sourceChannel: e.sourceChannel,
        conversationId: e.conversationId,
        sourceConversationId: e.sourceConversationId,
        correction: e.correction,
        source: e.source,
        message: e.message
          ? { id: e.message.id, direction: e.message.direction, text: e.message.text }
          : null,
        times: e.times ?? null,
      },
    });
  }

  for (const { partition, offset, value } of records['sinch.webhooks.raw.v1']) {
    const r = value as RawWebhookRecord | null;
    if (!r) continue;
    if (
      r.customerKey !== subject &&
      !rawPositions.has(`${partition}:${offset}`) &&
      !r.body.toString('utf8').includes(needle)
    )
      continue;
    if (!once('sinch.webhooks.raw.v1', { partition, offset, value })) continue;
    const headers = {
      signature: r.signature ?? undefined,
      nonce: r.signatureNonce ?? undefined,
      timestamp: r.signatureTimestamp ?? undefined,
      algorithm: r.signatureAlgorithm ?? undefined,
    };
    const receivedAt = Number(r.receivedAt);
    const check = verifyWithKeyring(r.body, headers, {
      keyring,
      receivedAtMs: receivedAt,
      secretId: r.secretId,
    });
    const signature = check.ok
      ? check.status === 'VERIFIED'
        ? `VERIFIED (secret ${check.secretId})`
        : 'NOT CHECKED (no secret configured)'
      : `FAILED ${check.reason} (${check.message})`;
    entries.push({
      atMs: receivedAt,
      at: iso(receivedAt),
      kind: 'WEBHOOK',
      log: { topic: 'sinch.webhooks.raw.v1', partition, offset },
      summary: `${r.trigger} received, signature ${signature}`,
      details: {
        requestId: r.requestId,
        trigger: r.trigger,
        receivedAt: iso(receivedAt),
        sinchTimes: sinchTimes(r.body),
        storedVerification: r.verification,
        storedSecretId: r.secretId ?? null,
        admittedFrom: r.admittedFrom ?? null,
        signature,
        signatureAgeSeconds: r.signatureAgeSeconds,
      },
    });
  }

  for (const { partition, offset, value } of records['agent.events.v1']) {
    const a = value as AgentEvent | null;
    if (!a || (a.customerKey !== subject && a.conversationId !== subject)) continue;
    if (!once('agent.events.v1', { partition, offset, value })) continue;
    const at = Number(a.occurredAt);
    entries.push({
      atMs: at,
      at: iso(at),
      kind: 'AGENT_EVENT',
      log: { topic: 'agent.events.v1', partition, offset },
      summary: `${a.type} to agent on ${a.channel} (reported ${a.sourceChannel})${a.message ? ` message ${a.message.id}` : ''}`,
      details: {
        eventId: a.eventId,
        type: a.type,
        channel: a.channel,
        sourceChannel: a.sourceChannel,
        conversationId: a.conversationId,
        message: a.message,
        times: a.times ?? null,
      },
    });
  }

  return entries.sort(
    (x, y) =>
      x.atMs - y.atMs ||
      RANK[x.kind] - RANK[y.kind] ||
      x.log.partition - y.log.partition ||
      Number(BigInt(x.log.offset) - BigInt(y.log.offset)),
  );
}

/** One readable line per entry. */
export function formatTimeline(entries: readonly AuditEntry[]): string {
  return entries
    .map(
      (e) =>
        `${e.at}  ${e.kind.padEnd(11)} ${e.log.topic}[${e.log.partition}]@${e.log.offset}  ${e.summary}`,
    )
    .join('\n');
}
