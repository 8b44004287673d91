/**
 * Per-channel conformance: for each of the twelve channels Contact Pro lists as verified with
 * the Conversation API (and Viber's two forms), the customer message kinds the channel delivers,
 * sent by the Sinch simulator as signed webhooks through the real ingress, normalizer and
 * agent-events to `agent.events.v1`; and each kind an agent can send, as agent commands through
 * the outbound service to the simulator, or refused with NOT_SUPPORTED_ON_CHANNEL (Sinch not
 * called), and the end of each conversation back on `agent.events.v1`. One pipeline for every
 * channel. README.md's per-channel tables follow this table.
 */
import { randomBytes } from 'node:crypto';
import type { AgentCommand, AgentEvent, OutboundRecord } from '@cpm/contracts';
import { topicName } from '@cpm/kafka';
import { createLogger } from '@cpm/platform';
import type { InboundResult, ScriptedCustomer } from '@cpm/sinch-simulator';
import { createTestEnv, NO_COMMAND_CONTENT, readTopic, type TestEnv } from '@cpm/testkit';
import { startPipeline, type Pipeline } from './start-pipeline';

jest.setTimeout(180_000);

/** What a customer sends (MO). */
type MoKind =
  | 'text'
  | 'media' // an image without caption (media_message)
  | 'media with caption' // media_card_message: a caption, a story reply
  | 'voice note' // WhatsApp audio
  | 'location'
  | 'quote' // a text quoting the agent's text (reply_to)
  | 'choice reply'; // a button or list reply to the agent's choices (choice_response_message)

/** What an agent sends (MT), as agent command types. */
const MT_KINDS = [
  'SEND_TEXT',
  'SEND_MEDIA',
  'SEND_CHOICES',
  'SEND_TEMPLATE',
  'REGISTER_OPT_IN',
  'END_CONVERSATION',
] as const;
type MtKind = (typeof MT_KINDS)[number];

interface ChannelRow {
  /** The Conversation API channel name. */
  channel: string;
  identity: string;
  mo: MoKind[];
  /** The MT kinds the channel carries; the other MT_KINDS must be refused. */
  mt: MtKind[];
}

const BASIC: MtKind[] = ['SEND_TEXT', 'SEND_MEDIA', 'END_CONVERSATION'];
const WITH_CHOICES: MtKind[] = [...BASIC, 'SEND_CHOICES'];

/**
 * The expectations, channel by channel. Every channel carries text both ways and ends a
 * conversation; "rich content" (images and documents) both ways everywhere but SMS; buttons
 * and cards where the Conversation API renders them natively (otherwise the agent's choices
 * would reach the customer as plain text, so they are refused); templates and opt-in on
 * WhatsApp only; quoting on WhatsApp, Messenger and Instagram; location and voice notes from
 * WhatsApp customers. A choice reply is sent where the agent can send choices.
 */
