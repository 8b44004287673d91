/**
 * The pure core of the projector: the decoded records of one batch → one row per key and
 * table ("last event wins", merged field by field so that any cut of the log into batches
 * gives the same rows). No SQL, no clock: the same log always gives the same rows.
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

export interface CustomerRow extends LogPosition {
  customer_key: string;
  app_id: string;
  contact_id: string;
  display_name: string | null;
  first_seen_at: string;
  last_seen_at: string;
}
export interface IdentityRow extends LogPosition {
  customer_key: string;
  channel: string;
  identity: string;
  first_seen_at: string;
}
export interface ConversationRow extends LogPosition {
  conversation_id: string;
  app_id: string;
  contact_id: string;
  customer_key: string;
  channel: string;
  source_channel: string;
  state: string | null;
  started_at: string | null;
  ended_at: string | null;
  last_event_at: string;
  attached_data: string | null;
}
export interface MessageRow extends LogPosition {
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
export interface AttachmentRow extends LogPosition {
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
export interface ConsentRow extends LogPosition {
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

/** Upserts `row` under `key`: `merge(previous, next)` decides what an earlier row keeps. */
function put<R>(map: Map<string, R>, key: string, row: R, merge: (prev: R, next: R) => R): void {
  const prev = map.get(key);
  map.set(key, prev ? merge(prev, row) : row);
}

const mergeCustomer = (p: CustomerRow, n: CustomerRow): CustomerRow => ({
  ...n,
  contact_id: n.contact_id || p.contact_id,
  display_name: n.display_name ?? p.display_name,
  first_seen_at: p.first_seen_at < n.first_seen_at ? p.first_seen_at : n.first_seen_at,
});
const keepFirstIdentity = (p: IdentityRow): IdentityRow => p;
const mergeConversation = (p: ConversationRow, n: ConversationRow): ConversationRow => ({
  ...n,
  contact_id: n.contact_id || p.contact_id,
  channel: n.channel || p.channel,
  source_channel: n.source_channel || p.source_channel,
  state: n.state ?? p.state,
  started_at: n.started_at ?? p.started_at,
  ended_at: n.ended_at ?? p.ended_at,
  attached_data: n.attached_data ?? p.attached_data,
});
const mergeMessage = (p: MessageRow, n: MessageRow): MessageRow => ({
  ...n,
  author: n.author === 'UNKNOWN' ? p.author : n.author,
  text: n.text ?? p.text,
  reply_to_message_id: n.reply_to_message_id ?? p.reply_to_message_id,
  attached_data: n.attached_data ?? p.attached_data,
});
const last = <R>(_p: R, n: R): R => n;

function eventRows(
  e: ConversationEvent,
  pos: LogPosition,
  out: { [K in keyof ProjectionRows]: Map<string, ProjectionRows[K][number]> },
): void {
  const at = e.occurredAt;
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
        display_name: name,
        first_seen_at: at,
        last_seen_at: at,
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
          ...pos,
        },
        keepFirstIdentity,
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
        customer_key: e.customerKey,
        channel: e.channel,
        source_channel: e.sourceChannel,
        state,
        started_at: e.type === 'CONVERSATION_STARTED' ? at : null,
        ended_at:
          e.type === 'CONVERSATION_STOPPED' || e.type === 'CONVERSATION_DELETED' ? at : null,
        last_event_at: at,
        attached_data: attached,
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
      last,
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
        ...pos,
      },
      last,
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
    else put(out.attachments, r.media.attachmentId, mediaRow(r.media, r.position), last);
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
