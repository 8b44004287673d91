import type { ConsoleInput } from './console-input';
import { agentEvent, agentMessage, command, outcome, T0 } from '../test/test-kit';
import {
  customerLabel,
  kindLabel,
  nextStatus,
  reduceConversation,
  type ConversationView,
} from './view-model';

const KEY = 'app1:contact-anna';
const ev = (e: ReturnType<typeof agentEvent>): ConsoleInput => ({
  kind: 'event',
  customerKey: e.customerKey,
  event: e,
});
const fold = (
  inputs: ConsoleInput[],
  limits?: Parameters<typeof reduceConversation>[2],
): ConversationView =>
  inputs.reduce<ConversationView | undefined>(
    (c, i) => reduceConversation(c, i, limits),
    undefined,
  )!;

describe('view model: agent events → conversation view', () => {
  it('shows the customer label, channel, attached data, quote and location', () => {
    const c = fold([
      ev(agentEvent('CONVERSATION_STARTED', { attachedData: { order: '42' } })),
      ev(
        agentEvent('MESSAGE_SENT', {
          message: agentMessage({
            id: 'm-agent',
            direction: 'TO_CONTACT',
            text: 'Your order has shipped',
          }),
        }),
      ),
      ev(
        agentEvent('MESSAGE_RECEIVED', {
          occurredAt: T0 + 1000,
          attachedData: { topic: 'delivery' },
          message: agentMessage({
            id: 'm1',
            text: 'Where is it?',
            quoted: {
              messageId: 'm-agent',
              text: 'Your order has shipped',
              truncated: false,
              attachment: null,
            },
          }),
        }),
      ),
      ev(
        agentEvent('MESSAGE_RECEIVED', {
          message: agentMessage({
            id: 'm2',
            location: { latitude: 59.3, longitude: 18.1, title: 'Home', label: null },
          }),
        }),
      ),
    ]);
    expect(c).toMatchObject({
      customerKey: KEY,
      label: 'Anna Svensson',
      displayName: 'Anna Svensson',
      channel: 'WHATSAPP',
      ended: false,
      lastActivityAt: T0 + 1000,
    });
    expect(c.attachedData).toEqual({ order: '42', topic: 'delivery' });
    expect(c.messages.map((m) => m.key)).toEqual(['m-agent', 'm1', 'm2']);
    expect(c.messages[0]).toMatchObject({ direction: 'TO_CONTACT', status: 'SENT' });
    expect(c.messages[1]!.quoted).toMatchObject({
      messageId: 'm-agent',
      text: 'Your order has shipped',
    });
    expect(c.messages[2]!.location).toMatchObject({ title: 'Home' });
  });

  it('a corrected MMS thread keeps MMS and remembers every reported channel', () => {
    const c = fold([
      ev(
        agentEvent('MESSAGE_RECEIVED', {
          channel: 'MMS',
          sourceChannel: 'MMS',
          message: agentMessage({ id: 'a' }),
        }),
      ),
      ev(
        agentEvent('MESSAGE_RECEIVED', {
          channel: 'MMS',
          sourceChannel: 'SMS',
          message: agentMessage({ id: 'b', text: 'ok' }),
        }),
      ),
    ]);
    expect(c.channel).toBe('MMS');
    expect(c.reportedChannels).toEqual(['MMS', 'SMS']);
  });

  it('fills a pending attachment with its url when ATTACHMENT_READY comes, and marks a failed one', () => {
    const pending = {
      id: 'att1',
      contentType: null,
      url: null,
      fileName: 'photo.jpg',
      sizeBytes: null,
      status: 'PENDING',
    };
    const c = fold([
      ev(
        agentEvent('MESSAGE_RECEIVED', {
          message: agentMessage({
            id: 'm1',
            text: 'see',
            attachments: [pending, { ...pending, id: 'att2' }],
          }),
        }),
      ),
      ev(
        agentEvent('ATTACHMENT_READY', {
          message: agentMessage({
            id: 'm1',
            attachments: [
              { ...pending, url: 'http://m/media/abc', contentType: 'image/jpeg', status: 'READY' },
            ],
          }),
        }),
      ),
      ev(
        agentEvent('ATTACHMENT_FAILED', {
          message: agentMessage({
            id: 'm1',
            attachments: [{ ...pending, id: 'att2', status: 'FAILED' }],
          }),
        }),
      ),
    ]);
    expect(c.messages).toHaveLength(1);
    expect(c.messages[0]!.text).toBe('see');
    expect(c.messages[0]!.attachments).toEqual([
      expect.objectContaining({
        id: 'att1',
        url: 'http://m/media/abc',
        contentType: 'image/jpeg',
        status: 'READY',
      }),
      expect.objectContaining({ id: 'att2', status: 'FAILED' }),
    ]);
  });

  it('consent and the end: CONVERSATION_ENDED keeps the attached data, a new start reopens', () => {
    const c = fold([
      ev(agentEvent('CONVERSATION_STARTED', { attachedData: { order: '42' } })),
      ev(
        agentEvent('CONSENT_CHANGED', { consent: { kind: 'OPT_IN', status: 'OPT_IN_SUCCEEDED' } }),
      ),
      ev(agentEvent('CONVERSATION_ENDED', { attachedData: null })),
    ]);
    expect(c).toMatchObject({
      ended: true,
      consent: { kind: 'OPT_IN', status: 'OPT_IN_SUCCEEDED' },
      attachedData: { order: '42' },
    });
    expect(
      reduceConversation(c, ev(agentEvent('CONVERSATION_STARTED', { conversationId: 'conv-2' })))
        .ended,
    ).toBe(false);
  });

  it('an agent command: PENDING, then linked to its Sinch message by the outcome, then delivery ticks', () => {
    const steps: ConsoleInput[] = [
      {
        kind: 'command',
        customerKey: KEY,
        command: command({ commandId: 'c1', text: 'On its way' }),
      },
      {
        kind: 'outcome',
        customerKey: KEY,
        outcome: outcome({ commandId: 'c1', sinchMessageId: 's1', text: 'On its way' }),
      },
      ev(
        agentEvent('MESSAGE_SENT', {
          message: agentMessage({ id: 's1', direction: 'TO_CONTACT', text: 'On its way' }),
        }),
      ),
      ev(
        agentEvent('MESSAGE_STATUS', {
          status: { messageId: 's1', status: 'DELIVERED', reason: null },
        }),
      ),
    ];
    const statuses = steps.map((_s, n) =>
      fold(steps.slice(0, n + 1)).messages.map((m) => [m.key, m.id, m.status]),
    );
    expect(statuses).toEqual([
      [['cmd:c1', null, 'PENDING']],
      [['cmd:c1', 's1', 'SENT']],
      [['cmd:c1', 's1', 'SENT']],
      [['cmd:c1', 's1', 'DELIVERED']],
    ]);
  });

  it('links a command to its message whichever topic is read first, and applies an early status', () => {
    const c = fold([
      ev(
        agentEvent('MESSAGE_SENT', {
          message: agentMessage({ id: 's1', direction: 'TO_CONTACT', text: 'On its way' }),
        }),
      ),
      ev(
        agentEvent('MESSAGE_STATUS', { status: { messageId: 's1', status: 'READ', reason: null } }),
      ),
      {
        kind: 'command',
        customerKey: KEY,
        command: command({ commandId: 'c1', text: 'On its way' }),
      },
      {
        kind: 'outcome',
        customerKey: KEY,
        outcome: outcome({ commandId: 'c1', sinchMessageId: 's1' }),
      },
    ]);
    expect(c.messages.map((m) => [m.key, m.id, m.status, m.text])).toEqual([
      ['cmd:c1', 's1', 'READ', 'On its way'],
    ]);
    const early = fold([
      ev(
        agentEvent('MESSAGE_STATUS', {
          status: { messageId: 's9', status: 'DELIVERED', reason: null },
        }),
      ),
      ev(
        agentEvent('MESSAGE_SENT', {
          message: agentMessage({ id: 's9', direction: 'TO_CONTACT', text: 'x' }),
        }),
      ),
    ]);
    expect(early.messages[0]!.status).toBe('DELIVERED');
    expect(early.orphanStatuses).toEqual([]);
  });

  it('shows a rejected or failed command with its reason, from the outcome or from MESSAGE_STATUS', () => {
    const rejected = fold([
      { kind: 'command', customerKey: KEY, command: command({ commandId: 'c1' }) },
      {
        kind: 'outcome',
        customerKey: KEY,
        outcome: outcome({
          commandId: 'c1',
          outcome: 'REJECTED',
          errorCode: 'WHATSAPP_WINDOW_CLOSED',
          errorMessage: 'use a template',
        }),
      },
    ]);
    expect(rejected.messages[0]).toMatchObject({
      status: 'FAILED',
      statusReason: 'REJECTED: WHATSAPP_WINDOW_CLOSED: use a template',
    });
    const failed = fold([
      { kind: 'command', customerKey: KEY, command: command({ commandId: 'c2' }) },
      ev(
        agentEvent('MESSAGE_STATUS', {
          status: { messageId: 'c2', status: 'FAILED', reason: 'INVALID_RECIPIENT' },
        }),
      ),
      ev(
        agentEvent('MESSAGE_STATUS', {
          status: { messageId: 'c2', status: 'DELIVERED', reason: null },
        }),
      ),
    ]);
    expect(failed.messages[0]).toMatchObject({
      status: 'FAILED',
      statusReason: 'INVALID_RECIPIENT',
    });
  });

  it('a template command shows its name, language and parameters', () => {
    const c = fold([
      {
        kind: 'command',
        customerKey: KEY,
        command: command({
          commandId: 'c1',
          type: 'SEND_TEMPLATE',
          text: null,
          templateName: 'order_update',
          templateLanguage: 'en_US',
          templateParameters: { 'body[1]text': 'Anna' },
        }),
      },
    ]);
    expect(c.messages[0]!.template).toEqual({
      name: 'order_update',
      language: 'en_US',
      parameters: { 'body[1]text': 'Anna' },
    });
  });

  it('is bounded: the oldest messages and waiting statuses are dropped', () => {
    const inputs = Array.from({ length: 10 }, (_v, i) =>
      ev(
        agentEvent('MESSAGE_RECEIVED', { message: agentMessage({ id: `m${i}`, text: String(i) }) }),
      ),
    );
    const orphans = Array.from({ length: 5 }, (_v, i) =>
      ev(
        agentEvent('MESSAGE_STATUS', {
          status: { messageId: `x${i}`, status: 'DELIVERED', reason: null },
        }),
      ),
    );
    const c = fold([...inputs, ...orphans], { maxMessages: 3, maxOrphanStatuses: 2 });
    expect(c.messages.map((m) => m.text)).toEqual(['7', '8', '9']);
    expect(c.orphanStatuses.map(([id]) => id)).toEqual(['x3', 'x4']);
  });

  it('keeps text as data: markup is not interpreted by the model', () => {
    const text = '<img src=x onerror=alert(1)> https://example.com/?a=<b>';
    const c = fold([
      ev(agentEvent('MESSAGE_RECEIVED', { message: agentMessage({ id: 'm1', text }) })),
    ]);
    expect(c.messages[0]!.text).toBe(text);
  });
});

