/** Realistic conversation events for tests, made by the real normalizer rules. */
import {
  normalizeOutbound,
  normalizeWebhook,
  type ConversationEvent,
  type OutboundRecord,
} from '@cpm/domain';
import { inbound, rawInput, sentOutboundRecord } from './domain-inputs';

export const T0 = Date.UTC(2026, 10, 1, 10, 0, 0);
export const DAY = 24 * 3600 * 1000;
const iso = (ms: number): string => new Date(ms).toISOString();

let offset = 0;
const source = () => ({ topic: 'sinch.webhooks.raw.v1', partition: 0, offset: String(offset++) });

/** A customer message (MESSAGE_INBOUND callback → MESSAGE_RECEIVED). */
export function customerSays(opts: {
  id: string;
  channel: string;
  identity: string;
  atMs?: number;
  text?: string;
  contactMessage?: object;
  replyTo?: string;
  metadata?: string;
  topLevelMetadata?: string;
  contactId?: string;
}): ConversationEvent {
  const contactMessage = opts.contactMessage ?? { text_message: { text: opts.text ?? 'hi' } };
  const body = inbound({
    id: opts.id,
    channel: opts.channel,
    identity: opts.identity,
    contactId: opts.contactId ?? `contact-${opts.identity}`,
    conversationId: `conv-${opts.identity}`,
    acceptTime: iso(opts.atMs ?? T0),
    contactMessage:
      opts.replyTo === undefined
        ? contactMessage
        : { ...contactMessage, reply_to: { message_id: opts.replyTo } },
    ...(opts.metadata !== undefined && { metadata: opts.metadata }),
    ...(opts.topLevelMetadata !== undefined && { topLevelMetadata: opts.topLevelMetadata }),
  });
  const [event] = normalizeWebhook({ ...rawInput(body), source: source() });
  return event!;
}

/** An agent message accepted by Sinch (sinch.outbound.v1 → MESSAGE_SENT). */
export function agentSends(opts: {
  sinchMessageId: string;
  channel: string;
  identity: string;
  atMs: number;
  text?: string | null;
  mediaUrl?: string;
  fileName?: string;
  author?: OutboundRecord['author'];
  customerKey: string;
}): ConversationEvent {
  const record = sentOutboundRecord({
    commandId: `cmd-${opts.sinchMessageId}`,
    commandType: opts.mediaUrl ? 'SEND_MEDIA' : 'SEND_TEXT',
    author: opts.author ?? 'AGENT',
    contactId: `contact-${opts.identity}`,
    conversationId: `conv-${opts.identity}`,
    channel: opts.channel,
    identity: opts.identity,
    customerKey: opts.customerKey,
    createdAt: iso(opts.atMs - 1000),
    completedAt: iso(opts.atMs + 50),
    sinchMessageId: opts.sinchMessageId,
    sinchAcceptedTime: iso(opts.atMs),
    text: opts.text === undefined ? 'Hello from the agent' : opts.text,
    mediaUrl: opts.mediaUrl ?? null,
    fileName: opts.fileName ?? null,
  });
  const [event] = normalizeOutbound({
    record,
    source: { topic: 'sinch.outbound.v1', partition: 0, offset: String(offset++) },
  });
  return event!;
}

/** Another event of the same customer as `like` (status, contact, lifecycle), by overriding what differs. */
export function sameCustomer(
  like: ConversationEvent,
  change: Partial<ConversationEvent> & Pick<ConversationEvent, 'eventId' | 'type'>,
): ConversationEvent {
  return {
    ...like,
    message: null,
    attachedData: null,
    status: null,
    contact: null,
    consent: null,
    correction: null,
    ...change,
  };
}
