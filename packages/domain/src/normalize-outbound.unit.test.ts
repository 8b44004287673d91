import { InvalidOutboundRecordError } from './errors';
import { normalizeOutbound } from './normalize-outbound';
import { avroErrors, sentOutboundRecord } from '@cpm/testkit';

const source = { topic: 'sinch.outbound.v1', partition: 3, offset: '17' };

const record = sentOutboundRecord;

describe('normalizeOutbound (sinch.outbound.v1)', () => {
  it('the test record matches the Avro schema', () => {
    expect(avroErrors('sinch.outbound.v1.avsc', record())).toEqual([]);
  });

  it('turns an accepted send into MESSAGE_SENT at Sinch accepted time', () => {
    const [event] = normalizeOutbound({ record: record(), source });
    expect(event).toMatchObject({
      type: 'MESSAGE_SENT',
      occurredAt: '2024-01-01T10:00:01.500Z',
      occurredAtSource: 'SINCH_ACCEPTED_TIME',
      receivedAt: '2024-01-01T10:00:02.000Z',
      identity: '+46700000000',
      customerKey: 'app1:contact-1',
      source: { ...source, trigger: 'OUTBOUND' },
    });
    expect(event!.message).toMatchObject({
      id: 'sinch-m1',
      direction: 'TO_CONTACT',
      author: 'AGENT',
      kind: 'TEXT',
      text: 'Hello',
      acceptedAt: '2024-01-01T10:00:01.500Z',
      commandId: 'cmd-1',
    });
    expect(avroErrors('conversation.events.v1.avsc', event)).toEqual([]);
  });

  it('carries media and template details', () => {
    const [media] = normalizeOutbound({
      record: record({
        commandType: 'SEND_MEDIA',
        text: null,
        mediaUrl: 'https://pub/x.pdf',
        fileName: 'x.pdf',
      }),
      source,
    });
    expect(media!.message).toMatchObject({
      kind: 'MEDIA',
      media: { url: 'https://pub/x.pdf', fileName: 'x.pdf' },
    });
    const [template] = normalizeOutbound({
      record: record({
        commandType: 'SEND_TEMPLATE',
        templateName: 'welcome',
        templateLanguage: 'en_US',
        templateParamsJson: '{"body[1]text":"Ann"}',
      }),
      source,
    });
    expect(template!.message!.kind).toBe('TEMPLATE');
    expect(JSON.parse(template!.detailsJson!)).toMatchObject({
      template: { name: 'welcome', language: 'en_US' },
    });
  });

  it('turns a failure or a rejection into MESSAGE_SEND_FAILED with the error', () => {
    const [event] = normalizeOutbound({
      record: record({
        outcome: 'REJECTED',
        sinchMessageId: null,
        sinchAcceptedTime: null,
        errorCode: 'WHATSAPP_WINDOW_CLOSED',
        errorMessage: 'last customer message > 24h',
        httpStatus: null,
      }),
      source,
    });
    expect(event).toMatchObject({
      type: 'MESSAGE_SEND_FAILED',
      occurredAtSource: 'COMMAND_COMPLETED',
      occurredAt: '2024-01-01T10:00:02.000Z',
    });
    expect(event!.status).toEqual({
      messageId: 'cmd-1',
      status: 'REJECTED',
      reasonCode: 'WHATSAPP_WINDOW_CLOSED',
      reasonDescription: 'last customer message > 24h',
      subCode: null,
      channelCode: null,
    });
    expect(avroErrors('conversation.events.v1.avsc', event)).toEqual([]);
  });

  it('turns an accepted END_CONVERSATION into CONVERSATION_STOPPED', () => {
    const [event] = normalizeOutbound({
      record: record({ commandType: 'END_CONVERSATION', text: null, sinchMessageId: null }),
      source,
    });
    expect(event).toMatchObject({
      type: 'CONVERSATION_STOPPED',
      conversationId: 'conv-1',
      message: null,
    });
  });

  it('turns an accepted SEND_CHOICES into a CHOICE message', () => {
    const [choices] = normalizeOutbound({
      record: record({ commandType: 'SEND_CHOICES', text: 'Pick a slot' }),
      source,
    });
    expect(choices!.message).toMatchObject({ kind: 'CHOICE', text: 'Pick a slot' });
  });

  it('gives nothing for an accepted registration (its callback is the fact), and a failed one as a failed command', () => {
    for (const commandType of ['REGISTER_OPT_IN', 'REGISTER_OPT_OUT'] as const) {
      expect(
        normalizeOutbound({ record: record({ commandType, outcome: 'SENT' }), source }),
      ).toEqual([]);
      for (const outcome of ['FAILED', 'REJECTED'] as const) {
        const events = normalizeOutbound({
          record: record({
            commandType,
            outcome,
            text: null,
            sinchMessageId: null,
            errorCode: 'INVALID_ARGUMENT',
            errorMessage: 'unknown app',
          }),
          source,
        });
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          type: 'MESSAGE_SEND_FAILED',
          message: null,
          status: { messageId: 'cmd-1', status: outcome, reasonCode: 'INVALID_ARGUMENT' },
        });
        expect(JSON.parse(events[0]!.detailsJson!)).toMatchObject({ commandType });
        expect(avroErrors('conversation.events.v1.avsc', events[0])).toEqual([]);
      }
    }
  });

  it('gives one id per command, attempt and outcome, whatever the offset', () => {
    const a = normalizeOutbound({ record: record(), source })[0]!;
    const b = normalizeOutbound({ record: record(), source: { ...source, offset: '99' } })[0]!;
    const retry = normalizeOutbound({ record: record({ attempt: 2 }), source })[0]!;
    expect(b.eventId).toBe(a.eventId);
    expect(retry.eventId).not.toBe(a.eventId);
  });

  it('refuses a record that breaks the contract', () => {
    expect(() =>
      normalizeOutbound({ record: record({ outcome: 'MAYBE' as never }), source }),
    ).toThrow(InvalidOutboundRecordError);
    expect(() => normalizeOutbound({ record: record({ completedAt: 'soon' }), source })).toThrow(
      expect.objectContaining({ code: 'CPM_ERR_OUTBOUND_INVALID' }),
    );
  });
});
