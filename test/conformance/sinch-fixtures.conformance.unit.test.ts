/**
 * Conformance with Sinch's own published callback payloads and signature vector (the
 * official .NET SDK's test resources), kept outside this repository in
 * ../shared/fixtures/sinch-sdk-dotnet-hooks, beside the repository's folder. When that
 * folder is there, every payload goes through the checks this project runs on its own
 * fixtures: trigger detection, normalization (with the expected values of each payload),
 * and the signature check. When it is not there, the test says so and is skipped; the
 * project's own fixtures (packages/testkit/fixtures) are checked by the unit tests either way.
 * This is the only file of the repository that reads ../shared.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { detectTrigger, customerRefOf, verifySignature } from '@cpm/sinch-webhooks';
import type { ConversationEvent } from '@cpm/domain';
import {
  RECEIVED_AT_MS,
  detailsOf as details,
  expectWellFormedEvent,
  normalizedEvent as one,
} from '@cpm/testkit';

const SINCH_DIR = resolve(
  __dirname,
  '..',
  '..',
  '..',
  'shared',
  'fixtures',
  'sinch-sdk-dotnet-hooks',
);
const present = existsSync(SINCH_DIR);
const load = (file: string): Buffer => readFileSync(join(SINCH_DIR, file));
const jsonFiles = (): string[] =>
  readdirSync(SINCH_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();

const fixture = (file: string): ConversationEvent => one(load(file));

const ENVELOPE_TIME = '2020-11-17T16:05:45.000Z'; // event_time of the .NET payloads
const ACCEPT_TIME = '2020-11-17T16:07:15.000Z'; // inner accept_time of their message and event payloads

const triggers: Record<string, string> = {
  'CapabilityEvent.json': 'CAPABILITY',
  'ChannelEvent.json': 'CHANNEL_EVENT',
  // Comment, payment and shortlink files are fragments of an `event` body, not whole callbacks:
  // valid Sinch JSON with an unknown top-level key, to be stored and flagged.
  'CommentEvent.json': 'UNKNOWN',
  'ContactCreateEvent.json': 'CONTACT_CREATE',
  'ContactDeleteEvent.json': 'CONTACT_DELETE',
  'ContactIdentitiesDuplicationEvent.json': 'CONTACT_IDENTITIES_DUPLICATION',
  'ContactMergeEvent.json': 'CONTACT_MERGE',
  'ContactUpdateEvent.json': 'CONTACT_UPDATE',
  'ConversationDeleteEvent.json': 'CONVERSATION_DELETE',
  'ConversationStartEvent.json': 'CONVERSATION_START',
  'ConversationStopEvent.json': 'CONVERSATION_STOP',
  'EventDeliveryReportEvent.json': 'EVENT_DELIVERY',
  'InboundContactEvent.json': 'EVENT_INBOUND',
  'InboundContactMessageEvent.json': 'EVENT_INBOUND',
  'MessageDeliveryReceiptEvent.json': 'MESSAGE_DELIVERY',
  'MessageInboundEvent.json': 'MESSAGE_INBOUND',
  'MessageInboundSmartConversationRedactionEvent.json':
    'MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION',
  'MessageSubmitEvent.json': 'MESSAGE_SUBMIT',
  'OptInEvent.json': 'OPT_IN',
  'OptOutEvent.json': 'OPT_OUT',
  'PaymentStatusUpdateEvent.json': 'UNKNOWN',
  'ShortlinkActivatedEvent.json': 'UNKNOWN',
  'SmartConversationsEvent.json': 'SMART_CONVERSATION',
  'UnsupportedCallbackEvent.json': 'UNSUPPORTED',
  'WebhooksAuthValidation.json': 'EVENT_INBOUND',
};

const expectations: Record<string, (e: ConversationEvent) => void> = {
  'CapabilityEvent.json': (e) => {
    expect(e).toMatchObject({
      type: 'CAPABILITY_REPORTED',
      contactId: 'contact id value',
      channel: 'WHATSAPP',
      identity: '+12345678910',
      occurredAt: ENVELOPE_TIME,
      occurredAtSource: 'EVENT_TIME',
    });
    expect(details(e)).toMatchObject({
      capability_status: 'CAPABILITY_PARTIAL',
      request_id: 'request id value',
    });
  },
  'ChannelEvent.json': (e) => {
    expect(e).toMatchObject({ type: 'CHANNEL_EVENT', channel: 'WHATSAPP' });
    expect(details(e)).toMatchObject({
      channel_event: {
        event_type: 'WHATS_APP_QUALITY_RATING_CHANGED',
        additional_data: { quality_rating: 'quality rating value' },
      },
    });
  },
  // A fragment of an `event` body: unknown top-level key, kept whole and flagged.
  'CommentEvent.json': (e) => {
    expect(e).toMatchObject({
      type: 'UNKNOWN_CALLBACK',
      appId: '',
      occurredAtSource: 'RECEIVED',
      occurredAtMs: RECEIVED_AT_MS,
      source: { trigger: 'UNKNOWN' },
    });
    expect(details(e)).toMatchObject({ comment_event: { id: 'comment id', comment_type: 'LIVE' } });
  },
  'ContactCreateEvent.json': (e) => {
    expect(e).toMatchObject({
      type: 'CONTACT_CREATED',
      contactId: 'my created contact ID',
      appId: 'app id value',
      projectId: 'project id value',
    });
    expect(e.contact).toEqual({
      id: 'my created contact ID',
      displayName: 'created from Dotnet SDK',
      identities: [
        { channel: 'MMS', identity: '+33987654321' },
        { channel: 'MESSENGER', identity: '+33987654321' },
      ],
      mergedFromContactId: null,
    });
  },
  'ContactDeleteEvent.json': (e) =>
    expect(e).toMatchObject({
      type: 'CONTACT_DELETED',
      contactId: 'my created contact ID',
      contact: { id: 'my created contact ID' },
    }),
  'ContactIdentitiesDuplicationEvent.json': (e) => {
    expect(e.type).toBe('CONTACT_IDENTITIES_DUPLICATED');
    expect(details(e)).toEqual({
      duplicated_identities: [
        {
          channel: 'MESSENGER',
          contact_ids: ['01EKA07N79THJ20ZSN6AS30TMW', '01EKA07N79THJ20ZSN6AS30TTT'],
        },
      ],
    });
  },
  'ContactMergeEvent.json': (e) => {
    expect(e).toMatchObject({ type: 'CONTACT_MERGED', contactId: 'a contact id' });
    expect(e.contact).toMatchObject({
      id: 'a contact id',
      displayName: 'a display name',
      mergedFromContactId: 'my created contact ID',
    });
    expect(details(e)).toMatchObject({ deleted_contact: { id: 'my created contact ID' } });
  },
  'ContactUpdateEvent.json': (e) =>
    expect(e).toMatchObject({
      type: 'CONTACT_UPDATED',
      contact: { id: 'my created contact ID', displayName: 'created from Dotnet SDK' },
    }),
  'ConversationDeleteEvent.json': (e) =>
    expect(e).toMatchObject({
      type: 'CONVERSATION_DELETED',
      conversationId: 'a conversation id',
      contactId: 'contact ID',
      channel: 'WHATSAPP',
    }),
  'ConversationStartEvent.json': (e) =>
    expect(e).toMatchObject({
      type: 'CONVERSATION_STARTED',
      conversationId: 'a conversation id',
      contactId: 'contact ID',
      channel: 'WHATSAPP',
      customerKey: 'app id value:contact ID',
    }),
  'ConversationStopEvent.json': (e) =>
    expect(e).toMatchObject({
      type: 'CONVERSATION_STOPPED',
      conversationId: 'a conversation id',
      contactId: 'contact ID',
    }),
  'EventDeliveryReportEvent.json': (e) => {
    expect(e).toMatchObject({
      type: 'EVENT_STATUS',
      channel: 'MESSENGER',
      identity: 'an identity',
      contactId: 'contact ID',
      processingMode: 'DISPATCH',
    });
    expect(e.status).toEqual({
      messageId: 'event id',
      status: 'DELIVERED',
      reasonCode: 'RECIPIENT_NOT_OPTED_IN',
      reasonDescription: 'reason description',
      subCode: 'UNSPECIFIED_SUB_CODE',
      channelCode: null,
    });
  },
  'InboundContactEvent.json': (e) => {
    expect(e).toMatchObject({
      type: 'EVENT_RECEIVED',
      conversationId: 'conversation id',
      occurredAt: ACCEPT_TIME,
      occurredAtSource: 'ACCEPT_TIME',
    });
    expect(details(e)).toEqual({
      direction: 'TO_APP',
      group: 'contact_event',
      kind: 'composing_event',
      payload: {},
    });
  },
  'InboundContactMessageEvent.json': (e) => {
    expect(e.type).toBe('EVENT_RECEIVED');
    expect(details(e)).toMatchObject({
      group: 'contact_message_event',
      kind: 'reaction_event',
      payload: {
        emoji: '🔥 Dotnet SDK',
        action: 'REACTION_ACTION_REACT',
        message_id: 'message id value',
      },
    });
  },
  'MessageDeliveryReceiptEvent.json': (e) => {
    expect(e).toMatchObject({
      type: 'MESSAGE_STATUS',
      conversationId: 'conversation id',
      channel: 'MESSENGER',
      occurredAt: ENVELOPE_TIME,
    });
    expect(e.status).toMatchObject({
      messageId: 'message id',
      status: 'DELIVERED',
      reasonCode: 'RECIPIENT_NOT_OPTED_IN',
    });
  },
  'MessageInboundEvent.json': (e) => {
    expect(e).toMatchObject({
      type: 'MESSAGE_RECEIVED',
      appId: 'app id value',
      conversationId: 'conversation id',
      contactId: 'contact ID',
      channel: 'MESSENGER',
      sourceChannel: 'MESSENGER',
    });
    expect(e).toMatchObject({
      identity: 'an identity',
      businessNumber: 'sender id value',
      processingMode: 'DISPATCH',
      occurredAt: ACCEPT_TIME,
      correction: null,
    });
    expect(e.message).toMatchObject({
      id: 'event id',
      direction: 'TO_APP',
      author: 'CUSTOMER',
      kind: 'TEXT',
      text: 'This is a text message.',
      replyToMessageId: 'message id value',
      acceptedAt: ACCEPT_TIME,
    });
    // Both metadata fields hold plain text, not JSON objects: not attached, the reason is told.
    expect(e.attachedData).toMatchObject({
      status: 'INVALID',
      source: 'MESSAGE_METADATA',
      entries: {},
    });
  },
  'MessageInboundSmartConversationRedactionEvent.json': (e) => {
    expect(e).toMatchObject({
      type: 'MESSAGE_RECEIVED',
      contactId: 'contact id',
      businessNumber: 'sender id',
      occurredAt: '2020-11-17T16:05:51.724Z',
    });
    expect(e.message).toMatchObject({
      id: 'id',
      kind: 'MEDIA',
      media: {
        url: 'an url value',
        thumbnailUrl: 'another url',
        fileName: 'filename override value',
        caption: null,
      },
    });
    expect(details(e)).toEqual({ redacted: true });
  },
  'MessageSubmitEvent.json': (e) => {
    expect(e).toMatchObject({
      type: 'MESSAGE_SUBMITTED',
      conversationId: 'conversation id',
      channel: 'MESSENGER',
    });
    expect(e.message).toMatchObject({
      id: 'message id',
      direction: 'TO_CONTACT',
      author: null,
      kind: 'TEXT',
      text: 'This is a text message.',
    });
  },
  'OptInEvent.json': (e) =>
    expect(e).toMatchObject({
      type: 'CONSENT_CHANGED',
      channel: 'WHATSAPP',
      contactId: 'contact id',
      consent: {
        kind: 'OPT_IN',
        status: 'OPT_IN_FAILED',
        requestId: 'request id',
        errorDescription: 'Error description value',
      },
    }),
  'OptOutEvent.json': (e) =>
    expect(e).toMatchObject({
      type: 'CONSENT_CHANGED',
      consent: { kind: 'OPT_OUT', status: 'OPT_OUT_FAILED' },
    }),
  'PaymentStatusUpdateEvent.json': (e) => {
    expect(e.type).toBe('UNKNOWN_CALLBACK');
    expect(details(e)).toMatchObject({
      payment_status_update_event: { reference_id: 'a reference id' },
    });
  },
  'ShortlinkActivatedEvent.json': (e) => {
    expect(e.type).toBe('UNKNOWN_CALLBACK');
    expect(details(e)).toMatchObject({ shortlink_activated_event: { ref: 'ref value' } });
  },
  'SmartConversationsEvent.json': (e) => {
    expect(e).toMatchObject({
      type: 'SMART_CONVERSATION',
      channel: 'MESSENGER',
      identity: 'channel identity',
      conversationId: 'conversation id',
    });
    expect(details(e)).toMatchObject({
      message_id: 'message id',
      analysis_results: { ml_offensive_analysis_result: [{ evaluation: 'UNSAFE' }] },
    });
  },
  'UnsupportedCallbackEvent.json': (e) => {
    expect(e).toMatchObject({
      type: 'UNSUPPORTED_RECEIVED',
      channel: 'MESSENGER',
      conversationId: 'conversation id',
    });
    expect(details(e)).toEqual({ id: 'id value', payload: 'payload value' });
  },
  'WebhooksAuthValidation.json': (e) => {
    expect(e).toMatchObject({
      type: 'EVENT_RECEIVED',
      appId: '01W4FFL35P4NC4K35CONVAPP01',
      channel: 'RCS',
      identity: '+12015555555',
      contactId: '01W4FFL35P4NC4K35CONTACT01',
    });
    // Nanosecond accept_time, kept to the millisecond.
    expect(e).toMatchObject({
      occurredAt: '2024-06-06T14:42:42.429Z',
      occurredAtMs: Date.UTC(2024, 5, 6, 14, 42, 42, 429),
      processingMode: 'CONVERSATION',
    });
  },
};

/** Sinch's signature vector (the README of the fixtures folder): WebhooksAuthValidation.json, trailing newline included. */
const vectorHeaders = {
  signature: 'wKmZBGo4Cf+y9cZoPHhiVw6ziKeubLGqN4OdG8jlaPo=',
  nonce: '01FJA8B4A7BM43YGWSG9GBV067',
  timestamp: '1634579353',
  algorithm: 'HmacSHA256',
};
const now = 1_800_000_000;