const CHANNELS: ChannelRow[] = [
  {
    channel: 'WHATSAPP',
    identity: '46700555001',
    mo: ['text', 'media with caption', 'voice note', 'location', 'quote', 'choice reply'],
    mt: [...WITH_CHOICES, 'SEND_TEMPLATE', 'REGISTER_OPT_IN'],
  },
  {
    channel: 'MESSENGER',
    identity: 'PSID555002',
    mo: ['text', 'media', 'quote', 'choice reply'],
    mt: WITH_CHOICES,
  },
  { channel: 'SMS', identity: '15550555003', mo: ['text'], mt: ['SEND_TEXT', 'END_CONVERSATION'] },
  {
    channel: 'INSTAGRAM',
    identity: '17841400555004',
    mo: ['text', 'media', 'media with caption', 'quote', 'choice reply'],
    mt: WITH_CHOICES,
  },
  {
    channel: 'TELEGRAM',
    identity: '555005',
    mo: ['text', 'media', 'choice reply'],
    mt: WITH_CHOICES,
  },
  {
    channel: 'VIBER',
    identity: 'viber-user-555006',
    mo: ['text', 'media', 'choice reply'],
    mt: WITH_CHOICES,
  },
  {
    channel: 'VIBERBM',
    identity: '46700555007',
    mo: ['text', 'media', 'choice reply'],
    mt: WITH_CHOICES,
  },
  {
    channel: 'LINE',
    identity: 'U555008',
    mo: ['text', 'media', 'choice reply'],
    mt: WITH_CHOICES,
  },
  // Not in the Conversation API SDKs' channel enum; Sinch's channel pages name it SINCH_CHAT.
  { channel: 'SINCH_CHAT', identity: 'chat-555009', mo: ['text', 'media'], mt: BASIC },
  { channel: 'WECHAT', identity: 'wx-555010', mo: ['text', 'media'], mt: BASIC },
  // KAKAOTALK sends business notifications only; customers write on KAKAOTALKCHAT.
  { channel: 'KAKAOTALKCHAT', identity: '821055501', mo: ['text', 'media'], mt: BASIC },
  {
    channel: 'RCS',
    identity: '46700555012',
    mo: ['text', 'media', 'choice reply'],
    mt: WITH_CHOICES,
  },
  // A plain-text reply in an MMS thread arrives on SMS; the agent still sees MMS.
  {
    channel: 'MMS',
    identity: '15550555013',
    mo: ['media with caption', 'text'],
    mt: BASIC,
  },
];

// Texts carry a URL: Contact Pro lists URLs as verified on most channels, and text travels as sent.
const TRACKING = 'https://example.com/track?id=Q-7781&lang=en';
const AGENT_TEXT = `Your order ships on Friday: ${TRACKING}`;
const customerText = (channel: string) => `hello on ${channel}, see ${TRACKING}`;
const CAPTION = 'the damaged corner';
const IMAGE = 'https://media.example.com/public/abc?exp=1&sig=x';
const BUTTONS = [
  { kind: 'TEXT', title: 'Tomorrow', postbackData: 'slot-1', url: null, phoneNumber: null },
  { kind: 'TEXT', title: 'Next week', postbackData: 'slot-2', url: null, phoneNumber: null },
];

let t: TestEnv;
let pipeline: Pipeline;
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await t?.cleanup();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(300);
  }
}

async function decoded<T>(topic: string): Promise<T[]> {
  const records = await readTopic(t.kafka, topicName(t.namespace, topic));
  return Promise.all(records.map((r) => t.codec.decode<T>(r.value!)));
}

/** The MESSAGE_RECEIVED agent events of these Sinch message ids, once all are there. */
async function received(ids: string[]): Promise<Map<string, AgentEvent>> {
  return until(`${ids.length} customer messages on agent.events.v1`, async () => {
    const events = (await decoded<AgentEvent>('agent.events.v1')).filter(
      (e) => e.type === 'MESSAGE_RECEIVED' && ids.includes(e.message!.id),
    );
    const byId = new Map(events.map((e) => [e.message!.id, e]));
    return byId.size === ids.length ? byId : undefined;
  });
}

async function outcomes(ids: string[]): Promise<Map<string, OutboundRecord>> {
  return until(`${ids.length} command outcomes on sinch.outbound.v1`, async () => {
    const records = (await decoded<OutboundRecord>('sinch.outbound.v1')).filter((r) =>
      ids.includes(r.commandId),
    );
    const byId = new Map(records.map((r) => [r.commandId, r]));
    return byId.size === ids.length ? byId : undefined;
  });
}

