import { loadOutboundConfig } from './config';
import {
  buildSendRequest,
  choicesMessage,
  consentRequestBody,
  mediaMessage,
  textMessage,
  whatsAppTemplateMessage,
} from '@cpm/sinch-api';
import type { AgentCommand } from './agent-command';
import { backoffMs } from './backoff';
import { decideCommand, OUTSIDE_WINDOW } from './decide-command';
import { outboundRecord } from './outbound-record';
import { initialOutboundState, withCommand, withInbound } from './outbound-state';
import { RateLimiter } from './rate-limiter';
import { planSend, type SendPlan } from './send-plan';
import { NO_COMMAND_CONTENT } from '@cpm/testkit';

const T0 = Date.parse('2026-11-02T12:00:00.000Z');
const HOUR = 3600_000;

const command = (overrides: Partial<AgentCommand> = {}): AgentCommand => ({
  commandId: 'cmd-1',
  createdAt: T0,
  type: 'SEND_TEXT',
  appId: 'app-1',
  contactId: 'contact-1',
  conversationId: 'conv-1',
  channel: 'WHATSAPP',
  identity: '+46700000001',
  author: 'AGENT',
  agentId: 'agent-7',
  ...NO_COMMAND_CONTENT,
  text: 'Hello',
  ...overrides,
});

/** The messages:send body the SinchApi builds for a plan (same builders). */
function bodyOf(plan: SendPlan): unknown {
  switch (plan.kind) {
    case 'text':
      return buildSendRequest(plan.options, textMessage(plan.options.text));
    case 'media':
      return buildSendRequest(plan.options, mediaMessage(plan.options));
    case 'template':
      return buildSendRequest(plan.options, whatsAppTemplateMessage(plan.options));
    case 'choices':
      return buildSendRequest(plan.options, choicesMessage(plan.options));
    case 'consent':
      return { consent: plan.consent, body: consentRequestBody(plan.registration) };
    case 'stop':
      return plan;
  }
}

function planOf(c: AgentCommand): SendPlan {
  const result = planSend(c);
  if (!result.ok) throw new Error(result.refusal.message);
  return result.plan;
}

