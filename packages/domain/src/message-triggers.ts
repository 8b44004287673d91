import type { ConversationEvent, DeliveryStatusReport, Direction } from '@cpm/contracts';
import { attachedDataOf } from './attached-data';
import { type Obj, isObj, obj, optStr, str } from './json';
import { detailsOf, messageContentOf, reasonOf } from './message-content';
import { msToIso, sinchTimeToMs } from './sinch-time';
import { type WebhookContext, buildEvent, businessNumberOf } from './webhook-context';

/**
 * MESSAGE_INBOUND and MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION → MESSAGE_RECEIVED.
 * A redacted copy is marked in detailsJson and keeps its own eventId (its trigger differs),
 * so an app subscribed to both triggers shows which text was masked.
 */
export function messageReceived(ctx: WebhookContext): ConversationEvent {
  const m = ctx.inner;
  const direction: Direction = m.direction === 'TO_CONTACT' ? 'TO_CONTACT' : 'TO_APP';
  const content = messageContentOf(m.contact_message);
  const acceptedMs = sinchTimeToMs(m.accept_time);
  const redacted = ctx.trigger === 'MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION';
  return buildEvent(ctx, {
    type: 'MESSAGE_RECEIVED',
    idParts: [str(m.id)],
    businessNumber: businessNumberOf(ctx.ref.channel, m.sender_id),
    message: {
      id: str(m.id),
      direction,
      author: direction === 'TO_APP' ? 'CUSTOMER' : null,
      ...content,
      acceptedAt: acceptedMs === null ? null : msToIso(acceptedMs),
      commandId: null,
    },
    attachedData: attachedDataOf(m.metadata, ctx.root.message_metadata),
    // Nothing silently dropped: content we cannot type travels as JSON.
    detailsJson: redacted
      ? JSON.stringify({ redacted: true })
      : detailsOf(content.kind, 'contact_message', m.contact_message),
  });
}

/** MESSAGE_SUBMIT → MESSAGE_SUBMITTED: an app message handed to a channel (one per channel tried). */
export function messageSubmitted(ctx: WebhookContext): ConversationEvent {
  const s = ctx.inner;
  const content = messageContentOf(s.submitted_message);
  return buildEvent(ctx, {
    type: 'MESSAGE_SUBMITTED',
    idParts: [str(s.message_id), ctx.ref.channel],
    message: {
      id: str(s.message_id),
      direction: 'TO_CONTACT',
      author: null,
      ...content,
      acceptedAt: null,
      commandId: null,
    },
    // The options offered, so that the customer's choice can be shown by its title.
    detailsJson: detailsOf(content.kind, 'submitted_message', s.submitted_message),
  });
}

/** MESSAGE_DELIVERY → MESSAGE_STATUS. One fact per message, status and channel. */
export function messageStatus(ctx: WebhookContext): ConversationEvent {
  const status = statusOf(ctx.inner, 'message_id');
  return buildEvent(ctx, {
    type: 'MESSAGE_STATUS',
    idParts: [status.messageId, status.status, ctx.ref.channel],
    status,
  });
}

/** EVENT_DELIVERY → EVENT_STATUS (`status.messageId` holds the event id). */
export function eventStatus(ctx: WebhookContext): ConversationEvent {
  const status = statusOf(ctx.inner, 'event_id');
  return buildEvent(ctx, {
    type: 'EVENT_STATUS',
    idParts: [status.messageId, status.status, ctx.ref.channel],
    status,
  });
}

/** EVENT_INBOUND → EVENT_RECEIVED: composing, reactions, comments, payments, shortlinks... */
export function eventReceived(ctx: WebhookContext): ConversationEvent {
  const e = ctx.inner;
  const group = isObj(e.contact_event)
    ? 'contact_event'
    : isObj(e.contact_message_event)
      ? 'contact_message_event'
      : null;
  const payload: Obj = group ? obj(e[group]) : {};
  const kind = Object.keys(payload)[0] ?? null;
  return buildEvent(ctx, {
    type: 'EVENT_RECEIVED',
    idParts: [str(e.id)],
    detailsJson: JSON.stringify({
      direction: optStr(e.direction),
      group,
      kind,
      payload: kind ? payload[kind] : null,
    }),
  });
}

/** UNSUPPORTED → UNSUPPORTED_RECEIVED: the agent still sees that something arrived. */
export function unsupportedReceived(ctx: WebhookContext): ConversationEvent {
  const u = ctx.inner;
  return buildEvent(ctx, {
    type: 'UNSUPPORTED_RECEIVED',
    idParts: [str(u.id)],
    detailsJson: JSON.stringify({ id: optStr(u.id), payload: u.payload ?? null }),
  });
}

function statusOf(report: Obj, idField: string): DeliveryStatusReport {
  const reason = reasonOf(report.reason);
  return {
    messageId: str(report[idField]),
    status: str(report.status),
    reasonCode: reason?.code ?? null,
    reasonDescription: reason?.description ?? null,
    subCode: reason?.subCode ?? null,
    channelCode: reason?.channelCode ?? null,
  };
}