describe('view model: every kind of customer content is a row the agent reads', () => {
  it('a choice reply: its title as text, labelled with the postback', () => {
    const c = fold([
      ev(
        agentEvent('MESSAGE_RECEIVED', {
          message: agentMessage({
            id: 'm1',
            kind: 'CHOICE_RESPONSE',
            text: 'Tuesday afternoon',
            choice: { messageId: 'mt-5', postbackData: 'SLOT_TUESDAY', title: 'Tuesday afternoon' },
          }),
        }),
      ),
    ]);
    expect(c.messages[0]).toMatchObject({
      text: 'Tuesday afternoon',
      kind: 'CHOICE_RESPONSE',
      choice: { postbackData: 'SLOT_TUESDAY' },
    });
    expect(kindLabel(c.messages[0]!)).toBe('button or list reply (SLOT_TUESDAY)');
  });

  it('a cart, a Flow reply, a shared contact, an UNSUPPORTED callback: labelled text and fields', () => {
    const c = fold([
      ev(
        agentEvent('MESSAGE_RECEIVED', {
          message: agentMessage({
            id: 'cart',
            kind: 'PRODUCT_RESPONSE',
            text: 'Cart:\n2 × sku-1 at 12.5 EUR',
            products: [
              { id: 'sku-1', marketplace: null, quantity: 2, itemPrice: 12.5, currency: 'EUR' },
            ],
          }),
        }),
      ),
      ev(
        agentEvent('MESSAGE_RECEIVED', {
          message: agentMessage({
            id: 'flow',
            kind: 'CHANNEL_SPECIFIC',
            text: 'Form reply (flow)\nparty_size: 4',
            fields: { party_size: '4' },
          }),
        }),
      ),
      ev(
        agentEvent('MESSAGE_RECEIVED', {
          message: agentMessage({
            id: 'card',
            kind: 'CONTACT_INFO',
            text: 'Shared a contact:\nErik',
          }),
        }),
      ),
      ev(
        agentEvent('MESSAGE_RECEIVED', {
          channel: 'INSTAGRAM',
          message: agentMessage({
            id: 'uns',
            kind: 'UNSUPPORTED',
            text: 'Content the Conversation API cannot convert arrived on INSTAGRAM (audio); it cannot be shown here.',
            fields: { reason: 'UNSUPPORTED_BY_CONVERSATION_API', contentType: 'audio' },
          }),
        }),
      ),
    ]);
    expect(c.messages.map((m) => [m.key, kindLabel(m), m.text!.split('\n')[0]])).toEqual([
      ['cart', 'cart', 'Cart:'],
      ['flow', 'form reply', 'Form reply (flow)'],
      ['card', 'shared contact', 'Shared a contact:'],
      [
        'uns',
        'unsupported content',
        'Content the Conversation API cannot convert arrived on INSTAGRAM (audio); it cannot be shown here.',
      ],
    ]);
    expect(c.messages[1]!.fields).toEqual({ party_size: '4' });
  });

  it('text, media and locations carry no label', () => {
    for (const kind of ['TEXT', 'MEDIA', 'LOCATION', null])
      expect(kindLabel({ kind, choice: null })).toBeNull();
  });

  it('an attachment update keeps the content of its message', () => {
    const c = fold([
      ev(
        agentEvent('MESSAGE_RECEIVED', {
          message: agentMessage({ id: 'm1', kind: 'MEDIA_CARD', text: 'caption' }),
        }),
      ),
      ev(agentEvent('ATTACHMENT_READY', { message: agentMessage({ id: 'm1', kind: null }) })),
    ]);
    expect(c.messages[0]).toMatchObject({ kind: 'MEDIA_CARD', text: 'caption' });
  });

  it('a customer message without content (an UNSUPPORTED callback of an older record) is still a row, once', () => {
    const e = agentEvent('MESSAGE_RECEIVED', { message: null });
    const c = fold([ev(e), ev(e)]);
    expect(c.messages).toHaveLength(1);
    expect(c.messages[0]).toMatchObject({
      key: e.eventId,
      direction: 'TO_APP',
      kind: 'UNSUPPORTED',
      text: 'The customer sent something that cannot be shown here.',
    });
  });
});

