import type { ConversationEvent } from '@cpm/contracts';
import { type MmsState, correct, emptyMmsState } from './mms-correction';
import { type MmsConfig, mmsConfig } from './mms-config';
import { normalizeWebhook } from './normalize';
import { avroErrors, inbound, rawInput } from '@cpm/testkit';

const CUSTOMER = '15550001111';
const BUSINESS = '15559990000';
const t = (hours: number): string =>
  new Date(Date.UTC(2024, 0, 1, 10) + hours * 3_600_000).toISOString();

const mmsMedia = (id: string, hours = 0) =>
  inbound({
    id,
    channel: 'MMS',
    identity: CUSTOMER,
    senderId: BUSINESS,
    conversationId: 'conv-mms',
    contactId: 'contact-mms',
    acceptTime: t(hours),
    contactMessage: { media_message: { url: 'https://mms/p.jpg' } },
  });
const smsText = (
  id: string,
  opts: { hours?: number; identity?: string; senderId?: string; contactId?: string } = {},
) =>
  inbound({
    id,
    channel: 'SMS',
    identity: opts.identity ?? `+${CUSTOMER}`,
    senderId: opts.senderId ?? BUSINESS,
    conversationId: 'conv-sms',
    contactId: opts.contactId ?? 'contact-sms',
    acceptTime: t(opts.hours ?? 1),
  });
const smsReport = (messageId: string, hours = 1) => ({
  app_id: 'app1',
  accepted_time: t(hours),
  message_delivery_report: {
    message_id: messageId,
    conversation_id: 'conv-sms',
    contact_id: 'contact-sms',
    status: 'DELIVERED',
    channel_identity: { channel: 'SMS', identity: CUSTOMER, app_id: '' },
    processing_mode: 'CONVERSATION',
  },
});
const stop = (conversationId: string, hours = 1) => ({
  app_id: 'app1',
  accepted_time: t(hours),
  conversation_stop_notification: {
    conversation: {
      id: conversationId,
      app_id: 'app1',
      contact_id: 'contact-mms',
      active_channel: 'MMS',
      active: false,
    },
  },
});

/** Normalize then correct each body in order, as the normalizer does; returns the last body's output. */
function run(
  bodies: object[],
  config: MmsConfig = mmsConfig(),
): { all: ConversationEvent[]; last: ConversationEvent[]; state: MmsState } {
  let state = emptyMmsState();
  const all: ConversationEvent[] = [];
  let last: ConversationEvent[] = [];
  bodies.forEach((body, offset) => {
    last = [];
    for (const event of normalizeWebhook(rawInput(body, String(offset)))) {
      const out = correct(state, event, config);
      state = out.state;
      last.push(...out.events);
    }
    all.push(...last);
  });
  return { all, last, state };
}

type Case = {
  name: string;
  bodies: object[];
  config?: MmsConfig;
  expected: null | { rule: string; conversationId: string; contactId: string };
};

const mmsThread = { rule: 'MMS_THREAD', conversationId: 'conv-mms', contactId: 'contact-mms' };

