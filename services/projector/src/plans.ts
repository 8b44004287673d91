/**
 * Every SQL statement of the projections, by name (docs/CONVENTIONS.md#sql-in-one-module-per-store, after pg-boss's plans.ts).
 * Each takes the schema (quoted by quoteIdent) because a rebuild writes the same tables
 * into another schema. Writes are set-based: one INSERT ... SELECT FROM unnest(...) per
 * table and batch; a row only moves forward in the log (its log position guards the update).
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
/** An update applies only when it comes from the same or a later log position. */
const FORWARD = (t: string) =>
  `(excluded.log_partition, excluded.log_offset) >= (${t}.log_partition, ${t}.log_offset)`;

export const COLUMNS = {
  customers: [
    ['customer_key', 'text'],
    ['app_id', 'text'],
    ['contact_id', 'text'],
    ['display_name', 'text'],
    ['first_seen_at', 'timestamptz'],
    ['last_seen_at', 'timestamptz'],
    ...POSITION,
  ],
  identities: [
    ['customer_key', 'text'],
    ['channel', 'text'],
    ['identity', 'text'],
    ['first_seen_at', 'timestamptz'],
    ...POSITION,
  ],
  conversations: [
    ['conversation_id', 'text'],
    ['app_id', 'text'],
    ['contact_id', 'text'],
    ['customer_key', 'text'],
    ['channel', 'text'],
    ['source_channel', 'text'],
    ['state', 'text'],
    ['started_at', 'timestamptz'],
    ['ended_at', 'timestamptz'],
    ['last_event_at', 'timestamptz'],
    ['attached_data', 'jsonb'],
    ...POSITION,
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
  ],
  consents: [
    ['customer_key', 'text'],
    ['channel', 'text'],
    ['kind', 'text'],
    ['status', 'text'],
    ['updated_at', 'timestamptz'],
    ...POSITION,
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
     ON CONFLICT (customer_key) DO UPDATE SET app_id = excluded.app_id, contact_id = COALESCE(NULLIF(excluded.contact_id, ''), t.contact_id),
       display_name = COALESCE(excluded.display_name, t.display_name), first_seen_at = LEAST(t.first_seen_at, excluded.first_seen_at),
       last_seen_at = excluded.last_seen_at, log_topic = excluded.log_topic, log_partition = excluded.log_partition, log_offset = excluded.log_offset
     WHERE ${FORWARD('t')}`,
  upsertIdentities: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.customer_identities (${names(COLUMNS.identities)}) ${unnestFrom(COLUMNS.identities)}
     ON CONFLICT (customer_key, channel, identity) DO NOTHING`,
  upsertConversations: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.conversations AS t (${names(COLUMNS.conversations)})
     SELECT conversation_id, app_id, contact_id, customer_key, channel, source_channel, COALESCE(state, 'ACTIVE'), started_at, ended_at, last_event_at,
       COALESCE(attached_data, '{}'::jsonb), log_topic, log_partition, log_offset FROM (${unnestFrom(COLUMNS.conversations)}) AS r
     ON CONFLICT (conversation_id) DO UPDATE SET app_id = excluded.app_id, contact_id = COALESCE(NULLIF(excluded.contact_id, ''), t.contact_id),
       customer_key = excluded.customer_key, channel = COALESCE(NULLIF(excluded.channel, ''), t.channel),
       source_channel = COALESCE(NULLIF(excluded.source_channel, ''), t.source_channel),
       state = CASE WHEN excluded.started_at IS NOT NULL OR excluded.ended_at IS NOT NULL THEN excluded.state ELSE t.state END,
       started_at = COALESCE(excluded.started_at, t.started_at), ended_at = COALESCE(excluded.ended_at, t.ended_at), last_event_at = excluded.last_event_at,
       attached_data = CASE WHEN excluded.attached_data = '{}'::jsonb THEN t.attached_data ELSE excluded.attached_data END,
       log_topic = excluded.log_topic, log_partition = excluded.log_partition, log_offset = excluded.log_offset
     WHERE ${FORWARD('t')}`,
  upsertMessages: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.messages AS t (${names(COLUMNS.messages)}) ${unnestFrom(COLUMNS.messages)}
     ON CONFLICT (message_id) DO UPDATE SET conversation_id = excluded.conversation_id, customer_key = excluded.customer_key, direction = excluded.direction,
       author = CASE WHEN excluded.author = 'UNKNOWN' THEN t.author ELSE excluded.author END, channel = excluded.channel, source_channel = excluded.source_channel,
       kind = excluded.kind, text = COALESCE(excluded.text, t.text), content = excluded.content,
       reply_to_message_id = COALESCE(excluded.reply_to_message_id, t.reply_to_message_id), attached_data = COALESCE(excluded.attached_data, t.attached_data),
       occurred_at = excluded.occurred_at, log_topic = excluded.log_topic, log_partition = excluded.log_partition, log_offset = excluded.log_offset
     WHERE ${FORWARD('t')}`,
  insertStatuses: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.message_statuses (${names(COLUMNS.statuses)}) ${unnestFrom(COLUMNS.statuses)} ON CONFLICT (event_id) DO NOTHING`,
  /** The whole report history of some messages, in log order: folded by nextDeliveryState. */
  statusHistory: (s: string) =>
    `SELECT message_id, status, reason FROM ${quoteIdent(s)}.message_statuses WHERE message_id = ANY($1::text[]) ORDER BY message_id, log_partition, log_offset, event_id`,
  updateMessageStatuses: (s: string) =>
    `UPDATE ${quoteIdent(s)}.messages AS m SET status = u.status, status_reason = u.reason, delivered = u.delivered, switch_reason = u.switch_reason
     FROM (${unnestFrom(COLUMNS.statusUpdates)}) AS u WHERE m.message_id = u.message_id`,
  upsertAttachments: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.attachments AS t (${names(COLUMNS.attachments)}) ${unnestFrom(COLUMNS.attachments)}
     ON CONFLICT (attachment_id) DO UPDATE SET ${COLUMNS.attachments
       .slice(1)
       .map(([n]) => `${n} = excluded.${n}`)
       .join(', ')}
     WHERE ${FORWARD('t')}`,
  upsertConsents: (s: string) =>
    `INSERT INTO ${quoteIdent(s)}.consents AS t (${names(COLUMNS.consents)}) ${unnestFrom(COLUMNS.consents)}
     ON CONFLICT (customer_key, channel) DO UPDATE SET kind = excluded.kind, status = excluded.status, updated_at = excluded.updated_at,
       log_topic = excluded.log_topic, log_partition = excluded.log_partition, log_offset = excluded.log_offset
     WHERE ${FORWARD('t')}`,

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
       COALESCE((SELECT json_agg(json_build_object('status', h.status, 'reason', h.reason, 'occurredAt', h.occurred_at) ORDER BY h.log_partition, h.log_offset)
         FROM ${quoteIdent(s)}.message_statuses h WHERE h.message_id = m.message_id), '[]'::json) AS status_history
     FROM ${quoteIdent(s)}.messages m LEFT JOIN ${quoteIdent(s)}.messages q ON q.message_id = m.reply_to_message_id
     WHERE m.conversation_id = $1 AND ($2::timestamptz IS NULL OR (m.occurred_at, m.message_id) > ($2::timestamptz, $3::text))
     ORDER BY m.occurred_at, m.message_id LIMIT $4`,
} as const;
