import { readdirSync } from 'node:fs';
import type { ConversationEvent } from '@cpm/contracts';
import { UnparseableWebhookError } from './errors';
import { normalizeWebhook } from './normalize';
import { FIXTURES_DIR, RECEIVED_AT_MS, avroErrors, fixtureBytes, inbound, rawInput } from './test-kit';

const one = (body: Buffer | object): ConversationEvent => {
  const events = normalizeWebhook(rawInput(body));
  expect(events).toHaveLength(1);
  return events[0]!;
};
const fixture = (file: string): ConversationEvent => one(fixtureBytes(file));
const details = (event: ConversationEvent): unknown => JSON.parse(event.detailsJson ?? 'null');

const ENVELOPE_TIME = '2020-11-17T16:05:45.000Z'; // event_time of the .NET fixtures
const ACCEPT_TIME = '2020-11-17T16:07:15.000Z'; // inner accept_time of message/event fixtures

describe('normalizeWebhook on every .NET SDK fixture', () => {
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
      expect(details(e)).toMatchObject({ capability_status: 'CAPABILITY_PARTIAL', request_id: 'request id value' });
    },
    'ChannelEvent.json': (e) => {
      expect(e).toMatchObject({ type: 'CHANNEL_EVENT', channel: 'WHATSAPP' });
      expect(details(e)).toMatchObject({
        channel_event: { event_type: 'WHATS_APP_QUALITY_RATING_CHANGED', additional_data: { quality_rating: 'quality rating value' } },
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
      expect(e).toMatchObject({ type: 'CONTACT_CREATED', contactId: 'my created contact ID', appId: 'app id value', projectId: 'project id value' });
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
      expect(e).toMatchObject({ type: 'CONTACT_DELETED', contactId: 'my created contact ID', contact: { id: 'my created contact ID' } }),
    'ContactIdentitiesDuplicationEvent.json': (e) => {
      expect(e.type).toBe('CONTACT_IDENTITIES_DUPLICATED');
      expect(details(e)).toEqual({
        duplicated_identities: [{ channel: 'MESSENGER', contact_ids: ['01EKA07N79THJ20ZSN6AS30TMW', '01EKA07N79THJ20ZSN6AS30TTT'] }],
      });
    },
    'ContactMergeEvent.json': (e) => {
      expect(e).toMatchObject({ type: 'CONTACT_MERGED', contactId: 'a contact id' });
      expect(e.contact).toMatchObject({ id: 'a contact id', displayName: 'a display name', mergedFromContactId: 'my created contact ID' });
      expect(details(e)).toMatchObject({ deleted_contact: { id: 'my created contact ID' } });
    },
    'ContactUpdateEvent.json': (e) =>
      expect(e).toMatchObject({ type: 'CONTACT_UPDATED', contact: { id: 'my created contact ID', displayName: 'created from Dotnet SDK' } }),
    'ConversationDeleteEvent.json': (e) =>
      expect(e).toMatchObject({ type: 'CONVERSATION_DELETED', conversationId: 'a conversation id', contactId: 'contact ID', channel: 'WHATSAPP' }),
    'ConversationStartEvent.json': (e) =>
      expect(e).toMatchObject({
        type: 'CONVERSATION_STARTED',
        conversationId: 'a conversation id',
        contactId: 'contact ID',
        channel: 'WHATSAPP',
        customerKey: 'app id value:contact ID',
      }),
    'ConversationStopEvent.json': (e) =>
      expect(e).toMatchObject({ type: 'CONVERSATION_STOPPED', conversationId: 'a conversation id', contactId: 'contact ID' }),
    'EventDeliveryReportEvent.json': (e) => {
      expect(e).toMatchObject({ type: 'EVENT_STATUS', channel: 'MESSENGER', identity: 'an identity', contactId: 'contact ID', processingMode: 'DISPATCH' });
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
      expect(e).toMatchObject({ type: 'EVENT_RECEIVED', conversationId: 'conversation id', occurredAt: ACCEPT_TIME, occurredAtSource: 'ACCEPT_TIME' });
      expect(details(e)).toEqual({ direction: 'TO_APP', group: 'contact_event', kind: 'composing_event', payload: {} });
    },
    'InboundContactMessageEvent.json': (e) => {
      expect(e.type).toBe('EVENT_RECEIVED');
      expect(details(e)).toMatchObject({
        group: 'contact_message_event',
        kind: 'reaction_event',
        payload: { emoji: '🔥 Dotnet SDK', action: 'REACTION_ACTION_REACT', message_id: 'message id value' },
      });
    },
    'MessageDeliveryReceiptEvent.json': (e) => {
      expect(e).toMatchObject({ type: 'MESSAGE_STATUS', conversationId: 'conversation id', channel: 'MESSENGER', occurredAt: ENVELOPE_TIME });
      expect(e.status).toMatchObject({ messageId: 'message id', status: 'DELIVERED', reasonCode: 'RECIPIENT_NOT_OPTED_IN' });
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
      expect(e.attachedData).toMatchObject({ status: 'INVALID', source: 'MESSAGE_METADATA', entries: {} });
    },
    'MessageInboundSmartConversationRedactionEvent.json': (e) => {
      expect(e).toMatchObject({ type: 'MESSAGE_RECEIVED', contactId: 'contact id', businessNumber: 'sender id', occurredAt: '2020-11-17T16:05:51.724Z' });
      expect(e.message).toMatchObject({
        id: 'id',
        kind: 'MEDIA',
        media: { url: 'an url value', thumbnailUrl: 'another url', fileName: 'filename override value', caption: null },
      });
      expect(details(e)).toEqual({ redacted: true });
    },
    'MessageSubmitEvent.json': (e) => {
      expect(e).toMatchObject({ type: 'MESSAGE_SUBMITTED', conversationId: 'conversation id', channel: 'MESSENGER' });
      expect(e.message).toMatchObject({ id: 'message id', direction: 'TO_CONTACT', author: null, kind: 'TEXT', text: 'This is a text message.' });
    },
    'OptInEvent.json': (e) =>
      expect(e).toMatchObject({
        type: 'CONSENT_CHANGED',
        channel: 'WHATSAPP',
        contactId: 'contact id',
        consent: { kind: 'OPT_IN', status: 'OPT_IN_FAILED', requestId: 'request id', errorDescription: 'Error description value' },
      }),
    'OptOutEvent.json': (e) => expect(e).toMatchObject({ type: 'CONSENT_CHANGED', consent: { kind: 'OPT_OUT', status: 'OPT_OUT_FAILED' } }),
    'PaymentStatusUpdateEvent.json': (e) => {
      expect(e.type).toBe('UNKNOWN_CALLBACK');
      expect(details(e)).toMatchObject({ payment_status_update_event: { reference_id: 'a reference id' } });
    },
    'ShortlinkActivatedEvent.json': (e) => {
      expect(e.type).toBe('UNKNOWN_CALLBACK');
      expect(details(e)).toMatchObject({ shortlink_activated_event: { ref: 'ref value' } });
    },
    'SmartConversationsEvent.json': (e) => {
      expect(e).toMatchObject({ type: 'SMART_CONVERSATION', channel: 'MESSENGER', identity: 'channel identity', conversationId: 'conversation id' });
      expect(details(e)).toMatchObject({ message_id: 'message id', analysis_results: { ml_offensive_analysis_result: [{ evaluation: 'UNSAFE' }] } });
    },
    'UnsupportedCallbackEvent.json': (e) => {
      expect(e).toMatchObject({ type: 'UNSUPPORTED_RECEIVED', channel: 'MESSENGER', conversationId: 'conversation id' });
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
      expect(e).toMatchObject({ occurredAt: '2024-06-06T14:42:42.429Z', occurredAtMs: Date.UTC(2024, 5, 6, 14, 42, 42, 429), processingMode: 'CONVERSATION' });
    },
  };

  it('has an expectation for every fixture file', () => {
    expect(
      readdirSync(FIXTURES_DIR)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(Object.keys(expectations).sort());
  });

  it.each(Object.keys(expectations))('%s', (file) => {
    const event = fixture(file);
    expectations[file]!(event);
    expect(event.eventId).toMatch(/^[0-9a-f]{64}$/);
    expect(event.source).toMatchObject({ topic: 'sinch.webhooks.raw.v1', partition: 0, offset: '0' });
    expect(event.receivedAtMs).toBe(RECEIVED_AT_MS);
    expect(avroErrors('conversation.events.v1.avsc', event)).toEqual([]);
  });

  it('gives every fixture its own event id, except two events sharing the placeholder id "event id"', () => {
    // Sinch event ids are unique in real traffic; the .NET fixtures reuse one placeholder,
    // and the id (not the content) identifies an inbound event.
    expect(fixture('InboundContactEvent.json').eventId).toBe(fixture('InboundContactMessageEvent.json').eventId);
    const ids = Object.keys(expectations)
      .filter((file) => file !== 'InboundContactMessageEvent.json')
      .map((file) => fixture(file).eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('message content variants (DOMAIN.md §6)', () => {
  const content = (contactMessage: object) => one(inbound({ id: 'm1', channel: 'WHATSAPP', contactMessage })).message!;

  it.each([
    [{ text_message: { text: 'see https://x.y/<b>' } }, { kind: 'TEXT', text: 'see https://x.y/<b>' }],
    [
      { media_message: { url: 'https://cdn/a.jpg', thumbnail_url: 'https://cdn/t.jpg' } },
      { kind: 'MEDIA', media: { url: 'https://cdn/a.jpg', thumbnailUrl: 'https://cdn/t.jpg', fileName: null, caption: null } },
    ],
    [
      { media_card_message: { url: 'https://cdn/s.mp4', caption: 'my story' } },
      { kind: 'MEDIA_CARD', media: { url: 'https://cdn/s.mp4', thumbnailUrl: null, fileName: null, caption: 'my story' } },
    ],
    [
      { location_message: { title: 'Home', label: 'Main St', coordinates: { latitude: 59.3, longitude: 18.1 } } },
      { kind: 'LOCATION', location: { latitude: 59.3, longitude: 18.1, title: 'Home', label: 'Main St' } },
    ],
    [{ choice_response_message: { message_id: 'mt1', postback_data: 'yes' } }, { kind: 'CHOICE_RESPONSE', choice: { messageId: 'mt1', postbackData: 'yes' } }],
    [{ product_response_message: { products: [{ id: 'p1', quantity: 2 }], catalog_id: 'c', title: 'my cart' } }, { kind: 'PRODUCT_RESPONSE', text: 'my cart' }],
    [
      { fallback_message: { raw_message: '{"x":1}', reason: { code: 'UNKNOWN', description: 'd', sub_code: 'UNSPECIFIED_SUB_CODE' } } },
      { kind: 'FALLBACK', text: '{"x":1}', fallbackReason: { code: 'UNKNOWN', description: 'd', subCode: 'UNSPECIFIED_SUB_CODE', channelCode: null } },
    ],
    [
      {
        channel_specific_message: { message_type: 'nfm_reply', message: { type: 'nfm_reply', nfm_reply: { name: 'flow', response_json: '{}', body: 'Sent' } } },
      },
      { kind: 'CHANNEL_SPECIFIC' },
    ],
  ])('%j', (contactMessage, expected) => {
    expect(content(contactMessage)).toMatchObject(expected);
  });

  it('keeps product and channel-specific payloads as JSON', () => {
    expect(JSON.parse(content({ product_response_message: { products: [{ id: 'p1' }] } }).productsJson!)).toEqual({ products: [{ id: 'p1' }] });
    expect(JSON.parse(content({ channel_specific_message: { message_type: 'nfm_reply' } }).channelSpecificJson!)).toEqual({ message_type: 'nfm_reply' });
  });

  it('keeps an unknown variant whole in detailsJson', () => {
    const event = one(inbound({ id: 'm1', contactMessage: { hologram_message: { x: 1 } } }));
    expect(event.message!.kind).toBe('UNKNOWN');
    expect(details(event)).toEqual({ contact_message: { hologram_message: { x: 1 } } });
  });
});

describe('identities, modes and shapes', () => {
  it('normalizes phone identities and the business number to E.164', () => {
    const event = one(inbound({ id: 'm1', channel: 'SMS', identity: '15550001111', senderId: '+1 555 999 0000' }));
    expect(event).toMatchObject({ identity: '+15550001111', businessNumber: '+15559990000', customerKey: 'app1:tel:+15550001111' });
  });

  it('accepts the legacy shape with message.channel instead of channel_identity', () => {
    const body = inbound({ id: 'm1' }) as { message: Record<string, unknown> };
    delete body.message.channel_identity;
    body.message.channel = 'SMS';
    body.message.identity = '46700000000';
    const event = one(body);
    expect(event).toMatchObject({ type: 'MESSAGE_RECEIVED', channel: 'SMS', identity: '+46700000000' });
  });

  it('works in DISPATCH mode (empty ids) and says so', () => {
    const body = inbound({ id: 'm1', channel: 'WHATSAPP', contactId: '', conversationId: '' }) as { message: Record<string, unknown> };
    body.message.processing_mode = 'DISPATCH';
    const event = one(body);
    expect(event).toMatchObject({ processingMode: 'DISPATCH', contactId: '', conversationId: '', customerKey: 'app1:WHATSAPP:+15550001111' });
    expect(event.message!.text).toBe('hi');
  });

  it('falls back from accept_time to event_time, accepted_time, then the receive time', () => {
    const body = inbound({ id: 'm1' }) as Record<string, unknown> & { message: Record<string, unknown> };
    body.message.accept_time = 'yesterday';
    body.event_time = '2024-01-01T09:00:00+01:00';
    expect(one(body)).toMatchObject({ occurredAt: '2024-01-01T08:00:00.000Z', occurredAtSource: 'EVENT_TIME' });
    delete body.event_time;
    expect(one(body)).toMatchObject({ occurredAt: '2024-01-01T10:00:01.000Z', occurredAtSource: 'ACCEPTED_TIME' });
    delete body.accepted_time;
    expect(one(body)).toMatchObject({ occurredAtMs: RECEIVED_AT_MS, occurredAtSource: 'RECEIVED' });
  });
});

describe('event identity', () => {
  it('is the same for the same callback delivered twice, whatever the bytes or the offset', () => {
    const bytes = fixtureBytes('MessageInboundEvent.json');
    const compact = Buffer.from(JSON.stringify(JSON.parse(bytes.toString('utf8'))));
    const first = normalizeWebhook(rawInput(bytes, '10'))[0]!;
    const again = normalizeWebhook({ ...rawInput(compact, '99'), receivedAtMs: RECEIVED_AT_MS + 60_000 })[0]!;
    expect(again.eventId).toBe(first.eventId);
  });

  it('is the same for a retried content-identified callback with keys in another order', () => {
    const a = { app_id: 'a', channel_event_notification: { channel_event: { channel: 'WHATSAPP', event_type: 'X', additional_data: { q: 1, r: 2 } } } };
    const b = { channel_event_notification: { channel_event: { additional_data: { r: 2, q: 1 }, event_type: 'X', channel: 'WHATSAPP' } }, app_id: 'a' };
    expect(one(b).eventId).toBe(one(a).eventId);
  });

  it('differs between delivery statuses of one message', () => {
    const dr = (status: string) => ({
      app_id: 'a',
      message_delivery_report: { message_id: 'm', status, channel_identity: { channel: 'SMS', identity: '15550001111' } },
    });
    expect(one(dr('DELIVERED')).eventId).not.toBe(one(dr('FAILED')).eventId);
  });

  it('is deterministic: normalizing the same input twice gives deep-equal events', () => {
    const input = rawInput(fixtureBytes('MessageSubmitEvent.json'));
    expect(normalizeWebhook(input)).toEqual(normalizeWebhook(input));
  });
});

describe('bodies that are not callbacks', () => {
  it.each([
    ['not JSON', Buffer.from('<xml/>'), 'CPM_ERR_WEBHOOK_NOT_JSON'],
    ['empty', Buffer.alloc(0), 'CPM_ERR_WEBHOOK_NOT_JSON'],
    ['an array', Buffer.from('[1,2]'), 'CPM_ERR_WEBHOOK_NOT_OBJECT'],
    ['null', Buffer.from('null'), 'CPM_ERR_WEBHOOK_NOT_OBJECT'],
  ])('%s → UnparseableWebhookError', (_name, body, code) => {
    const call = () => normalizeWebhook(rawInput(body));
    expect(call).toThrow(UnparseableWebhookError);
    try {
      call();
    } catch (error) {
      expect(error).toMatchObject({ code, retriable: false, action: 'DLQ' });
    }
  });

  it('treats an unknown top-level key as valid traffic', () => {
    expect(one({ app_id: 'a', hologram_notification: { x: 1 } })).toMatchObject({ type: 'UNKNOWN_CALLBACK', appId: 'a', customerKey: 'a:unkeyed' });
  });
});
