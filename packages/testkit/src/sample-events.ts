/**
 * Conversation events built field by field, for tests and benches: every field of
 * conversation.events.v1 present (null where optional), so they encode as they are.
 */
import type { ConversationEvent, Message } from '@cpm/domain';

const BASE_MS = Date.UTC(2026, 10, 1, 10, 0, 0);

export function sampleEvent(
  overrides: Partial<ConversationEvent> & { eventId: string; type: ConversationEvent['type'] },
  atMs = BASE_MS,
): ConversationEvent {
  const iso = new Date(atMs).toISOString();
  return {
    occurredAt: iso,
    occurredAtMs: atMs,
    occurredAtSource: 'ACCEPT_TIME',
    receivedAt: iso,
    receivedAtMs: atMs,
    customerKey: 'app1:contact1',
    appId: 'app1',
    projectId: 'proj',
    conversationId: 'conv1',
    contactId: 'contact1',
    channel: 'WHATSAPP',
    sourceChannel: 'WHATSAPP',
    sourceConversationId: 'conv1',
    sourceContactId: 'contact1',
    identity: '+46700000001',
    businessNumber: null,
    processingMode: 'CONVERSATION',
    source: {
      topic: 'sinch.webhooks.raw.v1',
      partition: 0,
      offset: '0',
      trigger: 'MESSAGE_INBOUND',
    },
    message: null,
    attachedData: null,
    status: null,
    contact: null,
    consent: null,
    correction: null,
    detailsJson: null,
    ...overrides,
  };
}

export function sampleMessage(overrides: Partial<Message> & { id: string }): Message {
  return {
    direction: 'TO_APP',
    author: 'CUSTOMER',
    kind: 'TEXT',
    text: null,
    media: null,
    location: null,
    choice: null,
    replyToMessageId: null,
    fallbackReason: null,
    channelSpecificJson: null,
    productsJson: null,
    acceptedAt: null,
    commandId: null,
    ...overrides,
  };
}

/** A customer's message `i` (text), the load of tests and benches: `customers` distinct customers in turn. */
export function loadEvent(i: number, customers = 40): ConversationEvent {
  const c = i % customers;
  return sampleEvent(
    {
      eventId: `load-${i}`,
      type: 'MESSAGE_RECEIVED',
      customerKey: `app1:c${c}`,
      contactId: `c${c}`,
      conversationId: `v${c}`,
      sourceConversationId: `v${c}`,
      sourceContactId: `c${c}`,
      identity: `+4670000${String(c).padStart(4, '0')}`,
      message: sampleMessage({ id: `m-${i}`, text: `message ${i}` }),
    },
    BASE_MS + i,
  );
}