describe('planSend: command → messages:send body', () => {
  it('maps SEND_TEXT to a text message to the contact with both metadata fields', () => {
    const body = bodyOf(
      planOf(
        command({ messageMetadata: '{"queue":"vip"}', conversationMetadata: '{"caseId":"42"}' }),
      ),
    );
    expect(body).toEqual({
      app_id: 'app-1',
      recipient: { contact_id: 'contact-1' },
      message: { text_message: { text: 'Hello' } },
      message_metadata: '{"queue":"vip"}',
      conversation_metadata: { caseId: '42' },
    });
  });

  it('falls back to the channel identity when there is no contact id', () => {
    const body = bodyOf(
      planOf(command({ contactId: '', channel: 'SMS', identity: '+46700000009' })),
    );
    expect(body).toEqual({
      app_id: 'app-1',
      recipient: {
        identified_by: { channel_identities: [{ channel: 'SMS', identity: '+46700000009' }] },
      },
      message: { text_message: { text: 'Hello' } },
    });
  });

  it('maps SEND_MEDIA with its file name', () => {
    const body = bodyOf(
      planOf(
        command({
          type: 'SEND_MEDIA',
          text: null,
          mediaUrl: 'https://media.example/a.png',
          fileName: 'a.png',
        }),
      ),
    );
    expect(body).toEqual({
      app_id: 'app-1',
      recipient: { contact_id: 'contact-1' },
      message: {
        media_message: { url: 'https://media.example/a.png', filename_override: 'a.png' },
      },
    });
  });

  it('maps SEND_TEMPLATE to a WhatsApp channel template', () => {
    const c = command({
      type: 'SEND_TEMPLATE',
      text: null,
      templateName: 'order_update',
      templateLanguage: 'en_US',
      templateParameters: { 'body[1]text': 'Anna' },
    });
    expect(bodyOf(planOf(c))).toEqual({
      app_id: 'app-1',
      recipient: { contact_id: 'contact-1' },
      message: {
        template_message: {
          channel_template: {
            WHATSAPP: {
              template_id: 'order_update',
              language_code: 'en_US',
              parameters: { 'body[1]text': 'Anna' },
            },
          },
        },
      },
    });
  });

  it('maps END_CONVERSATION to the conversation stop', () => {
    expect(planOf(command({ type: 'END_CONVERSATION', text: null }))).toEqual({
      kind: 'stop',
      conversationId: 'conv-1',
    });
  });

  const buttons = [
    { kind: 'TEXT', title: 'Tomorrow', postbackData: 'slot-1', url: null, phoneNumber: null },
    {
      kind: 'URL',
      title: 'Track',
      postbackData: null,
      url: 'https://example.com/t',
      phoneNumber: null,
    },
    { kind: 'CALL', title: 'Call us', postbackData: null, url: null, phoneNumber: '+46812345' },
  ];

  it('maps SEND_CHOICES to a choice message, or to a card with a title or an image', () => {
    const choices = [
      { text_message: { text: 'Tomorrow' }, postback_data: 'slot-1' },
      { url_message: { title: 'Track', url: 'https://example.com/t' } },
      { call_message: { title: 'Call us', phone_number: '+46812345' } },
    ];
    expect(
      bodyOf(planOf(command({ type: 'SEND_CHOICES', text: 'When?', choices: buttons }))),
    ).toMatchObject({ message: { choice_message: { text_message: { text: 'When?' }, choices } } });
    expect(
      bodyOf(
        planOf(
          command({
            type: 'SEND_CHOICES',
            channel: 'MESSENGER',
            text: 'When?',
            title: 'Delivery',
            mediaUrl: 'https://media.example.com/p/1?sig=x',
            choices: buttons,
          }),
        ),
      ),
    ).toMatchObject({
      message: {
        card_message: {
          title: 'Delivery',
          description: 'When?',
          media_message: { url: 'https://media.example.com/p/1?sig=x' },
          choices,
        },
      },
    });
  });

  it('maps REGISTER_OPT_IN / OUT to a registration of the customer on the channel', () => {
    expect(bodyOf(planOf(command({ type: 'REGISTER_OPT_OUT', text: null })))).toEqual({
      consent: 'OPT_OUT',
      body: { app_id: 'app-1', recipient: { contact_id: 'contact-1' }, channels: ['WHATSAPP'] },
    });
  });

  it.each([
    ['SMS', 'SEND_MEDIA'],
    ['SMS', 'SEND_CHOICES'],
    ['MMS', 'SEND_CHOICES'],
    ['MESSENGER', 'SEND_TEMPLATE'],
    ['SMS', 'SEND_TEMPLATE'],
    ['INSTAGRAM', 'REGISTER_OPT_IN'],
    ['MMS', 'REGISTER_OPT_OUT'],
  ])('refuses what the channel cannot carry: %s %s → NOT_SUPPORTED_ON_CHANNEL', (channel, type) => {
    const result = planSend(
      command({
        channel,
        type,
        mediaUrl: 'https://example.com/a.png',
        templateName: 't',
        templateLanguage: 'en_US',
        choices: buttons,
      }),
    );
    expect(result.ok ? null : result.refusal).toEqual({
      code: 'NOT_SUPPORTED_ON_CHANNEL',
      message: expect.stringContaining(`${type} cannot be sent on ${channel}`),
    });
  });

  it('sends media on MMS and ends a conversation on any channel', () => {
    expect(
      planSend(command({ channel: 'MMS', type: 'SEND_MEDIA', mediaUrl: 'https://e.com/a.png' })).ok,
    ).toBe(true);
    expect(planSend(command({ channel: 'SMS', type: 'END_CONVERSATION' })).ok).toBe(true);
  });

  it.each([
    [command({ type: 'SEND_CHOICES', choices: [] }), 'INVALID_COMMAND'],
    [command({ type: 'SEND_CHOICES', text: null, choices: buttons }), 'INVALID_COMMAND'],
    [
      command({ type: 'SEND_CHOICES', choices: [{ ...buttons[1]!, url: 'not a url' }] }),
      'INVALID_COMMAND',
    ],
    [command({ type: 'SEND_CHOICES', choices: Array(11).fill(buttons[0]) }), 'INVALID_COMMAND'],
    [command({ type: 'SEND_TEXT', text: '' }), 'INVALID_COMMAND'],
    [command({ type: 'SEND_MEDIA', mediaUrl: 'not a url' }), 'INVALID_COMMAND'],
    [
      command({ type: 'SEND_TEMPLATE', templateName: 'x', templateLanguage: null }),
      'INVALID_COMMAND',
    ],
    [command({ type: 'DANCE' }), 'INVALID_COMMAND'],
    [command({ type: 'END_CONVERSATION', conversationId: '' }), 'MISSING_CONVERSATION_ID'],
    [command({ contactId: '', identity: '' }), 'MISSING_RECIPIENT'],
    [command({ conversationMetadata: '[1,2]' }), 'INVALID_CONVERSATION_METADATA'],
    [command({ conversationMetadata: '{oops' }), 'INVALID_CONVERSATION_METADATA'],
  ])('refuses a bad command with a stable code (%#)', (c, code) => {
    const result = planSend(c);
    expect(result.ok ? null : result.refusal.code).toBe(code);
  });
});

