/**
 * The audit index (docs/ARCHITECTURE.md#the-audit-index): for each record of the topics the
 * replay audit reads, the customer key it belongs to and its position; for each
 * conversation id, the customer keys it was seen under. Lets `replay audit` read a
 * customer's records where they are instead of scanning whole topics.
 */
import type { KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import type { AgentEvent, ConversationEvent, RawWebhookRecord } from '@cpm/contracts';
import { quoteIdent } from '@cpm/postgres';
import { isRetriable } from '@cpm/platform';
import type { SchemaCodec } from '@cpm/kafka';
import { StoredOffsets } from './stored-offsets';

/** Every topic the audit reads; all keyed by customer key, so one customer is in one partition of each. */
export const AUDIT_INDEX_TOPICS = [
  'sinch.webhooks.raw.v1',
  'conversation.events.v1',
  'agent.events.v1',
] as const;
export type AuditIndexTopic = (typeof AUDIT_INDEX_TOPICS)[number];

/** The key of the index's offsets in consumer_offsets, beside the projection's own. */
export const auditIndexGroup = (projectorGroup: string) => `${projectorGroup}.audit-index`;

export interface AuditIndexRows {
  positions: { customer_key: string; log_offset: string }[];
  conversations: { conversation_id: string; customer_key: string }[];
}

/** The conversation ids a callback body names: `conversation_id` of its trigger's object. */
function conversationIdsOfBody(body: Buffer): string[] {
  try {
    const root = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const ids: string[] = [];
    for (const inner of Object.values(root))
      if (inner && typeof inner === 'object') {
        const id = (inner as Record<string, unknown>).conversation_id;
        if (typeof id === 'string' && id) ids.push(id);
      }
    return ids;
  } catch {
    return [];
  }
}

/**
 * One batch of one topic-partition → index rows (pure but for the decoding). A record is
 * indexed under its Kafka key (the customer key every producer keys by) and, when its value
 * names another customer key, under that one too; the conversation ids it names (events:
 * conversationId and sourceConversationId; raw webhooks: the body's `conversation_id`) map
 * to that customer key. A value that cannot be decoded is still indexed by its key; the audit
 * decides what it is.
 */
export async function auditIndexRows(
  codec: SchemaCodec,
  topic: AuditIndexTopic,
  messages: readonly KafkaMessage[],
): Promise<AuditIndexRows> {
  const rows: AuditIndexRows = { positions: [], conversations: [] };
  for (const m of messages) {
    const keys = new Set<string>();
    const key = m.key?.toString();
    if (key) keys.add(key);
    const value = m.value
      ? await codec.decode<unknown>(m.value).catch((error: unknown) => {
          if (isRetriable(error)) throw error; // the registry is away: retry the batch
          return null;
        })
      : null;
    const v = value as Partial<ConversationEvent & AgentEvent & RawWebhookRecord> | null;
    if (v && typeof v.customerKey === 'string') {
      if (v.customerKey) keys.add(v.customerKey);
      const owner = v.customerKey || key || '';
      const ids =
        topic === 'sinch.webhooks.raw.v1'
          ? Buffer.isBuffer(v.body)
            ? conversationIdsOfBody(v.body)
            : []
          : [v.conversationId, v.sourceConversationId];
      for (const id of new Set(ids))
        if (typeof id === 'string' && id && owner)
          rows.conversations.push({ conversation_id: id, customer_key: owner });
    }
    for (const k of keys) rows.positions.push({ customer_key: k, log_offset: m.offset });
  }
  return rows;
}

const q = quoteIdent;
export const auditIndexPlans = {
  insertPositions: (s: string) =>
    `INSERT INTO ${q(s)}.audit_positions (customer_key, topic, partition, log_offset)
     SELECT k, $2, $3, o FROM unnest($1::text[], $4::bigint[]) AS u(k, o) ON CONFLICT DO NOTHING`,
  insertConversations: (s: string) =>
    `INSERT INTO ${q(s)}.audit_conversations (conversation_id, customer_key)
     SELECT DISTINCT c, k FROM unnest($1::text[], $2::text[]) AS u(c, k) ON CONFLICT DO NOTHING`,
  /** The customer keys a subject stands for: itself, and those its conversation id was seen under. */
  keysOf: (s: string) =>
    `SELECT $1::text AS customer_key UNION SELECT customer_key FROM ${q(s)}.audit_conversations WHERE conversation_id = $1`,
  positionsOf: (s: string) =>
    `SELECT topic, partition, log_offset::text AS log_offset FROM ${q(s)}.audit_positions
     WHERE customer_key = ANY($1::text[]) ORDER BY topic, partition, log_offset`,
} as const;

/**
 * Writes the index into one projection schema: one transaction per batch of one
 * topic-partition, the rows and the partition's next offset together (exactly-once, like
 * ProjectionStore); records below the stored offset are skipped.
 */
export class AuditIndexStore {
  readonly offsets: StoredOffsets;
  constructor(
    readonly pool: Pool,
    readonly schema: string,
    projectorGroup: string,
    /** false for rebuilds (StoredOffsets.durable). */
    readonly durable = true,
  ) {
    this.offsets = new StoredOffsets(pool, schema, auditIndexGroup(projectorGroup), durable);
  }

  get group(): string {
    return this.offsets.group;
  }

  storedOffsets(): Promise<Map<string, string>> {
    return this.offsets.read();
  }

  async apply(
    topic: AuditIndexTopic,
    partition: number,
    rows: AuditIndexRows,
    nextOffset: string,
  ): Promise<number> {
    return this.offsets.apply(topic, partition, nextOffset, async (client, isNew) => {
      const positions = rows.positions.filter((p) => isNew(p.log_offset));
      if (positions.length > 0)
        await client.query(auditIndexPlans.insertPositions(this.schema), [
          positions.map((p) => p.customer_key),
          topic,
          partition,
          positions.map((p) => p.log_offset),
        ]);
      if (rows.conversations.length > 0)
        await client.query(auditIndexPlans.insertConversations(this.schema), [
          rows.conversations.map((c) => c.conversation_id),
          rows.conversations.map((c) => c.customer_key),
        ]);
      return positions.length;
    });
  }
}
