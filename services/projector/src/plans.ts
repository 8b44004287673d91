/**
 * Every SQL statement of the projections, by name (docs/CONVENTIONS.md#sql-in-one-module-per-store, after pg-boss's plans.ts).
 * Each takes the schema (quoted by quoteIdent) because a rebuild writes the same tables
 * into another schema. Writes are set-based: one INSERT ... SELECT FROM unnest(...) per
 * table and batch. Each upsert merges a row by the same rule as rows.ts (its header): the
 * newest record by `order_key` (time, then log position), earliest/latest times, and the
 * newest carrier of a column by its `*_key`, so the rows do not depend on the order in which
 * the partitions are applied (a live projector and a rebuild interleave them differently).
 */
import { quoteIdent } from '@cpm/postgres';

type Column = readonly [name: string, pgType: string];

/** `SELECT * FROM unnest($1::text[], ...) AS u(a, ...)`: one array parameter per column. */
function unnestFrom(columns: readonly Column[]): string {
  return `SELECT * FROM unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) AS u(${columns.map(([name]) => name).join(', ')})`;
}

const POSITION: Column[] = [
  ['log_topic', 'text'],
  ['log_partition', 'int'],
  ['log_offset', 'bigint'],
];
const ORDER_KEY: Column = ['order_key', 'text'];
/** Order keys compare byte by byte, as in JavaScript (rows.ts, orderKey), whatever the database's collation. */
const greater = (a: string, b: string, orEqual = false) =>
  `${a} COLLATE "C" ${orEqual ? '>=' : '>'} ${b} COLLATE "C"`;
/** The incoming row is the newer record (same test as rows.ts's byOrder). */
const NEWER = greater('excluded.order_key', 't.order_key', true);
/** `col` from the newer record. */
const newest = (col: string) =>
  `${col} = CASE WHEN ${NEWER} THEN excluded.${col} ELSE t.${col} END`;
/** `col` from the newer record, or the other's when the newer has none (every record that has one has the same). */
const newestOrOther = (col: string) =>
  `${col} = CASE WHEN ${NEWER} THEN COALESCE(excluded.${col}, t.${col}) ELSE COALESCE(t.${col}, excluded.${col}) END`;
/** `cols` from the newest record that carried them: the greater `key` (rows.ts, facet). */
const facet = (key: string, ...cols: string[]) =>
  [key, ...cols]
    .map(
      (c) =>
        `${c} = CASE WHEN ${greater(`excluded.${key}`, `t.${key}`)} THEN excluded.${c} ELSE t.${c} END`,
    )
    .join(', ');
const POSITION_SET = ['log_topic', 'log_partition', 'log_offset', 'order_key']
  .map(newest)
  .join(', ');
/** A message's reports in the order of the log's records (time, then log position), as rows.ts orders them. */
const statusOrder = (a: string) =>
  `${a}.occurred_at, ${a}.log_topic COLLATE "C", ${a}.log_partition, ${a}.log_offset, ${a}.event_id`;

export const COLUMNS = {
  customers: [
    ['customer_key', 'text'],
    ['app_id', 'text'],
    ['contact_id', 'text'],
    ['contact_key', 'text'],
    ['display_name', 'text'],
    ['display_name_key', 'text'],
    ['first_seen_at', 'timestamptz'],
    ['last_seen_at', 'timestamptz'],
    ...POSITION,
    ORDER_KEY,
  ],
  identities: [
    ['customer_key', 'text'],
    ['channel', 'text'],
    ['identity', 'text'],
    ['first_seen_at', 'timestamptz'],
    ...POSITION,
    ORDER_KEY,
  ],
  conversations: [
    ['conversation_id', 'text'],
    ['app_id', 'text'],
    ['contact_id', 'text'],
    ['contact_key', 'text'],
    ['customer_key', 'text'],
    ['channel', 'text'],
    ['source_channel', 'text'],
    ['channel_key', 'text'],
    ['state', 'text'],
    ['state_key', 'text'],
    ['started_at', 'timestamptz'],
    ['ended_at', 'timestamptz'],
    ['last_event_at', 'timestamptz'],
    ['attached_data', 'jsonb'],
    ['attached_key', 'text'],
    ...POSITION,
    ORDER_KEY,
  ],
  messages: [
    ['message_id', 'text'],
    ['conversation_id', 'text'],
    ['customer_key', 'text'],
    ['direction', 'text'],
    ['author', 'text'],
    ['channel', 'text'],
    ['source_channel', 'text'],
    ['kind', 'text'],
    ['text', 'text'],
    ['content', 'jsonb'],
    ['reply_to_message_id', 'text'],
    ['attached_data', 'jsonb'],
    ['occurred_at', 'timestamptz'],
    ...POSITION,
    ORDER_KEY,
  ],
  statuses: [
    ['event_id', 'text'],
    ['message_id', 'text'],
    ['status', 'text'],
    ['reason', 'text'],
    ['occurred_at', 'timestamptz'],
    ...POSITION,
  ],
  attachments: [
    ['attachment_id', 'text'],
    ['message_id', 'text'],
    ['status', 'text'],
    ['source_url', 'text'],
    ['content_type', 'text'],
    ['file_name', 'text'],
    ['size_bytes', 'bigint'],
    ['sha256', 'text'],
    ['storage_key', 'text'],
    ['reason', 'text'],
    ['updated_at', 'timestamptz'],
    ...POSITION,
    ORDER_KEY,
  ],
  consents: [
    ['customer_key', 'text'],
    ['channel', 'text'],
    ['kind', 'text'],
    ['status', 'text'],
    ['updated_at', 'timestamptz'],
    ...POSITION,
    ORDER_KEY,
  ],
  statusUpdates: [
    ['message_id', 'text'],
    ['status', 'text'],
    ['reason', 'text'],
    ['delivered', 'boolean'],
    ['switch_reason', 'text'],
  ],
} as const satisfies Record<string, readonly Column[]>;