describe('decideCommand: idempotency and the WhatsApp window', () => {
  const spoke = (hoursBefore: number) =>
    withInbound(initialOutboundState(), 'WHATSAPP', T0 - hoursBefore * HOUR);

  it('sends a WhatsApp text within 24 h of the customer message, refuses it after', () => {
    expect(decideCommand(command(), spoke(23)).action).toBe('send');
    const late = decideCommand(command(), spoke(25));
    expect(late).toMatchObject({ action: 'reject', refusal: { code: OUTSIDE_WINDOW } });
    expect(decideCommand(command(), initialOutboundState())).toMatchObject({
      action: 'reject',
      refusal: { code: OUTSIDE_WINDOW },
    });
  });

  it('keeps choices inside the window, and lets consent registrations through a closed one', () => {
    const state = withInbound(initialOutboundState(), 'WHATSAPP', T0 - 25 * HOUR);
    const choices = command({
      type: 'SEND_CHOICES',
      choices: [{ kind: 'TEXT', title: 'Yes', postbackData: null, url: null, phoneNumber: null }],
    });
    expect(decideCommand(choices, state)).toMatchObject({
      action: 'reject',
      refusal: { code: OUTSIDE_WINDOW },
    });
    expect(decideCommand(command({ type: 'REGISTER_OPT_IN' }), state).action).toBe('send');
  });

  it('lets templates, conversation ends and other channels through a closed window', () => {
    const template = command({
      type: 'SEND_TEMPLATE',
      templateName: 'hello',
      templateLanguage: 'en_US',
    });
    expect(decideCommand(template, spoke(25)).action).toBe('send');
    expect(decideCommand(command({ type: 'END_CONVERSATION' }), spoke(25)).action).toBe('send');
    expect(decideCommand(command({ channel: 'SMS' }), initialOutboundState()).action).toBe('send');
  });

  it('decides from the log, not the clock: only createdAt and the accept time count', () => {
    const state = spoke(0);
    expect(decideCommand(command({ createdAt: T0 + 24 * HOUR }), state).action).toBe('send');
    expect(decideCommand(command({ createdAt: T0 + 24 * HOUR + 1 }), state).action).toBe('reject');
  });

  it('never moves the last inbound time back', () => {
    expect(withInbound(spoke(1), 'WHATSAPP', T0 - 30 * HOUR).lastInboundAcceptMs.WHATSAPP).toBe(
      T0 - HOUR,
    );
  });

  it('skips a handled command and reports a send that was interrupted', () => {
    const state = spoke(1);
    expect(decideCommand(command(), withCommand(state, 'cmd-1', 'DONE', 10))).toEqual({
      action: 'skip',
    });
    expect(decideCommand(command(), withCommand(state, 'cmd-1', 'SENDING', 10))).toEqual({
      action: 'unknown-outcome',
    });
  });

  it('remembers at most `capacity` command ids, forgetting the oldest', () => {
    let state = initialOutboundState();
    for (let i = 0; i < 5; i++) state = withCommand(state, `c${i}`, 'DONE', 3);
    expect(state.commands.map(([id]) => id)).toEqual(['c2', 'c3', 'c4']);
  });
});

describe('outboundRecord', () => {
  it('carries the command, the author and Sinch ids', () => {
    const c = command({
      type: 'SEND_TEMPLATE',
      author: 'PROMPT',
      templateName: 'hi',
      templateLanguage: 'en_US',
      templateParameters: { 'body[1]text': 'A' },
    });
    const r = outboundRecord(
      c,
      'app-1:contact-1',
      {
        outcome: 'SENT',
        attempt: 2,
        sinchMessageId: 'm1',
        sinchAcceptedTime: '2026-11-02T12:00:01.000Z',
      },
      T0 + 5,
    );
    expect(r).toMatchObject({
      commandId: 'cmd-1',
      attempt: 2,
      outcome: 'SENT',
      author: 'PROMPT',
      customerKey: 'app-1:contact-1',
      createdAt: '2026-11-02T12:00:00.000Z',
      completedAt: '2026-11-02T12:00:00.005Z',
      sinchMessageId: 'm1',
      templateParamsJson: '{"body[1]text":"A"}',
      errorCode: null,
    });
  });
});

describe('backoff and rate limit', () => {
  it('doubles the backoff up to its cap', () => {
    const policy = { maxAttempts: 5, baseMs: 100, maxMs: 350 };
    expect([1, 2, 3, 4].map((a) => backoffMs(a, policy))).toEqual([100, 200, 350, 350]);
  });

  it('lets a burst of `perSecond` through, then spaces sends per app', () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    expect([limiter.reserve('a'), limiter.reserve('a'), limiter.reserve('a')]).toEqual([0, 0, 500]);
    expect(limiter.reserve('b')).toBe(0); // another app has its own bucket
    now = 2000;
    expect(limiter.reserve('a')).toBe(0);
  });
});

describe('the template catalogue refresh setting', () => {
  const sinch = { SINCH_PROJECT_ID: 'p', SINCH_KEY_ID: 'k', SINCH_KEY_SECRET: 's' };
  it('refreshes every 10 minutes by default, 0 turns it off, a negative interval is refused', () => {
    expect(loadOutboundConfig(sinch).OUTBOUND_TEMPLATES_REFRESH_MS).toBe(600_000);
    expect(
      loadOutboundConfig({ ...sinch, OUTBOUND_TEMPLATES_REFRESH_MS: '0' })
        .OUTBOUND_TEMPLATES_REFRESH_MS,
    ).toBe(0);
    expect(() => loadOutboundConfig({ ...sinch, OUTBOUND_TEMPLATES_REFRESH_MS: '-1' })).toThrow(
      /OUTBOUND_TEMPLATES_REFRESH_MS/,
    );
  });
});
