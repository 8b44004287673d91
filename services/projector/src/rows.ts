/**
 * The pure core of the projector: the decoded records of one batch → one row per key and
 * table, merged field by field by the one ordering rule below, which plans.ts's upserts apply
 * the same way. No SQL, no clock: the same log always gives the same rows.
 *
 * Which event wins ("newest" below) is decided by the log's content, never by the order in
 * which the projector happens to see it: a conversation's events are on several partitions
 * (Sinch's CONVERSATION_START/STOP are keyed `appId:contactId`, SMS by `appId:tel:+E164`),
 * and a live projector and a rebuild interleave the partitions differently. Records are
 * ordered by `orderKey`: their time (the event's `occurredAt`, a media outcome's time), then
 * their log position (topic, partition, offset), which only ties records of the same time.
 * Every column is then a merge that does not depend on the order of application:
 * - earliest (`first_seen_at`, `started_at`) or latest (`ended_at`) time;
 * - the newest record's value (the row's `order_key`: times, log position, keys...);
 * - the value of the newest record that carries one, with its own key (`*_key`: a
 *   conversation's state, channel, contact and attached data, a customer's contact and name);
 * - for a message's text, author, quote and attached data, the newest record's value or else
 *   the other's: every event of one message carries the same ones, or none.
 */
import type { MediaOutcome } from '@cpm/contracts';
import { customerName, type ConversationEvent } from '@cpm/domain';

export interface LogPosition {
  log_topic: string;
  log_partition: number;
  log_offset: string;
}

// The conversation.media.v1 value is shared with the media service and agent-events.
export type { MediaOutcome };

export type ProjectedRecord = { position: LogPosition } & (
  { kind: 'event'; event: ConversationEvent } | { kind: 'media'; media: MediaOutcome }
);

/** The order of the record a row (or a column, for the `*_key` columns) comes from: see `orderKey`. */
export interface Ordered {
  order_key: string;
}

export interface CustomerRow extends LogPosition, Ordered {
  customer_key: string;
  app_id: string;
  contact_id: string;
  contact_key: string;
  display_name: string | null;
  display_name_key: string;
  first_seen_at: string;
  last_seen_at: string;
}
/** Kept from the earliest record (smallest `order_key`). */
export interface IdentityRow extends LogPosition, Ordered {
  customer_key: string;
  channel: string;
  identity: string;
  first_seen_at: string;
}
export interface ConversationRow extends LogPosition, Ordered {
  conversation_id: string;
  app_id: string;
  contact_id: string;
  contact_key: string;
  customer_key: string;
  channel: string;
  source_channel: string;
  channel_key: string;
  state: string | null;
  state_key: string;
  started_at: string | null;
  ended_at: string | null;
  last_event_at: string;
  attached_data: string | null;
  attached_key: string;
}
export interface MessageRow extends LogPosition, Ordered {
  message_id: string;
  conversation_id: string;
  customer_key: string;
  direction: string;
  author: string;
  channel: string;
  source_channel: string;
  kind: string;
  text: string | null;
  content: string;
  reply_to_message_id: string | null;
  attached_data: string | null;
  occurred_at: string;
}
export interface StatusRow extends LogPosition {
  event_id: string;
  message_id: string;
  status: string;
  reason: string | null;
  occurred_at: string;
}
export interface AttachmentRow extends LogPosition, Ordered {
  attachment_id: string;
  message_id: string;
  status: string;
  source_url: string | null;
  content_type: string | null;
  file_name: string | null;
  size_bytes: string | null;
  sha256: string | null;
  storage_key: string | null;
  reason: string | null;
  updated_at: string;
}
export interface ConsentRow extends LogPosition, Ordered {
  customer_key: string;
  channel: string;
  kind: string;
  status: string;
  updated_at: string;
}

export interface ProjectionRows {
  customers: CustomerRow[];
  identities: IdentityRow[];
  conversations: ConversationRow[];
  messages: MessageRow[];
  statuses: StatusRow[];
  attachments: AttachmentRow[];
  consents: ConsentRow[];
}

const LIFECYCLE: Record<string, string> = {
  CONVERSATION_STARTED: 'ACTIVE',
  CONVERSATION_STOPPED: 'ENDED',
  CONVERSATION_DELETED: 'DELETED',
};
/** Events that carry a message the agent sees in the history (CHANNEL_CORRECTED only audits another event). */
const MESSAGE_TYPES = new Set([
  'MESSAGE_RECEIVED',
  'MESSAGE_SUBMITTED',
  'MESSAGE_SENT',
  'MESSAGE_SEND_FAILED',
  'UNSUPPORTED_RECEIVED',
]);
const STATUS_TYPES = new Set(['MESSAGE_STATUS', 'MESSAGE_SEND_FAILED']);

const isoOfMs = (ms: number): string => new Date(ms).toISOString();