describe('nextStatus', () => {
  it.each([
    [null, 'SENT', 'SENT'],
    ['SENT', 'DELIVERED', 'DELIVERED'],
    ['DELIVERED', 'QUEUED_ON_CHANNEL', 'DELIVERED'],
    ['READ', 'DELIVERED', 'READ'],
    ['FAILED', 'DELIVERED', 'FAILED'],
    ['DELIVERED', 'FAILED', 'FAILED'],
    ['PENDING', 'SENT', 'SENT'],
    ['SENT', 'PENDING', 'SENT'],
    ['DELIVERED', 'SENT', 'DELIVERED'],
    ['QUEUED_ON_CHANNEL', 'SWITCHING_CHANNEL', 'SWITCHING_CHANNEL'],
    // A status Sinch may add later is a report: it moves a message past SENT, and SENT never replaces it.
    ['SENT', 'SOME_NEW_STATUS', 'SOME_NEW_STATUS'],
    ['SOME_NEW_STATUS', 'SENT', 'SOME_NEW_STATUS'],
    ['SOME_NEW_STATUS', 'DELIVERED', 'DELIVERED'],
  ])('%s + %s → %s', (current, reported, expected) => {
    expect(nextStatus(current, reported)).toBe(expected);
  });
});

describe('view model: the agent side beyond text', () => {
  const cmd = (c: ReturnType<typeof command>): ConsoleInput => ({
    kind: 'command',
    customerKey: KEY,
    command: c,
  });
  const out = (o: ReturnType<typeof outcome>): ConsoleInput => ({
    kind: 'outcome',
    customerKey: KEY,
    outcome: o,
  });

  it('shows an agent image with its type from the name, and a choice message with its buttons', () => {
    const c = fold([
      ev(agentEvent('CONVERSATION_STARTED')),
      cmd(
        command({
          commandId: 'img',
          type: 'SEND_MEDIA',
          text: null,
          mediaUrl: 'http://127.0.0.1:18084/public/abc?exp=1&sig=s',
          fileName: 'Box.JPG',
        }),
      ),
      cmd(
        command({
          commandId: 'ch',
          type: 'SEND_CHOICES',
          text: 'When?',
          title: 'Delivery',
          choices: [
            { kind: 'TEXT', title: 'Today', postbackData: null, url: null, phoneNumber: null },
            {
              kind: 'URL',
              title: 'Track',
              postbackData: null,
              url: 'https://e.com',
              phoneNumber: null,
            },
          ],
        }),
      ),
    ]);
    expect(c.messages.map((m) => [m.commandId, m.attachments.map((a) => a.contentType)])).toEqual([
      ['img', ['image/jpeg']],
      ['ch', []],
    ]);
    expect(c.messages[1]).toMatchObject({
      text: 'When?',
      cardTitle: 'Delivery',
      choices: [
        { kind: 'TEXT', title: 'Today' },
        { kind: 'URL', title: 'Track' },
      ],
    });
  });

  it('keeps end and consent actions out of the messages; an accepted registration is the consent state', () => {
    const c = fold([
      ev(agentEvent('CONVERSATION_STARTED')),
      cmd(command({ commandId: 'in', type: 'REGISTER_OPT_IN', text: null })),
      out(outcome({ commandId: 'in', commandType: 'REGISTER_OPT_IN' })),
      cmd(command({ commandId: 'end', type: 'END_CONVERSATION', text: null })),
      out(outcome({ commandId: 'end', commandType: 'END_CONVERSATION' })),
    ]);
    expect(c.messages).toEqual([]);
    expect(c.consent).toEqual({ kind: 'OPT_IN', status: 'REGISTERED' });
    expect(c.notice).toBeNull();
    // Sinch's OPT_OUT callback, later, wins; an outcome of a failed registration only tells why.
    const later = fold([
      ev(agentEvent('CONVERSATION_STARTED')),
      out(outcome({ commandId: 'in', commandType: 'REGISTER_OPT_IN' })),
      ev(
        agentEvent('CONSENT_CHANGED', {
          consent: { kind: 'OPT_OUT', status: 'OPT_OUT_SUCCEEDED' },
        }),
      ),
      out(
        outcome({
          commandId: 'in2',
          commandType: 'REGISTER_OPT_IN',
          outcome: 'REJECTED',
          errorCode: 'NOT_SUPPORTED_ON_CHANNEL',
          errorMessage: 'REGISTER_OPT_IN cannot be sent on SMS',
        }),
      ),
    ]);
    expect(later.consent).toEqual({ kind: 'OPT_OUT', status: 'OPT_OUT_SUCCEEDED' });
    expect(later.notice).toBe(
      'Registering the opt-in failed (REJECTED): NOT_SUPPORTED_ON_CHANNEL: REGISTER_OPT_IN cannot be sent on SMS',
    );
    expect(later.messages).toEqual([]);
  });

  it('labels a customer by name or identity, never by the customer key', () => {
    const commandFirst = fold([cmd(command({ commandId: 'x' }))]);
    expect(commandFirst.label).toBe('');
    expect(customerLabel(commandFirst)).toBe('unknown customer');
    expect(customerLabel({ ...commandFirst, identity: '+15550000003' })).toBe('+15550000003');
    expect(customerLabel(fold([ev(agentEvent('CONVERSATION_STARTED'))]))).toBe('Anna Svensson');
  });
});