const names = (cols: readonly Column[]) => cols.map(([n]) => n).join(', ');

export const plans = {
  /** Taken shared by every write transaction, exclusively by a swap: a swap never lands mid-batch. */
  lockShared: `SELECT pg_advisory_xact_lock_shared(hashtext($1))`,
  lockExclusive: `SELECT pg_advisory_xact_lock(hashtext($1))`,
  lockKey: (schema: string) => `cpm.projection.${schema}`,

  readOffset: (s: string) =>
    `SELECT next_offset FROM ${quoteIdent(s)}.consumer_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
  readOffsets: (s: string) =>
    `SELECT topic, partition, next_offset FROM ${quoteIdent(s)}.consumer_offsets WHERE consumer_group = $1`,
  writeOffset: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.consumer_offsets (consumer_group, topic, partition, next_offset, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET next_offset = GREATEST(consumer_offsets.next_offset, excluded.next_offset), updated_at = now()`,

  upsertCustomers: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.customers AS t (${names(COLUMNS.customers)}) ${unnestFrom(COLUMNS.customers)}
     ON CONFLICT (customer_key) DO UPDATE SET ${newest('app_id')}, ${facet('contact_key', 'contact_id')},
       ${facet('display_name_key', 'display_name')}, first_seen_at = LEAST(t.first_seen_at, excluded.first_seen_at),
       ${newest('last_seen_at')}, ${POSITION_SET}`,
  /** An identity keeps its earliest record. */
  upsertIdentities: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.customer_identities AS t (${names(COLUMNS.identities)}) ${unnestFrom(COLUMNS.identities)}
     ON CONFLICT (customer_key, channel, identity) DO UPDATE SET first_seen_at = excluded.first_seen_at,
       log_topic = excluded.log_topic, log_partition = excluded.log_partition, log_offset = excluded.log_offset, order_key = excluded.order_key
     WHERE ${greater('t.order_key', 'excluded.order_key')}`,
  upsertConversations: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.conversations AS t (${names(COLUMNS.conversations)})
     SELECT conversation_id, app_id, contact_id, contact_key, customer_key, channel, source_channel, channel_key, COALESCE(state, 'ACTIVE'), state_key,
       started_at, ended_at, last_event_at, COALESCE(attached_data, '{}'::jsonb), attached_key, log_topic, log_partition, log_offset, order_key
     FROM (${unnestFrom(COLUMNS.conversations)}) AS r
     ON CONFLICT (conversation_id) DO UPDATE SET ${newest('app_id')}, ${newest('customer_key')}, ${facet('contact_key', 'contact_id')},
       ${facet('channel_key', 'channel', 'source_channel')}, ${facet('state_key', 'state')}, ${facet('attached_key', 'attached_data')},
       started_at = LEAST(t.started_at, excluded.started_at), ended_at = GREATEST(t.ended_at, excluded.ended_at),
       ${newest('last_event_at')}, ${POSITION_SET}`,
  upsertMessages: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.messages AS t (${names(COLUMNS.messages)}) ${unnestFrom(COLUMNS.messages)}
     ON CONFLICT (message_id) DO UPDATE SET
       ${['conversation_id', 'customer_key', 'direction', 'channel', 'source_channel', 'kind', 'content', 'occurred_at'].map(newest).join(', ')},
       author = CASE WHEN ${NEWER} THEN (CASE WHEN excluded.author = 'UNKNOWN' THEN t.author ELSE excluded.author END)
         ELSE (CASE WHEN t.author = 'UNKNOWN' THEN excluded.author ELSE t.author END) END,
       ${['text', 'reply_to_message_id', 'attached_data'].map(newestOrOther).join(', ')}, ${POSITION_SET}`,
  /** A status row is one event: the same event id twice (never expected) keeps its first log position. */
  insertStatuses: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.message_statuses AS t (${names(COLUMNS.statuses)}) ${unnestFrom(COLUMNS.statuses)}
     ON CONFLICT (event_id) DO UPDATE SET ${COLUMNS.statuses
       .slice(1)
       .map(([n]) => `${n} = excluded.${n}`)
       .join(', ')}
     WHERE (excluded.log_topic COLLATE "C", excluded.log_partition, excluded.log_offset) < (t.log_topic COLLATE "C", t.log_partition, t.log_offset)`,
  /** The whole report history of some messages, in the order of the log's records: folded by nextDeliveryState. */
  statusHistory: (s: string) =>
    `SELECT h.message_id, h.status, h.reason FROM ${quoteIdent(s)}.message_statuses h WHERE h.message_id = ANY($1::text[])
     ORDER BY h.message_id, ${statusOrder('h')}`,
  updateMessageStatuses: (s: string) =>
    `UPDATE ${quoteIdent(s)}.messages AS m SET status = u.status, status_reason = u.reason, delivered = u.delivered, switch_reason = u.switch_reason
     FROM (${unnestFrom(COLUMNS.statusUpdates)}) AS u WHERE m.message_id = u.message_id`,
  upsertAttachments: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.attachments AS t (${names(COLUMNS.attachments)}) ${unnestFrom(COLUMNS.attachments)}
     ON CONFLICT (attachment_id) DO UPDATE SET ${COLUMNS.attachments
       .slice(1)
       .map(([n]) => `${n} = excluded.${n}`)
       .join(', ')}
     WHERE ${NEWER}`,
  upsertConsents: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.consents AS t (${names(COLUMNS.consents)}) ${unnestFrom(COLUMNS.consents)}
     ON CONFLICT (customer_key, channel) DO UPDATE SET kind = excluded.kind, status = excluded.status, updated_at = excluded.updated_at,
       log_topic = excluded.log_topic, log_partition = excluded.log_partition, log_offset = excluded.log_offset, order_key = excluded.order_key
     WHERE ${NEWER}`,

  // read API
  customerConversations: (s: string) =>
    `SELECT conversation_id, app_id, contact_id, channel, source_channel, state, started_at, ended_at, last_event_at, attached_data, log_topic, log_partition, log_offset
     FROM ${quoteIdent(s)}.conversations WHERE customer_key = $1 ORDER BY last_event_at DESC, conversation_id LIMIT 500`,
  conversationMessages: (s: string) =>
    `SELECT m.message_id, m.direction, m.author, m.channel, m.source_channel, m.kind, m.text, m.content, m.status, m.status_reason, m.delivered,
       m.switch_reason, m.attached_data, m.occurred_at, m.log_topic, m.log_partition, m.log_offset,
       m.reply_to_message_id, q.message_id AS q_message_id, q.author AS q_author, q.text AS q_text, q.occurred_at AS q_occurred_at,
       q.content ->> 'acceptedAt' AS q_accepted_at, q.content -> 'media' AS q_media,
       COALESCE((SELECT json_agg(json_build_object('attachmentId', a.attachment_id, 'status', a.status, 'contentType', a.content_type, 'fileName', a.file_name,
         'sizeBytes', a.size_bytes, 'storageKey', a.storage_key, 'reason', a.reason) ORDER BY a.attachment_id)
         FROM ${quoteIdent(s)}.attachments a WHERE a.message_id = m.message_id), '[]'::json) AS attachments,
       COALESCE((SELECT json_agg(json_build_object('status', h.status, 'reason', h.reason, 'occurredAt', h.occurred_at) ORDER BY ${statusOrder('h')})
         FROM ${quoteIdent(s)}.message_statuses h WHERE h.message_id = m.message_id), '[]'::json) AS status_history
     FROM ${quoteIdent(s)}.messages m LEFT JOIN ${quoteIdent(s)}.messages q ON q.message_id = m.reply_to_message_id
     WHERE m.conversation_id = $1 AND ($2::timestamptz IS NULL OR (m.occurred_at, m.message_id) > ($2::timestamptz, $3::text))
     ORDER BY m.occurred_at, m.message_id LIMIT $4`,
} as const;