/**
 * The order of a record: its time (ISO, milliseconds), then its log position, as one string
 * compared byte by byte (in SQL with `COLLATE "C"`). Two records never tie unless they are
 * the same record, so every merge below picks the same row whatever the arrival order.
 */
export function orderKey(atMs: number, pos: LogPosition): string {
  return `${new Date(atMs).toISOString()} ${pos.log_topic} ${String(pos.log_partition).padStart(10, '0')} ${pos.log_offset.padStart(20, '0')}`;
}

/** Upserts `row` under `key`: `merge(previous, next)` decides what an earlier row keeps. */
function put<R>(map: Map<string, R>, key: string, row: R, merge: (prev: R, next: R) => R): void {
  const prev = map.get(key);
  map.set(key, prev ? merge(prev, row) : row);
}

/** [older, newer] by `order_key`. */
const byOrder = <R extends Ordered>(p: R, n: R): [R, R] =>
  n.order_key >= p.order_key ? [p, n] : [n, p];
/** The row whose `key` column is the greater: the newest record that carried that column. */
const facet = <R, K extends keyof R>(p: R, n: R, key: K): R => (n[key] > p[key] ? n : p);
const earliest = (a: string | null, b: string | null): string | null =>
  a === null ? b : b === null || Date.parse(a) <= Date.parse(b) ? a : b;
const latest = (a: string | null, b: string | null): string | null =>
  a === null ? b : b === null || Date.parse(a) >= Date.parse(b) ? a : b;

const mergeCustomer = (p: CustomerRow, n: CustomerRow): CustomerRow => {
  const [, w] = byOrder(p, n);
  const c = facet(p, n, 'contact_key');
  const d = facet(p, n, 'display_name_key');
  return {
    ...w,
    contact_id: c.contact_id,
    contact_key: c.contact_key,
    display_name: d.display_name,
    display_name_key: d.display_name_key,
    first_seen_at: earliest(p.first_seen_at, n.first_seen_at)!,
  };
};
const keepEarliest = <R extends Ordered>(p: R, n: R): R => byOrder(p, n)[0];
const mergeConversation = (p: ConversationRow, n: ConversationRow): ConversationRow => {
  const [, w] = byOrder(p, n);
  const c = facet(p, n, 'contact_key');
  const ch = facet(p, n, 'channel_key');
  const s = facet(p, n, 'state_key');
  const a = facet(p, n, 'attached_key');
  return {
    ...w,
    contact_id: c.contact_id,
    contact_key: c.contact_key,
    channel: ch.channel,
    source_channel: ch.source_channel,
    channel_key: ch.channel_key,
    state: s.state,
    state_key: s.state_key,
    started_at: earliest(p.started_at, n.started_at),
    ended_at: latest(p.ended_at, n.ended_at),
    attached_data: a.attached_data,
    attached_key: a.attached_key,
  };
};
const mergeMessage = (p: MessageRow, n: MessageRow): MessageRow => {
  const [o, w] = byOrder(p, n);
  return {
    ...w,
    author: w.author === 'UNKNOWN' ? o.author : w.author,
    text: w.text ?? o.text,
    reply_to_message_id: w.reply_to_message_id ?? o.reply_to_message_id,
    attached_data: w.attached_data ?? o.attached_data,
  };
};
const newest = <R extends Ordered>(p: R, n: R): R => byOrder(p, n)[1];
/** A status row is one event: the same event id twice (never expected) keeps its first log position. */
const keepEarliestStatus = (p: StatusRow, n: StatusRow): StatusRow =>
  orderKey(0, n) < orderKey(0, p) ? n : p;