const cases: Case[] = [
  {
    name: 'thread started on MMS, then a text reply on SMS → corrected',
    bodies: [mmsMedia('mo1'), smsText('mo2')],
    expected: mmsThread,
  },
  {
    name: 'an SMS reply under another contact id → attached to the MMS conversation',
    bodies: [mmsMedia('mo1'), smsText('mo2', { contactId: 'other-contact' })],
    expected: mmsThread,
  },
  {
    name: 'delivery report of an agent message reported on SMS inside an MMS thread → corrected',
    bodies: [mmsMedia('mo1'), smsReport('mt1')],
    expected: mmsThread,
  },
  {
    name: 'pure SMS customer → untouched',
    bodies: [mmsMedia('mo1'), smsText('mo2', { identity: '15550002222' })],
    expected: null,
  },
  {
    name: 'SMS only, no MMS ever → untouched',
    bodies: [smsText('mo1'), smsText('mo2')],
    expected: null,
  },
  {
    name: 'another business number → untouched',
    bodies: [mmsMedia('mo1'), smsText('mo2', { senderId: '15558887777' })],
    expected: null,
  },
  {
    name: 'after CONVERSATION_STOP of the MMS conversation → untouched',
    bodies: [mmsMedia('mo1'), stop('conv-mms'), smsText('mo2', { hours: 2 })],
    expected: null,
  },
  {
    name: 'a stop of another conversation keeps the binding',
    bodies: [mmsMedia('mo1'), stop('conv-other'), smsText('mo2', { hours: 2 })],
    expected: mmsThread,
  },
  {
    name: 'after the idle timeout (24 h by default) → untouched',
    bodies: [mmsMedia('mo1'), smsText('mo2', { hours: 24.5 })],
    expected: null,
  },
  {
    name: 'just inside the idle timeout → corrected',
    bodies: [mmsMedia('mo1'), smsText('mo2', { hours: 23.5 })],
    expected: mmsThread,
  },
  {
    name: 'each corrected SMS keeps the thread alive',
    bodies: [mmsMedia('mo1'), smsText('mo2', { hours: 20 }), smsText('mo3', { hours: 40 })],
    expected: mmsThread,
  },
  {
    name: 'app configured as MMS → corrected from the first SMS',
    bodies: [smsText('mo1')],
    config: mmsConfig({ mmsAppIds: ['app1'] }),
    expected: { rule: 'MMS_APP', conversationId: 'conv-sms', contactId: 'contact-sms' },
  },
  {
    name: 'business number configured as MMS (any format) → corrected',
    bodies: [smsText('mo1')],
    config: mmsConfig({ mmsBusinessNumbers: ['+1 555 999 0000'] }),
    expected: { rule: 'MMS_SENDER', conversationId: 'conv-sms', contactId: 'contact-sms' },
  },
  {
    name: 'configured MMS app of another app id → untouched',
    bodies: [smsText('mo1')],
    config: mmsConfig({ mmsAppIds: ['app2'] }),
    expected: null,
  },
];

