import type { ConversationEvent } from '@cpm/contracts';
import { UnparseableWebhookError } from './errors';
import { normalizeWebhook } from './normalize';
import {
  RECEIVED_AT_MS,
  callbackFixture,
  callbackFixtures,
  detailsOf as details,
  expectWellFormedEvent,
  inbound,
  normalizedEvent as one,
  rawInput,
  signatureVector,
} from '@cpm/testkit';

const fixture = (file: string): ConversationEvent => one(callbackFixture(file));

const APP = '01JQ7CPMAPP00000000000AP01';
const CONTACT = '01JQ7CPMCONTACT0000000CT01';
const CONVERSATION = '01JQ7CPMCONV0000000000CV01';
const ENVELOPE_TIME = '2025-03-14T09:26:50.000Z'; // event_time of the fixtures' envelopes

describe("normalizeWebhook on every one of the project's callback fixtures", () => {
  const expectations: Record<string, (e: ConversationEvent) => void> = {
    'capability.json': (e) => {
      expect(e).toMatchObject({
        type: 'CAPABILITY_REPORTED',
        contactId: '01JQ7CPMCONTACT0000000CT05',
        channel: 'RCS',
        identity: '+46702223344',
        occurredAt: ENVELOPE_TIME,
        occurredAtSource: 'EVENT_TIME',
      });
      expect(details(e)).toMatchObject({
        capability_status: 'CAPABILITY_FULL',
        request_id: 'cpm-capability-31',
      });
    },
    'channel-event.json': (e) => {
      expect(e).toMatchObject({ type: 'CHANNEL_EVENT', channel: 'WHATSAPP' });
      expect(details(e)).toMatchObject({
        channel_event: {
          event_type: 'WHATS_APP_QUALITY_RATING_CHANGED',
          additional_data: { quality_rating: 'YELLOW' },
        },
      });
    },
    'contact-create.json': (e) => {
      expect(e).toMatchObject({
        type: 'CONTACT_CREATED',
        contactId: '01JQ7CPMCONTACT0000000CT04',
        appId: APP,
        projectId: 'cpm-fixture-project',
      });
      expect(e.contact).toEqual({
        id: '01JQ7CPMCONTACT0000000CT04',
        displayName: 'Greta Lind',
        identities: [
          { channel: 'SMS', identity: '+46701112233' },
          { channel: 'WHATSAPP', identity: '+46701112233' },
        ],
        mergedFromContactId: null,
      });
    },
    'contact-delete.json': (e) =>
      expect(e).toMatchObject({
        type: 'CONTACT_DELETED',
        contactId: '01JQ7CPMCONTACT0000000CT04',
        contact: { id: '01JQ7CPMCONTACT0000000CT04' },
      }),
    'contact-identities-duplication.json': (e) => {
      expect(e.type).toBe('CONTACT_IDENTITIES_DUPLICATED');
      expect(details(e)).toEqual({
        duplicated_identities: [
          {
            channel: 'TELEGRAM',
            contact_ids: ['01JQ7CPMCONTACT0000000CT07', '01JQ7CPMCONTACT0000000CT08'],
          },
        ],
      });
    },
    'contact-merge.json': (e) => {
      expect(e).toMatchObject({ type: 'CONTACT_MERGED', contactId: '01JQ7CPMCONTACT0000000CT05' });
      expect(e.contact).toMatchObject({
        id: '01JQ7CPMCONTACT0000000CT05',
        displayName: 'Olof Holm',
        mergedFromContactId: '01JQ7CPMCONTACT0000000CT06',
      });
      expect(details(e)).toMatchObject({ deleted_contact: { id: '01JQ7CPMCONTACT0000000CT06' } });
    },
    'contact-update.json': (e) =>
      expect(e).toMatchObject({
        type: 'CONTACT_UPDATED',
        contact: { id: '01JQ7CPMCONTACT0000000CT04', displayName: 'Greta Lind-Berg' },
      }),
    'conversation-delete.json': (e) =>
      expect(e).toMatchObject({
        type: 'CONVERSATION_DELETED',
        conversationId: CONVERSATION,
        contactId: CONTACT,
        channel: 'WHATSAPP',
      }),
    'conversation-start.json': (e) =>
      expect(e).toMatchObject({
        type: 'CONVERSATION_STARTED',
        conversationId: CONVERSATION,
        contactId: CONTACT,
        channel: 'WHATSAPP',
        customerKey: `${APP}:${CONTACT}`,
      }),
    'conversation-stop.json': (e) =>
      expect(e).toMatchObject({
        type: 'CONVERSATION_STOPPED',
        conversationId: CONVERSATION,
        contactId: CONTACT,
      }),
    'event-delivery.json': (e) => {
      expect(e).toMatchObject({
        type: 'EVENT_STATUS',
        channel: 'VIBERBM',
        // Viber Business Messages address customers by phone number: E.164.
        identity: '+46709876543',
        contactId: '01JQ7CPMCONTACT0000000CT03',
        processingMode: 'CONVERSATION',
      });
      expect(e.status).toEqual({
        messageId: '01JQ7CPMEVT00000000000EV02',
        status: 'FAILED',
        reasonCode: 'RECIPIENT_NOT_REACHABLE',
        reasonDescription: 'The phone is switched off',
        subCode: 'UNSPECIFIED_SUB_CODE',
        channelCode: null,
      });
    },
    'event-inbound.json': (e) => {
      expect(e).toMatchObject({
        type: 'EVENT_RECEIVED',
        conversationId: CONVERSATION,
        occurredAt: '2025-03-14T09:26:52.500Z',
        occurredAtSource: 'ACCEPT_TIME',
      });
      expect(details(e)).toEqual({
        direction: 'TO_APP',
        group: 'contact_message_event',
        kind: 'reaction_event',
        payload: {
          emoji: '👍',
          action: 'REACTION_ACTION_REACT',
          message_id: '01JQ7CPMMSG00000000000MT02',
        },
      });
    },
    'message-delivery.json': (e) => {
      expect(e).toMatchObject({
        type: 'MESSAGE_STATUS',
        conversationId: CONVERSATION,
        channel: 'WHATSAPP',
        occurredAt: ENVELOPE_TIME,
      });
      expect(e.status).toMatchObject({
        messageId: '01JQ7CPMMSG00000000000MT02',
        status: 'READ',
        reasonCode: null,
      });
    },
    'message-inbound.json': (e) => {
      expect(e).toMatchObject({
        type: 'MESSAGE_RECEIVED',
        appId: APP,
        conversationId: CONVERSATION,
        contactId: CONTACT,
        channel: 'WHATSAPP',
        sourceChannel: 'WHATSAPP',
      });
      expect(e).toMatchObject({
        identity: '+46701234567',
        businessNumber: '+46812345678',
        processingMode: 'CONVERSATION',
        occurredAt: '2025-03-14T09:26:52.120Z',
        correction: null,
      });
      expect(e.message).toMatchObject({
        id: '01JQ7CPMMSG00000000000MI01',
        direction: 'TO_APP',
        author: 'CUSTOMER',
        kind: 'TEXT',
        text: 'Hello, where is my parcel?',
        replyToMessageId: '01JQ7CPMMSG00000000000MT01',
        acceptedAt: '2025-03-14T09:26:52.120Z',
      });
      // Both metadata fields hold plain text, not JSON objects: not attached, the reason is told.
      expect(e.attachedData).toMatchObject({
        status: 'INVALID',
        source: 'MESSAGE_METADATA',
        entries: {},
      });
    },
    'message-inbound-smart-conversation-redaction.json': (e) => {
      expect(e).toMatchObject({
        type: 'MESSAGE_RECEIVED',
        contactId: '01JQ7CPMCONTACT0000000CT02',
        businessNumber: '110200300400',
        occurredAt: '2025-03-14T09:26:51.004Z',
      });
      expect(e.message).toMatchObject({
        id: '01JQ7CPMMSG00000000000RD01',
        kind: 'MEDIA',
        media: {
          url: 'https://media.example.org/u/receipt.jpg',
          thumbnailUrl: 'https://media.example.org/u/receipt-thumb.jpg',
          fileName: 'receipt.jpg',
          caption: null,
        },
      });
      expect(details(e)).toEqual({ redacted: true });
    },
    'message-submit.json': (e) => {
      expect(e).toMatchObject({
        type: 'MESSAGE_SUBMITTED',
        conversationId: CONVERSATION,
        channel: 'WHATSAPP',
      });
      expect(e.message).toMatchObject({
        id: '01JQ7CPMMSG00000000000MT02',
        direction: 'TO_CONTACT',
        author: null,
        kind: 'TEXT',
        text: 'Your parcel leaves the warehouse today.',
      });
    },
    'opt-in.json': (e) =>
      expect(e).toMatchObject({
        type: 'CONSENT_CHANGED',
        channel: 'WHATSAPP',
        contactId: CONTACT,
        consent: {
          kind: 'OPT_IN',
          status: 'OPT_IN_SUCCEEDED',
          requestId: 'cpm-optin-12',
          errorDescription: null,
        },
      }),
    'opt-out.json': (e) =>
      expect(e).toMatchObject({
        type: 'CONSENT_CHANGED',
        consent: {
          kind: 'OPT_OUT',
          status: 'OPT_OUT_FAILED',
          errorDescription: 'The number is not registered on WhatsApp',
        },
      }),
    'record-notification.json': (e) => {
      expect(e).toMatchObject({
        type: 'RECORD_NOTIFICATION',
        conversationId: CONVERSATION,
        contactId: CONTACT,
        channel: 'WHATSAPP',
      });
      expect(details(e)).toMatchObject({
        entity_id: '01JQ7CPMMSG00000000000MI01',
        record_status: 'EVENT_RECORD_STORED',
      });
    },
    'smart-conversation.json': (e) => {
      expect(e).toMatchObject({
        type: 'SMART_CONVERSATION',
        channel: 'WHATSAPP',
        identity: '+46701234567',
        conversationId: CONVERSATION,
      });
      expect(details(e)).toMatchObject({
        message_id: '01JQ7CPMMSG00000000000MI01',
        analysis_results: { ml_offensive_analysis_result: [{ evaluation: 'SAFE' }] },
      });
    },
    // A top-level key we do not know: the whole body is kept and flagged.
    'unknown-top-level-key.json': (e) => {
      expect(e).toMatchObject({
        type: 'UNKNOWN_CALLBACK',
        appId: APP,
        customerKey: `${APP}:unkeyed`,
        source: { trigger: 'UNKNOWN' },
      });
      expect(details(e)).toMatchObject({ shortlink_activated_event: { ref: 'cpm-flyer-3' } });
    },
    'unsupported.json': (e) => {
      expect(e).toMatchObject({
        type: 'UNSUPPORTED_RECEIVED',
        channel: 'INSTAGRAM',
        conversationId: '01JQ7CPMCONV0000000000CV09',
      });
      expect(details(e)).toEqual({
        id: '01JQ7CPMUNS00000000000UN01',
        payload:
          '{"object":"instagram","entry":[{"id":"17841400000000001","messaging":[{"message":{"is_echo":true}}]}]}',
      });
    },
  };

  it('has an expectation for every fixture file', () => {
    expect(callbackFixtures().map((f) => f.file)).toEqual(Object.keys(expectations).sort());
  });

  it.each(Object.keys(expectations))('%s', (file) => {
    const event = fixture(file);
    expectations[file]!(event);
    expectWellFormedEvent(event);
  });

  it('gives every fixture its own event id', () => {
    const ids = Object.keys(expectations).map((file) => fixture(file).eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('reads the signature vector body, a composing event with nanosecond times, kept to the millisecond', () => {
    const e = one(signatureVector().body);
    expect(e).toMatchObject({
      type: 'EVENT_RECEIVED',
      appId: APP,
      channel: 'RCS',
      identity: '+46702223344',
      contactId: '01JQ7CPMCONTACT0000000CT05',
      processingMode: 'CONVERSATION',
    });
    expect(e).toMatchObject({
      occurredAt: '2025-03-14T09:26:53.360Z',
      occurredAtMs: Date.UTC(2025, 2, 14, 9, 26, 53, 360),
    });
    expect(details(e)).toEqual({
      direction: 'TO_APP',
      group: 'contact_event',
      kind: 'composing_event',
      payload: {},
    });
  });
});

describe('message content variants (docs/DOMAIN.md#message-content)', () => {
  const content = (contactMessage: object) =>
    one(inbound({ id: 'm1', channel: 'WHATSAPP', contactMessage })).message!;

  it.each([
    [
      { text_message: { text: 'see https://x.y/<b>' } },
      { kind: 'TEXT', text: 'see https://x.y/<b>' },
    ],
    [
      { media_message: { url: 'https://cdn/a.jpg', thumbnail_url: 'https://cdn/t.jpg' } },
      {
        kind: 'MEDIA',
        media: {
          url: 'https://cdn/a.jpg',
          thumbnailUrl: 'https://cdn/t.jpg',
          fileName: null,
          caption: null,
        },
      },
    ],
    [
      { media_card_message: { url: 'https://cdn/s.mp4', caption: 'my story' } },
      {
        kind: 'MEDIA_CARD',
        media: {
          url: 'https://cdn/s.mp4',
          thumbnailUrl: null,
          fileName: null,
          caption: 'my story',
        },
      },
    ],
    [
      {
        location_message: {
          title: 'Home',
          label: 'Main St',
          coordinates: { latitude: 59.3, longitude: 18.1 },
        },
      },
      {
        kind: 'LOCATION',
        location: { latitude: 59.3, longitude: 18.1, title: 'Home', label: 'Main St' },
      },
    ],
    [
      { choice_response_message: { message_id: 'mt1', postback_data: 'yes' } },
      { kind: 'CHOICE_RESPONSE', choice: { messageId: 'mt1', postbackData: 'yes' } },
    ],
    [
      {
        product_response_message: {
          products: [{ id: 'p1', quantity: 2 }],
          catalog_id: 'c',
          title: 'my cart',
        },
      },
      { kind: 'PRODUCT_RESPONSE', text: 'my cart' },
    ],
    [
      {
        fallback_message: {
          raw_message: '{"x":1}',
          reason: { code: 'UNKNOWN', description: 'd', sub_code: 'UNSPECIFIED_SUB_CODE' },
        },
      },
      {
        kind: 'FALLBACK',
        text: '{"x":1}',
        fallbackReason: {
          code: 'UNKNOWN',
          description: 'd',
          subCode: 'UNSPECIFIED_SUB_CODE',
          channelCode: null,
        },
      },
    ],
    [
      {
        channel_specific_message: {
          message_type: 'nfm_reply',
          message: {
            type: 'nfm_reply',
            nfm_reply: { name: 'flow', response_json: '{}', body: 'Sent' },
          },
        },
      },
      { kind: 'CHANNEL_SPECIFIC' },
    ],
  ])('%j', (contactMessage, expected) => {
    expect(content(contactMessage)).toMatchObject(expected);
  });

  it('keeps product and channel-specific payloads as JSON', () => {
    expect(
      JSON.parse(content({ product_response_message: { products: [{ id: 'p1' }] } }).productsJson!),
    ).toEqual({ products: [{ id: 'p1' }] });
    expect(
      JSON.parse(
        content({ channel_specific_message: { message_type: 'nfm_reply' } }).channelSpecificJson!,
      ),
    ).toEqual({ message_type: 'nfm_reply' });
  });

  it('keeps an unknown variant whole in detailsJson', () => {
    const event = one(inbound({ id: 'm1', contactMessage: { hologram_message: { x: 1 } } }));
    expect(event.message!.kind).toBe('UNKNOWN');
    expect(details(event)).toEqual({ contact_message: { hologram_message: { x: 1 } } });
  });
});

describe('identities, modes and shapes', () => {
  it('normalizes phone identities and the business number to E.164', () => {
    const event = one(
      inbound({ id: 'm1', channel: 'SMS', identity: '15550001111', senderId: '+1 555 999 0000' }),
    );
    expect(event).toMatchObject({
      identity: '+15550001111',
      businessNumber: '+15559990000',
      customerKey: 'app1:tel:+15550001111',
    });
  });

  it('accepts the legacy shape with message.channel instead of channel_identity', () => {
    const body = inbound({ id: 'm1' }) as { message: Record<string, unknown> };
    delete body.message.channel_identity;
    body.message.channel = 'SMS';
    body.message.identity = '46700000000';
    const event = one(body);
    expect(event).toMatchObject({
      type: 'MESSAGE_RECEIVED',
      channel: 'SMS',
      identity: '+46700000000',
    });
  });

  it('works in DISPATCH mode (empty ids) and says so', () => {
    const body = inbound({ id: 'm1', channel: 'WHATSAPP', contactId: '', conversationId: '' }) as {
      message: Record<string, unknown>;
    };
    body.message.processing_mode = 'DISPATCH';
    const event = one(body);
    expect(event).toMatchObject({
      processingMode: 'DISPATCH',
      contactId: '',
      conversationId: '',
      customerKey: 'app1:WHATSAPP:+15550001111',
    });
    expect(event.message!.text).toBe('hi');
  });

  it('falls back from accept_time to event_time, accepted_time, then the receive time', () => {
    const body = inbound({ id: 'm1' }) as Record<string, unknown> & {
      message: Record<string, unknown>;
    };
    body.message.accept_time = 'yesterday';
    body.event_time = '2024-01-01T09:00:00+01:00';
    expect(one(body)).toMatchObject({
      occurredAt: '2024-01-01T08:00:00.000Z',
      occurredAtSource: 'EVENT_TIME',
    });
    delete body.event_time;
    expect(one(body)).toMatchObject({
      occurredAt: '2024-01-01T10:00:01.000Z',
      occurredAtSource: 'ACCEPTED_TIME',
    });
    delete body.accepted_time;
    expect(one(body)).toMatchObject({ occurredAtMs: RECEIVED_AT_MS, occurredAtSource: 'RECEIVED' });
  });
});

describe('event identity', () => {
  it('is the same for the same callback delivered twice, whatever the bytes or the offset', () => {
    const bytes = callbackFixture('message-inbound.json');
    const compact = Buffer.from(JSON.stringify(JSON.parse(bytes.toString('utf8'))));
    const first = normalizeWebhook(rawInput(bytes, '10'))[0]!;
    const again = normalizeWebhook({
      ...rawInput(compact, '99'),
      receivedAtMs: RECEIVED_AT_MS + 60_000,
    })[0]!;
    expect(again.eventId).toBe(first.eventId);
  });

  it('is the same for a retried content-identified callback with keys in another order', () => {
    const a = {
      app_id: 'a',
      channel_event_notification: {
        channel_event: { channel: 'WHATSAPP', event_type: 'X', additional_data: { q: 1, r: 2 } },
      },
    };
    const b = {
      channel_event_notification: {
        channel_event: { additional_data: { r: 2, q: 1 }, event_type: 'X', channel: 'WHATSAPP' },
      },
      app_id: 'a',
    };
    expect(one(b).eventId).toBe(one(a).eventId);
  });

  it('differs between delivery statuses of one message', () => {
    const dr = (status: string) => ({
      app_id: 'a',
      message_delivery_report: {
        message_id: 'm',
        status,
        channel_identity: { channel: 'SMS', identity: '15550001111' },
      },
    });
    expect(one(dr('DELIVERED')).eventId).not.toBe(one(dr('FAILED')).eventId);
  });

  it('is deterministic: normalizing the same input twice gives deep-equal events', () => {
    const input = rawInput(callbackFixture('message-submit.json'));
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
      expect(error).toMatchObject({ code, retriable: false, decision: 'DLQ' });
    }
  });

  it('treats an unknown top-level key as valid traffic', () => {
    expect(one({ app_id: 'a', hologram_notification: { x: 1 } })).toMatchObject({
      type: 'UNKNOWN_CALLBACK',
      appId: 'a',
      customerKey: 'a:unkeyed',
    });
  });
});
