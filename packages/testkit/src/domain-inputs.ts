/**
 * Inputs of the domain's rules for tests: raw-topic records, callback bodies, outbound
 * records, and a check of a value against an Avro schema of schemas/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as avro from 'avsc';
import { customerKey, customerRefOf } from '@cpm/sinch-webhooks';
import {
  normalizeWebhook,
  type ConversationEvent,
  type OutboundRecord,
  type RawWebhookInput,
} from '@cpm/domain';

const SCHEMAS_DIR = join(__dirname, '..', '..', '..', 'schemas');

export const RECEIVED_AT_MS = Date.UTC(2024, 0, 1, 12, 0, 0);

/** A raw-topic record of `body` (bytes, or a value to serialize), keyed as the ingress keys it. */
export function rawInput(body: Buffer | object, offset = '0'): RawWebhookInput {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  let key = 'unkeyed';
  try {
    key = customerKey(customerRefOf(JSON.parse(bytes.toString('utf8')))).key;
  } catch {
    // not JSON: the normalizer is expected to refuse it; any key will do
  }
  return {
    body: bytes,
    receivedAtMs: RECEIVED_AT_MS,
    customerKey: key,
    source: { topic: 'sinch.webhooks.raw.v1', partition: 0, offset },
  };
}

/** The one conversation event the normalizer makes of a callback body, as a raw record at offset 0. */
export function normalizedEvent(body: Buffer | object): ConversationEvent {
  const events = normalizeWebhook(rawInput(body));
  expect(events).toHaveLength(1);
  return events[0]!;
}

/** The `detailsJson` of an event, parsed. */
export const detailsOf = (event: ConversationEvent): unknown =>
  JSON.parse(event.detailsJson ?? 'null');

/** What every event `normalizedEvent` gives must have: a content-derived id, its source and receive time, and a value the Avro contract accepts. */
export function expectWellFormedEvent(event: ConversationEvent): void {
  expect(event.eventId).toMatch(/^[0-9a-f]{64}$/);
  expect(event.source).toMatchObject({ topic: 'sinch.webhooks.raw.v1', partition: 0, offset: '0' });
  expect(event.receivedAtMs).toBe(RECEIVED_AT_MS);
  expect(avroErrors('conversation.events.v1.avsc', event)).toEqual([]);
}

const types = new Map<string, avro.Type>();
/** Every path where `value` breaks the Avro schema `schemas/<file>` (undeclared fields count). */
export function avroErrors(file: string, value: unknown): string[] {
  let type = types.get(file);
  if (!type) {
    type = avro.Type.forSchema(JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8')));
    types.set(file, type);
  }
  const errors: string[] = [];
  type.isValid(value, {
    noUndeclaredFields: true,
    errorHook: (path, val) => errors.push(`${path.join('.')}=${JSON.stringify(val)}`),
  });
  return errors;
}

/** A MESSAGE_INBOUND body, CONVERSATION mode, with the parts a test cares about. */
export function inbound(opts: {
  id: string;
  channel?: string;
  identity?: string;
  senderId?: string;
  contactId?: string;
  conversationId?: string;
  acceptTime?: string;
  contactMessage?: object;
  metadata?: string;
  topLevelMetadata?: string;
  appId?: string;
}): object {
  return {
    app_id: opts.appId ?? 'app1',
    project_id: 'proj',
    accepted_time: opts.acceptTime ?? '2024-01-01T10:00:01Z',
    message_metadata: opts.topLevelMetadata ?? '',
    correlation_id: '',
    message: {
      id: opts.id,
      direction: 'TO_APP',
      contact_message: opts.contactMessage ?? { text_message: { text: 'hi' } },
      channel_identity: {
        channel: opts.channel ?? 'SMS',
        identity: opts.identity ?? '15550001111',
        app_id: '',
      },
      conversation_id: opts.conversationId ?? 'conv-sms',
      contact_id: opts.contactId ?? 'contact-sms',
      metadata: opts.metadata ?? '',
      accept_time: opts.acceptTime ?? '2024-01-01T10:00:00Z',
      sender_id: opts.senderId ?? '15559990000',
      processing_mode: 'CONVERSATION',
      injected: false,
    },
  };
}

/**
 * A sinch.outbound.v1 record of an agent's text that Sinch accepted (outcome SENT, HTTP
 * 200, no template, no metadata), with `overrides` for what a test cares about.
 */
export function sentOutboundRecord(overrides: Partial<OutboundRecord> = {}): OutboundRecord {
  return {
    commandId: 'cmd-1',
    attempt: 1,
    outcome: 'SENT',
    commandType: 'SEND_TEXT',
    author: 'AGENT',
    appId: 'app1',
    contactId: 'contact-1',
    conversationId: 'conv-1',
    channel: 'WHATSAPP',
    identity: '46700000000',
    customerKey: 'app1:contact-1',
    createdAt: '2024-01-01T10:00:00Z',
    completedAt: '2024-01-01T10:00:02Z',
    sinchMessageId: 'sinch-m1',
    sinchAcceptedTime: '2024-01-01T10:00:01.5Z',
    text: 'Hello',
    mediaUrl: null,
    fileName: null,
    templateName: null,
    templateLanguage: null,
    templateParamsJson: null,
    messageMetadata: null,
    conversationMetadata: null,
    errorCode: null,
    errorMessage: null,
    httpStatus: 200,
    ...overrides,
  };
}
