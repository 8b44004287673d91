import { type Trigger, customerRefOf, detectTrigger } from '@cpm/sinch-webhooks';
import type { ConversationEvent } from '@cpm/contracts';
import { UnparseableWebhookError } from './errors';
import { isObj, obj } from './json';
import {
  eventReceived,
  eventStatus,
  messageReceived,
  messageStatus,
  messageSubmitted,
  unsupportedReceived,
} from './message-triggers';
import {
  consentChanged,
  contactEvent,
  contactMerged,
  conversationEvent,
  detailsEvent,
  unknownCallback,
} from './notification-triggers';
import type { RawWebhookInput, WebhookContext } from './webhook-context';

const BY_TRIGGER: Record<Trigger, (ctx: WebhookContext) => ConversationEvent> = {
  MESSAGE_INBOUND: messageReceived,
  MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION: messageReceived,
  MESSAGE_SUBMIT: messageSubmitted,
  MESSAGE_DELIVERY: messageStatus,
  EVENT_INBOUND: eventReceived,
  EVENT_DELIVERY: eventStatus,
  CONVERSATION_START: conversationEvent('CONVERSATION_STARTED'),
  CONVERSATION_STOP: conversationEvent('CONVERSATION_STOPPED'),
  CONVERSATION_DELETE: conversationEvent('CONVERSATION_DELETED'),
  CONTACT_CREATE: contactEvent('CONTACT_CREATED'),
  CONTACT_UPDATE: contactEvent('CONTACT_UPDATED'),
  CONTACT_DELETE: contactEvent('CONTACT_DELETED'),
  CONTACT_MERGE: contactMerged,
  CONTACT_IDENTITIES_DUPLICATION: detailsEvent('CONTACT_IDENTITIES_DUPLICATED'),
  CAPABILITY: detailsEvent('CAPABILITY_REPORTED'),
  OPT_IN: consentChanged('OPT_IN'),
  OPT_OUT: consentChanged('OPT_OUT'),
  CHANNEL_EVENT: detailsEvent('CHANNEL_EVENT'),
  UNSUPPORTED: unsupportedReceived,
  SMART_CONVERSATION: detailsEvent('SMART_CONVERSATION'),
  RECORD_NOTIFICATION: detailsEvent('RECORD_NOTIFICATION'),
  UNKNOWN: unknownCallback,
};

/**
 * One raw webhook (sinch.webhooks.raw.v1) → its conversation events. Pure and
 * deterministic: the same input gives deep-equal output. Every JSON object is accepted
 * (an unknown trigger gives UNKNOWN_CALLBACK); anything else throws UnparseableWebhookError.
 * The MMS correction is a separate, stateful step (mms-correction.ts).
 */
export function normalizeWebhook(input: RawWebhookInput): ConversationEvent[] {
  const root = parseBody(input.body);
  const { trigger, key } = detectTrigger(root);
  const ctx: WebhookContext = {
    input,
    root,
    trigger,
    inner: key ? obj(root[key]) : {},
    ref: customerRefOf(root),
  };
  return [BY_TRIGGER[trigger](ctx)];
}

function parseBody(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    // A UTF-8 byte-order mark is not JSON but harmless: tolerate it.
    parsed = JSON.parse(body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new UnparseableWebhookError(
      'CPM_ERR_WEBHOOK_NOT_JSON',
      `webhook body is not JSON: ${(error as Error).message}`,
    );
  }
  if (!isObj(parsed)) {
    throw new UnparseableWebhookError(
      'CPM_ERR_WEBHOOK_NOT_OBJECT',
      `webhook body is JSON but not an object (${Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : typeof parsed})`,
    );
  }
  return parsed;
}