function eventRows(
  e: ConversationEvent,
  pos: LogPosition,
  out: { [K in keyof ProjectionRows]: Map<string, ProjectionRows[K][number]> },
): void {
  const at = e.occurredAt;
  const key = orderKey(e.occurredAtMs, pos);
  const keyIf = (carried: unknown) => (carried ? key : '');
  const attached =
    e.attachedData &&
    e.attachedData.status === 'OK' &&
    Object.keys(e.attachedData.entries).length > 0
      ? JSON.stringify(e.attachedData.entries)
      : null;
  if (e.customerKey && e.type !== 'CHANNEL_CORRECTED') {
    const name = e.contact ? customerName(e.contact.displayName, e.identity).displayName : null;
    put(
      out.customers,
      e.customerKey,
      {
        customer_key: e.customerKey,
        app_id: e.appId,
        contact_id: e.contactId,
        contact_key: keyIf(e.contactId),
        display_name: name,
        display_name_key: keyIf(name !== null),
        first_seen_at: at,
        last_seen_at: at,
        order_key: key,
        ...pos,
      },
      mergeCustomer,
    );
    const identities = [
      { channel: e.channel, identity: e.identity },
      ...(e.contact?.identities ?? []),
    ];
    for (const id of identities) {
      if (!id.channel || !id.identity) continue;
      put(
        out.identities,
        `${e.customerKey}\u0000${id.channel}\u0000${id.identity}`,
        {
          customer_key: e.customerKey,
          channel: id.channel,
          identity: id.identity,
          first_seen_at: at,
          order_key: key,
          ...pos,
        },
        keepEarliest,
      );
    }
  }
  if (e.conversationId && e.type !== 'CHANNEL_CORRECTED') {
    const state = LIFECYCLE[e.type] ?? null;
    put(
      out.conversations,
      e.conversationId,
      {
        conversation_id: e.conversationId,
        app_id: e.appId,
        contact_id: e.contactId,
        contact_key: keyIf(e.contactId),
        customer_key: e.customerKey,
        // The pair of the newest event that has a channel (lifecycle callbacks may have none).
        channel: e.channel,
        source_channel: e.channel ? e.sourceChannel : '',
        channel_key: keyIf(e.channel),
        state,
        state_key: keyIf(state),
        started_at: e.type === 'CONVERSATION_STARTED' ? at : null,
        ended_at:
          e.type === 'CONVERSATION_STOPPED' || e.type === 'CONVERSATION_DELETED' ? at : null,
        last_event_at: at,
        attached_data: attached,
        attached_key: keyIf(attached),
        order_key: key,
        ...pos,
      },
      mergeConversation,
    );
  }
  const m = e.message;
  if (m && MESSAGE_TYPES.has(e.type)) {
    const content = {
      media: m.media,
      location: m.location,
      choice: m.choice,
      fallbackReason: m.fallbackReason,
      channelSpecificJson: m.channelSpecificJson,
      productsJson: m.productsJson,
      acceptedAt: m.acceptedAt,
      commandId: m.commandId,
      correction: e.correction,
    };
    put(
      out.messages,
      m.id,
      {
        message_id: m.id,
        conversation_id: e.conversationId,
        customer_key: e.customerKey,
        direction: m.direction,
        author: m.author ?? (m.direction === 'TO_APP' ? 'CUSTOMER' : 'UNKNOWN'),
        channel: e.channel,
        source_channel: e.sourceChannel,
        kind: m.kind,
        text: m.text,
        content: JSON.stringify(content),
        reply_to_message_id: m.replyToMessageId,
        attached_data: attached,
        occurred_at: at,
        order_key: key,
        ...pos,
      },
      mergeMessage,
    );
  }
  if (e.status && STATUS_TYPES.has(e.type)) {
    const reason =
      [e.status.reasonCode, e.status.reasonDescription].filter(Boolean).join(': ') || null;
    put(
      out.statuses,
      e.eventId,
      {
        event_id: e.eventId,
        message_id: e.status.messageId,
        status: e.status.status,
        reason,
        occurred_at: at,
        ...pos,
      },
      keepEarliestStatus,
    );
  }
  if (e.consent && e.customerKey) {
    put(
      out.consents,
      `${e.customerKey}\u0000${e.channel}`,
      {
        customer_key: e.customerKey,
        channel: e.channel,
        kind: e.consent.kind,
        status: e.consent.status,
        updated_at: at,
        order_key: key,
        ...pos,
      },
      newest,
    );
  }
}

function mediaRow(m: MediaOutcome, pos: LogPosition): AttachmentRow {
  return {
    attachment_id: m.attachmentId,
    message_id: m.messageId,
    status: m.status,
    source_url: m.sourceUrl,
    content_type: m.contentType,
    file_name: m.fileName,
    size_bytes: m.sizeBytes === null ? null : String(m.sizeBytes),
    sha256: m.sha256,
    storage_key: m.storageKey,
    reason: m.reason,
    updated_at: isoOfMs(Number(m.occurredAt)),
    order_key: orderKey(Number(m.occurredAt), pos),
    ...pos,
  };
}

/** The rows of a batch of records, in log order, collapsed to one row per key and table. */
export function projectionRows(records: readonly ProjectedRecord[]): ProjectionRows {
  const out = {
    customers: new Map<string, CustomerRow>(),
    identities: new Map<string, IdentityRow>(),
    conversations: new Map<string, ConversationRow>(),
    messages: new Map<string, MessageRow>(),
    statuses: new Map<string, StatusRow>(),
    attachments: new Map<string, AttachmentRow>(),
    consents: new Map<string, ConsentRow>(),
  };
  for (const r of records) {
    if (r.kind === 'event') eventRows(r.event, r.position, out);
    else put(out.attachments, r.media.attachmentId, mediaRow(r.media, r.position), newest);
  }
  return {
    customers: [...out.customers.values()],
    identities: [...out.identities.values()],
    conversations: [...out.conversations.values()],
    messages: [...out.messages.values()],
    statuses: [...out.statuses.values()],
    attachments: [...out.attachments.values()],
    consents: [...out.consents.values()],
  };
}