if (!present) {
  console.log(
    `../shared/fixtures not present (${SINCH_DIR}): Sinch conformance payloads not checked`,
  );
  describe('Sinch conformance', () => {
    test.skip('../shared/fixtures not present: Sinch conformance payloads not checked', () =>
      undefined);
  });
} else {
  describe('Sinch conformance: trigger detection of every .NET SDK payload', () => {
    it('knows every payload file', () => {
      expect(jsonFiles()).toEqual(Object.keys(triggers).sort());
    });
    it.each(Object.entries(triggers))('%s is %s', (file, trigger) => {
      expect(detectTrigger(JSON.parse(load(file).toString('utf8'))).trigger).toBe(trigger);
    });
    it('reads the customer of the inbound message payload', () => {
      const ref = customerRefOf(JSON.parse(load('MessageInboundEvent.json').toString('utf8')));
      expect(ref.appId).not.toBe('');
      expect(ref.contactId || ref.identity).not.toBe('');
    });
  });

  describe('Sinch conformance: normalizeWebhook on every .NET SDK payload', () => {
    it('has an expectation for every payload file', () => {
      expect(jsonFiles()).toEqual(Object.keys(expectations).sort());
    });

    it.each(Object.keys(expectations))('%s', (file) => {
      const event = fixture(file);
      expectations[file]!(event);
      expectWellFormedEvent(event);
    });

    it('gives every payload its own event id, except two events sharing the placeholder id "event id"', () => {
      // Sinch event ids are unique in real traffic; the .NET payloads reuse one placeholder,
      // and the id (not the content) identifies an inbound event.
      expect(fixture('InboundContactEvent.json').eventId).toBe(
        fixture('InboundContactMessageEvent.json').eventId,
      );
      const ids = Object.keys(expectations)
        .filter((file) => file !== 'InboundContactMessageEvent.json')
        .map((file) => fixture(file).eventId);
      expect(new Set(ids).size).toBe(ids.length);
    });
  });

  describe("Sinch conformance: Sinch's own signature vector", () => {
    const body = () => load('WebhooksAuthValidation.json');
    it('is accepted with foo_secret1234, trailing newline included, despite its 2021 timestamp', () => {
      const result = verifySignature(body(), vectorHeaders, {
        secrets: ['foo_secret1234'],
        nowSeconds: now,
      });
      expect(result).toMatchObject({ ok: true, status: 'VERIFIED', secretIndex: 0 });
      expect(result.ageSeconds).toBe(now - 1634579353);
    });
    it('is refused with wrong_secret', () => {
      expect(
        verifySignature(body(), vectorHeaders, { secrets: ['wrong_secret'], nowSeconds: now }),
      ).toMatchObject({ ok: false, reason: 'SIGNATURE_MISMATCH' });
    });
    it('is refused when the trailing newline is stripped (raw bytes matter)', () => {
      const stripped = body().subarray(0, body().length - 1);
      expect(
        verifySignature(stripped, vectorHeaders, { secrets: ['foo_secret1234'], nowSeconds: now })
          .ok,
      ).toBe(false);
    });
  });
}
