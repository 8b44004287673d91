import type { SimChannelIdentity, SimContact, SimConversation } from './sim-state';

/**
 * Callback bodies as the Conversation API sends them (snake_case; `accepted_time` at the top,
 * `accept_time` inside `message`; one trigger key per body). Pure: ids and times are given.
 */
export interface Envelope {
  appId: string;
  projectId: string;
  /** ISO-8601 time of the event. */
  time: string;
  /** Top-level `message_metadata`: on inbound messages, the conversation metadata JSON. */
  messageMetadata?: string;
  correlationId?: string;
}

function envelope(e: Envelope, withEventTime = true): Record<string, unknown> {
  return {
    app_id: e.appId,
    accepted_time: e.time,
    ...(withEventTime && { event_time: e.time }),
    project_id: e.projectId,
    message_metadata: e.messageMetadata ?? '',
    correlation_id: e.correlationId ?? '',
  };
}

export interface InboundMessage {
  id: string;
  channelIdentity: SimChannelIdentity;
  contactId: string;
  conversationId: string;
  /** One content key (`text_message`, `media_message`, `location_message`, ...) plus optional `reply_to`. */
  contactMessage: Record<string, unknown>;
  /** For replies quoting an agent message: that message's `message_metadata`. */
  metadata: string;
  senderId?: string;
  processingMode: string;
}

export function messageInbound(e: Envelope, m: InboundMessage): Record<string, unknown> {
  return {
    ...envelope(e),
    message: {
      id: m.id,
      direction: 'TO_APP',
      contact_message: m.contactMessage,
      channel_identity: m.channelIdentity,
      conversation_id: m.conversationId,
      contact_id: m.contactId,
      metadata: m.metadata,
      accept_time: e.time,
      ...(m.senderId !== undefined && { sender_id: m.senderId }),
      processing_mode: m.processingMode,
      injected: false,
    },
  };
}

export interface DeliveryReport {
  messageId: string;
  conversationId: string;
  contactId: string;
  status: string;
  channelIdentity: SimChannelIdentity;
  /** The `message_metadata` of the send. */
  metadata: string;
  reason?: { code: string; description: string; sub_code: string };
  processingMode: string;
}

export function messageDelivery(e: Envelope, r: DeliveryReport): Record<string, unknown> {
  return {
    ...envelope(e),
    message_delivery_report: {
      message_id: r.messageId,
      conversation_id: r.conversationId,
      status: r.status,
      channel_identity: r.channelIdentity,
      contact_id: r.contactId,
      ...(r.reason !== undefined && { reason: r.reason }),
      metadata: r.metadata,
      processing_mode: r.processingMode,
    },
  };
}

export function messageSubmit(
  e: Envelope,
  r: Omit<DeliveryReport, 'status' | 'reason'>,
  submitted: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...envelope(e),
    message_submit_notification: {
      message_id: r.messageId,
      conversation_id: r.conversationId,
      channel_identity: r.channelIdentity,
      contact_id: r.contactId,
      submitted_message: submitted,
      metadata: r.metadata,
      processing_mode: r.processingMode,
    },
  };
}

export function contactNotification(
  e: Envelope,
  kind: 'create' | 'update' | 'delete',
  contact: SimContact,
): Record<string, unknown> {
  return { ...envelope(e, false), [`contact_${kind}_notification`]: { contact } };
}

export function conversationNotification(
  e: Envelope,
  kind: 'start' | 'stop',
  conversation: SimConversation,
  lastReceived: string,
): Record<string, unknown> {
  const { metadata_json, ...rest } = conversation;
  return {
    ...envelope(e, false),
    [`conversation_${kind}_notification`]: {
      conversation: { ...rest, last_received: lastReceived, metadata: '', metadata_json },
    },
  };
}

export interface OptNotification {
  requestId: string;
  contactId: string;
  channel: string;
  identity: string;
  status: string;
  processingMode: string;
}

export function optNotification(
  e: Envelope,
  kind: 'in' | 'out',
  n: OptNotification,
): Record<string, unknown> {
  return {
    ...envelope(e),
    [`opt_${kind}_notification`]: {
      request_id: n.requestId,
      contact_id: n.contactId,
      channel: n.channel,
      identity: n.identity,
      status: n.status,
      processing_mode: n.processingMode,
    },
  };
}

export interface Unsupported {
  id: string;
  channelIdentity: SimChannelIdentity;
  contactId: string;
  conversationId: string;
  /** The channel's own callback, which Sinch forwards as a JSON string. */
  payload: unknown;
  processingMode: string;
}

/** UNSUPPORTED: a channel callback the Conversation API could not map, forwarded as it came. */
export function unsupportedCallback(e: Envelope, u: Unsupported): Record<string, unknown> {
  return {
    ...envelope(e),
    unsupported_callback: {
      channel: u.channelIdentity.channel,
      payload: JSON.stringify(u.payload),
      processing_mode: u.processingMode,
      id: u.id,
      contact_id: u.contactId,
      conversation_id: u.conversationId,
      channel_identity: u.channelIdentity,
    },
  };
}