async function produceCommands(commands: AgentCommand[], keyOf: (c: AgentCommand) => string) {
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    const topic = 'agent.commands.v1';
    const messages = await Promise.all(
      commands.map(async (c) => ({ key: keyOf(c), value: await t.codec.encode(topic, c) })),
    );
    await producer.send({ topic: topicName(t.namespace, topic), acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

function commandFor(first: AgentEvent, type: MtKind): AgentCommand {
  const content: Partial<Record<MtKind, Partial<AgentCommand>>> = {
    SEND_TEXT: { text: AGENT_TEXT },
    SEND_MEDIA: { mediaUrl: IMAGE, fileName: 'label.jpg' },
    SEND_CHOICES: { text: 'When shall we come?', choices: BUTTONS },
    SEND_TEMPLATE: { templateName: 'order_shipped', templateLanguage: 'en_US' },
  };
  return {
    commandId: `cmd-${first.channel}-${type}-${randomBytes(4).toString('hex')}`,
    createdAt: Date.now(),
    type,
    appId: first.appId,
    contactId: first.contactId,
    conversationId: first.conversationId,
    channel: first.channel,
    identity: '',
    author: 'AGENT',
    agentId: 'agent-1',
    ...NO_COMMAND_CONTENT,
    ...content[type],
  };
}

/** What the simulator must have received for a carried MT kind. */
const SINCH_MESSAGE_KEY: Partial<Record<MtKind, string>> = {
  SEND_TEXT: 'text_message',
  SEND_MEDIA: 'media_message',
  SEND_CHOICES: 'choice_message',
  SEND_TEMPLATE: 'template_message',
};

interface ChannelResult {
  row: ChannelRow;
  /** Per MO kind, the customer's message and its agent event. */
  mo: Map<MoKind, { sent: InboundResult; event: AgentEvent }>;
  /** Per MT kind, the command and its outcome. */
  mt: Map<MtKind, { command: AgentCommand; outcome: OutboundRecord }>;
  /** The agent's MT messages as the simulator keeps them, by Sinch message id. */
  sent: Map<string, Record<string, unknown>>;
}
const results = new Map<string, ChannelResult>();
/** The agent's view of each refused command: its status under the command id. */
let refusedStatuses = new Map<string, NonNullable<AgentEvent['status']>>();

/** The customer's first messages (all but the answers to the agent's), in the row's order. */
async function sendFirst(customer: ScriptedCustomer, row: ChannelRow) {
  const sent = new Map<MoKind, InboundResult>();
  for (const kind of row.mo) {
    if (kind === 'text') sent.set(kind, await customer.sendText(customerText(row.channel)));
    if (kind === 'media') sent.set(kind, await customer.sendMedia('png'));
    if (kind === 'media with caption')
      sent.set(kind, await customer.sendMedia('png', { caption: CAPTION }));
    if (kind === 'voice note') sent.set(kind, await customer.sendMedia('ogg'));
    if (kind === 'location')
      sent.set(
        kind,
        await customer.sendLocation({ latitude: 59.3293, longitude: 18.0686, title: 'Home' }),
      );
  }
  return sent;
}

beforeAll(async () => {
  t = await createTestEnv({ database: false, partitions: 3 });
  pipeline = await startPipeline({
    env: { ...t.env, LOG_LEVEL: 'warn', OUTBOUND_TEMPLATES_REFRESH_MS: '0' },
    logger: createLogger('channels', 'warn'),
    secrets: {
      webhook: `webhook-${randomBytes(8).toString('hex')}`,
      sinchKeyId: 'key-id',
      sinchKeySecret: 'key-secret',
    },
    stops,
  });
  const { sim } = pipeline;

  // 1. The customers write first: every MO kind that does not answer the agent.
  const customers = new Map(
    CHANNELS.map((row) => [
      row.channel,
      sim.customer({ channel: row.channel, identity: row.identity }),
    ]),
  );
  const firstSent = new Map(
    await Promise.all(
      CHANNELS.map(
        async (row) => [row.channel, await sendFirst(customers.get(row.channel)!, row)] as const,
      ),
    ),
  );
  const firstEvents = await received(
    [...firstSent.values()].flatMap((m) => [...m.values()].map((s) => s.messageId)),
  );
  for (const row of CHANNELS) {
    const mo = new Map(
      [...firstSent.get(row.channel)!].map(([kind, sent]) => [
        kind,
        { sent, event: firstEvents.get(sent.messageId)! },
      ]),
    );
    results.set(row.channel, { row, mo, mt: new Map(), sent: new Map() });
  }

  // 2. The agent answers each with every MT kind but the end, on the customer's first event.
  const firstOf = (channel: string) => [...results.get(channel)!.mo.values()][0]!.event;
  const keyOf = (c: AgentCommand) => firstOf(c.channel).customerKey;
  const commands = CHANNELS.flatMap((row) =>
    MT_KINDS.filter((k) => k !== 'END_CONVERSATION').map((k) =>
      commandFor(firstOf(row.channel), k),
    ),
  );
  await produceCommands(commands, keyOf);
  const answered = await outcomes(commands.map((c) => c.commandId));
  for (const c of commands)
    results
      .get(c.channel)!
      .mt.set(c.type as MtKind, { command: c, outcome: answered.get(c.commandId)! });
  // A refused command reaches the agent as a FAILED status under its command id, a refused
  // registration too (no OPT_IN callback will ever say anything).
  const refusedIds = new Set(
    commands
      .filter((c) => answered.get(c.commandId)!.outcome === 'REJECTED')
      .map((c) => c.commandId),
  );
  refusedStatuses = await until(
    'a FAILED status per refused command on agent.events.v1',
    async () => {
      const seen = new Map(
        (await decoded<AgentEvent>('agent.events.v1'))
          .filter((e) => e.type === 'MESSAGE_STATUS' && refusedIds.has(e.status?.messageId ?? ''))
          .map((e) => [e.status!.messageId, e.status!] as const),
      );
      return seen.size === refusedIds.size ? seen : undefined;
    },
  );
  for (const message of sim.state.sentMessages.values())
    for (const r of results.values())
      if (message.contactId === firstOf(r.row.channel).contactId)
        r.sent.set(message.id, { channel: message.channelIdentity.channel, ...message.message });

  // 3. The customers answer the agent: a quote of its text, a reply to its choices.
  const sinchIdOf = (r: ChannelResult, kind: MtKind) => r.mt.get(kind)!.outcome.sinchMessageId!;
  const answers = await Promise.all(
    [...results.values()].flatMap((r) => {
      const customer = customers.get(r.row.channel)!;
      return [
        ...(r.row.mo.includes('quote')
          ? [
              customer
                .sendText('when exactly?', { replyTo: sinchIdOf(r, 'SEND_TEXT') })
                .then((sent) => ({ r, kind: 'quote' as MoKind, sent })),
            ]
          : []),
        ...(r.row.mo.includes('choice reply')
          ? [
              customer
                .answerChoice(sinchIdOf(r, 'SEND_CHOICES'), 'slot-1')
                .then((sent) => ({ r, kind: 'choice reply' as MoKind, sent })),
            ]
          : []),
      ];
    }),
  );
  const answerEvents = await received(answers.map((a) => a.sent.messageId));
  for (const { r, kind, sent } of answers)
    r.mo.set(kind, { sent, event: answerEvents.get(sent.messageId)! });

  // 4. The agent ends every conversation.
  const ends = CHANNELS.map((row) => commandFor(firstOf(row.channel), 'END_CONVERSATION'));
  await produceCommands(ends, keyOf);
  const ended = await outcomes(ends.map((c) => c.commandId));
  // Sinch's CONVERSATION_STOP comes back through the ingress: the agent sees each end.
  const keys = new Set(CHANNELS.map((row) => firstOf(row.channel).customerKey));
  await until('a CONVERSATION_ENDED per channel on agent.events.v1', async () => {
    const endedKeys = new Set(
      (await decoded<AgentEvent>('agent.events.v1'))
        .filter((e) => e.type === 'CONVERSATION_ENDED' && keys.has(e.customerKey))
        .map((e) => e.customerKey),
    );
    return endedKeys.size === keys.size ? endedKeys : undefined;
  });
  for (const c of ends)
    results
      .get(c.channel)!
      .mt.set('END_CONVERSATION', { command: c, outcome: ended.get(c.commandId)! });
}, 150_000);

describe.each(CHANNELS.map((row) => [row.channel, row] as const))('%s', (channel, row) => {
  const result = () => results.get(channel)!;

  it(`customer messages reach agent.events.v1 readable: ${row.mo.join(', ')}`, () => {
    expect([...result().mo.keys()].sort()).toEqual([...row.mo].sort());
    for (const [kind, { sent, event }] of result().mo) {
      // The agent sees the channel the conversation is on (MMS for a text reply in an MMS thread).
      expect([kind, event.channel]).toEqual([kind, channel]);
      // One conversation for the agent: every message under the customer's first key.
      expect([kind, event.customerKey]).toEqual([
        kind,
        [...result().mo.values()][0]!.event.customerKey,
      ]);
      const m = event.message!;
      switch (kind) {
        case 'text':
          expect([m.kind, m.text]).toEqual(['TEXT', customerText(channel)]);
          expect(event.sourceChannel).toBe(sent.channel);
          break;
        case 'media':
        case 'voice note':
          expect(m.kind).toBe('MEDIA');
          expect(m.attachments).toHaveLength(1);
          break;
        case 'media with caption':
          expect([m.kind, m.text, m.attachments.length]).toEqual(['MEDIA_CARD', CAPTION, 1]);
          break;
        case 'location':
          expect([m.kind, m.location]).toEqual([
            'LOCATION',
            expect.objectContaining({ latitude: 59.3293, longitude: 18.0686, title: 'Home' }),
          ]);
          break;
        case 'quote':
          expect([m.kind, m.text, m.quoted?.text]).toEqual(['TEXT', 'when exactly?', AGENT_TEXT]);
          break;
        case 'choice reply':
          expect([m.kind, m.text, m.choice?.title, m.choice?.postbackData]).toEqual([
            'CHOICE_RESPONSE',
            'Tomorrow',
            'Tomorrow',
            'slot-1',
          ]);
          break;
      }
    }
  });

  it(`agent sends ${row.mt.join(', ')}; the rest is refused`, () => {
    const { mt, sent } = result();
    for (const kind of MT_KINDS) {
      const { command, outcome } = mt.get(kind)!;
      if (!row.mt.includes(kind)) {
        expect([kind, outcome.outcome, outcome.errorCode]).toEqual([
          kind,
          'REJECTED',
          'NOT_SUPPORTED_ON_CHANNEL',
        ]);
        expect([kind, refusedStatuses.get(command.commandId)]).toEqual([
          kind,
          { messageId: command.commandId, status: 'FAILED', reason: 'NOT_SUPPORTED_ON_CHANNEL' },
        ]);
        continue;
      }
      expect([kind, outcome.outcome]).toEqual([kind, 'SENT']);
      const key = SINCH_MESSAGE_KEY[kind];
      if (key) {
        // The simulator got the message, in the Conversation API's form, for this channel.
        const message = sent.get(outcome.sinchMessageId!);
        expect([kind, message?.channel, Object.keys(message ?? {})]).toEqual([
          kind,
          channel,
          expect.arrayContaining([key]),
        ]);
        if (kind === 'SEND_TEXT') expect(message?.text_message).toEqual({ text: AGENT_TEXT });
        if (kind === 'SEND_MEDIA')
          expect(message?.media_message).toMatchObject({
            url: IMAGE,
            filename_override: 'label.jpg',
          });
      }
      if (kind === 'REGISTER_OPT_IN')
        expect(pipeline.sim.state.consents.get(`${channel}:${row.identity}`)).toBe('OPT_IN');
      if (kind === 'END_CONVERSATION')
        expect(
          pipeline.sim
            .requests('conversations:stop')
            .map((r) => r.path)
            .filter((p) => p.includes(command.conversationId)),
        ).toHaveLength(1);
    }
    // Nothing refused reached Sinch: one message per carried send kind.
    expect(sent.size).toBe(row.mt.filter((k) => SINCH_MESSAGE_KEY[k]).length);
  });
});