describe('MMS channel correction (docs/DOMAIN.md#mms-channel-correction)', () => {
  it.each(cases)('$name', ({ bodies, config, expected }) => {
    const { last } = run(bodies, config);
    const reported = last[0]!;
    if (expected === null) {
      expect(last).toHaveLength(1);
      expect(reported).toMatchObject({ channel: 'SMS', sourceChannel: 'SMS', correction: null });
      expect(reported.conversationId).toBe(reported.sourceConversationId);
      return;
    }
    expect(last.map((e) => e.type)).toEqual([
      expect.not.stringMatching('CHANNEL_CORRECTED'),
      'CHANNEL_CORRECTED',
    ]);
    const [corrected, audit] = last as [ConversationEvent, ConversationEvent];
    expect(corrected).toMatchObject({
      channel: 'MMS',
      sourceChannel: 'SMS',
      conversationId: expected.conversationId,
      contactId: expected.contactId,
    });
    expect(corrected.correction).toEqual({
      rule: expected.rule,
      boundConversationId: expected.conversationId,
    });
    expect(corrected.sourceConversationId).toBe('conv-sms');
    expect(audit).toMatchObject({
      type: 'CHANNEL_CORRECTED',
      channel: 'MMS',
      sourceChannel: 'SMS',
      correction: corrected.correction,
      message: null,
      status: null,
    });
    expect(JSON.parse(audit.detailsJson!)).toEqual({
      correctedEventId: corrected.eventId,
      correctedEventType: corrected.type,
      reportedChannel: 'SMS',
    });
    expect(audit.eventId).not.toBe(corrected.eventId);
    for (const event of last) expect(avroErrors('conversation.events.v1.avsc', event)).toEqual([]);
  });

  it('shows the SMS side of a bound thread on MMS when its conversation callbacks reach the thread with the number', () => {
    // As the normalizer re-keys a contact's conversation callback to the phone key (contact-links.ts).
    const smsSide = (
      type: 'CONVERSATION_STARTED' | 'CONVERSATION_STOPPED',
      conversationId: string,
    ) => {
      const [event] = normalizeWebhook(
        rawInput({
          ...stop(conversationId),
          conversation_stop_notification: undefined,
          [type === 'CONVERSATION_STARTED'
            ? 'conversation_start_notification'
            : 'conversation_stop_notification']: {
            conversation: {
              id: conversationId,
              app_id: 'app1',
              contact_id: 'contact-sms',
              active_channel: 'SMS',
            },
          },
        }),
      );
      return { ...event!, identity: `+${CUSTOMER}` };
    };
    let state = correct(
      emptyMmsState(),
      normalizeWebhook(rawInput(mmsMedia('mo1')))[0]!,
      mmsConfig(),
    ).state;
    const started = correct(state, smsSide('CONVERSATION_STARTED', 'conv-sms'), mmsConfig());
    expect(
      started.events.map((e) => [e.type, e.channel, e.sourceChannel, e.conversationId]),
    ).toEqual([
      ['CONVERSATION_STARTED', 'MMS', 'SMS', 'conv-sms'],
      ['CHANNEL_CORRECTED', 'MMS', 'SMS', 'conv-sms'],
    ]);
    // The SMS side's stop does not end the MMS thread; the MMS conversation's stop does.
    const smsStopped = correct(
      started.state,
      smsSide('CONVERSATION_STOPPED', 'conv-sms'),
      mmsConfig(),
    );
    expect(smsStopped.events[0]!.channel).toBe('MMS');
    expect(Object.keys(smsStopped.state.bindings)).toHaveLength(1);
    state = correct(
      smsStopped.state,
      normalizeWebhook(rawInput(stop('conv-mms')))[0]!,
      mmsConfig(),
    ).state;
    expect(state.bindings).toEqual({});
    // Without a thread, the same callback is left as it is.
    expect(correct(state, smsSide('CONVERSATION_STARTED', 'conv-sms'), mmsConfig()).events).toEqual(
      [smsSide('CONVERSATION_STARTED', 'conv-sms')],
    );
  });

  it('keeps the content of a corrected message', () => {
    const { last } = run([mmsMedia('mo1'), smsText('mo2')]);
    expect(last[0]!.message).toMatchObject({ id: 'mo2', kind: 'TEXT', text: 'hi' });
  });

  it('never touches MMS events themselves', () => {
    const { all } = run([mmsMedia('mo1'), mmsMedia('mo2', 1)]);
    expect(all.map((e) => [e.type, e.channel, e.correction])).toEqual([
      ['MESSAGE_RECEIVED', 'MMS', null],
      ['MESSAGE_RECEIVED', 'MMS', null],
    ]);
  });

  it('learns the business number of a thread bound by a report without one', () => {
    const mmsReport = {
      ...smsReport('mt1', 0),
      message_delivery_report: {
        ...smsReport('mt1', 0).message_delivery_report,
        channel_identity: { channel: 'MMS', identity: CUSTOMER, app_id: '' },
        conversation_id: 'conv-mms',
        contact_id: 'contact-mms',
      },
    };
    const { state, last } = run([mmsReport, smsText('mo2')]);
    expect(last[0]!.correction).toEqual({ rule: 'MMS_THREAD', boundConversationId: 'conv-mms' });
    expect(Object.values(state.bindings)).toEqual([
      expect.objectContaining({ businessNumber: `+${BUSINESS}`, conversationId: 'conv-mms' }),
    ]);
  });

  it('is deterministic and replayable: same log, same output; state survives JSON', () => {
    const log = [
      mmsMedia('mo1'),
      smsText('mo2'),
      smsReport('mt1', 2),
      stop('conv-mms', 3),
      smsText('mo3', { hours: 4 }),
    ];
    const first = run(log);
    expect(run(log)).toEqual(first);
    expect(JSON.parse(JSON.stringify(first.state))).toEqual(first.state);
  });

  it('does not mutate the state it is given', () => {
    const state = emptyMmsState();
    const [event] = normalizeWebhook(rawInput(mmsMedia('mo1')));
    correct(state, event!, mmsConfig());
    expect(state).toEqual(emptyMmsState());
  });
});
