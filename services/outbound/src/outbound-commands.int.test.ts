/**
 * Every agent command kind through the outbound service on real Kafka against the simulator:
 * what the channel carries reaches the Conversation API (choices, cards, media, opt-in and
 * opt-out registration, end), what it cannot is refused with NOT_SUPPORTED_ON_CHANNEL before
 * any call. And the template catalogue refresh: Template Management API → sinch.templates.v1,
 * by the service at start and by refreshTemplates.
 */
import { topicName } from '@cpm/kafka';
import type { OutboundRecord, TemplateCatalogue } from '@cpm/contracts';
import { normalizeWebhook, type ConversationEvent } from '@cpm/domain';
import { createLogger } from '@cpm/platform';
import { SinchApi } from '@cpm/sinch-api';
import {
  createSinchSimulator,
  type InboundResult,
  type SinchSimulator,
} from '@cpm/sinch-simulator';
import { createTestEnv, NO_COMMAND_CONTENT, readTopic, type TestEnv } from '@cpm/testkit';
import type { AgentCommand } from './agent-command';
import { loadOutboundConfig, sinchApiSettings } from './config';
import { startOutbound, type Outbound } from './outbound';
import { refreshTemplates, TEMPLATES } from './template-refresh';

const HOUR = 3600_000;
const T0 = Date.parse('2026-11-02T10:00:00.000Z');
let t: TestEnv;
let sim: SinchSimulator;
let outbound: Outbound;
let sinchEnv: Record<string, string>;
let whatsapp: InboundResult;
let sms: InboundResult;
let mms: InboundResult;
let messenger: InboundResult;
const keyOf = (c: InboundResult) => `sim-app:${c.contactId}`;

async function produce(topic: string, key: string, value: object): Promise<void> {
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic: topicName(t.namespace, topic),
    acks: -1,
    messages: [{ key, value: await t.codec.encode(topic, value) }],
  });
  await producer.disconnect();
}

function command(
  customer: InboundResult,
  channel: string,
  overrides: Partial<AgentCommand>,
): AgentCommand {
  return {
    commandId: `cmd-${Math.random().toString(36).slice(2)}`,
    createdAt: T0 + HOUR,
    type: 'SEND_TEXT',
    appId: 'sim-app',
    contactId: customer.contactId,
    conversationId: customer.conversationId,
    channel,
    identity: '',
    author: 'AGENT',
    agentId: 'agent-1',
    ...NO_COMMAND_CONTENT,
    ...overrides,
  };
}

async function outcomesOf(ids: string[]): Promise<Map<string, OutboundRecord>> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const records = await readTopic(t.kafka, topicName(t.namespace, 'sinch.outbound.v1'));
    const decoded = await Promise.all(records.map((r) => t.codec.decode<OutboundRecord>(r.value!)));
    const mine = new Map(
      decoded.filter((r) => ids.includes(r.commandId)).map((r) => [r.commandId, r]),
    );
    if (mine.size === ids.length || Date.now() > deadline) return mine;
    await new Promise((r) => setTimeout(r, 300));
  }
}

beforeAll(async () => {
  t = await createTestEnv({ database: false, partitions: 2 });
  sim = createSinchSimulator({ delivery: { stepDelayMs: 5 } });
  await sim.start();
  whatsapp = await sim.customer({ channel: 'WHATSAPP', identity: '46700000011' }).sendText('hi');
  sms = await sim.customer({ channel: 'SMS', identity: '+15550000021' }).sendText('hi');
  mms = await sim.customer({ channel: 'MMS', identity: '+15550000022' }).sendText('hi');
  messenger = await sim.customer({ channel: 'MESSENGER', identity: 'PSID-31' }).sendText('hi');
  // The WhatsApp customer wrote an hour before the commands: the window is open.
  const [event] = normalizeWebhook({
    body: Buffer.from(JSON.stringify(whatsapp.body)),
    receivedAtMs: T0,
    customerKey: keyOf(whatsapp),
    source: { topic: 'sinch.webhooks.raw.v1', partition: 0, offset: '0' },
  }).filter((e) => e.type === 'MESSAGE_RECEIVED') as [ConversationEvent];
  const iso = new Date(T0).toISOString();
  await produce('conversation.events.v1', keyOf(whatsapp), {
    ...event,
    occurredAt: iso,
    occurredAtMs: T0,
    message: { ...event.message!, acceptedAt: iso },
  });
  sinchEnv = {
    SINCH_PROJECT_ID: sim.projectId,
    SINCH_KEY_ID: 'key-id',
    SINCH_KEY_SECRET: 'key-secret',
    SINCH_REGION: 'eu',
    SINCH_CONVERSATION_BASE_URL: sim.url,
    SINCH_AUTH_BASE_URL: sim.url,
  };
  outbound = await startOutbound(
    loadOutboundConfig({ ...t.env, ...sinchEnv, OUTBOUND_HTTP_PORT: '0' }),
    createLogger('outbound', 'warn'),
  );
  // The customer's message is known before any command is produced (the topics are read independently).
  const deadline = Date.now() + 30_000;
  const processed =
    /cpm_records_processed_total\{topic="conversation.events.v1",service="outbound"\} (\d+)/;
  while (Date.now() < deadline) {
    const text = await (await fetch(`${outbound.url}/metrics`)).text();
    if (Number(processed.exec(text)?.[1] ?? 0) >= 1) break;
    await new Promise((r) => setTimeout(r, 200));
  }
}, 60_000);

afterAll(async () => {
  await outbound?.stop();
  await sim?.stop();
  await t?.cleanup();
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
];
const image = 'https://media.example.com/public/abc?exp=1&sig=x';

it('sends what each channel carries and refuses the rest before calling Sinch', async () => {
  const carried = [
    command(whatsapp, 'WHATSAPP', { type: 'SEND_CHOICES', text: 'When?', choices: buttons }),
    command(whatsapp, 'WHATSAPP', { type: 'REGISTER_OPT_IN' }),
    command(messenger, 'MESSENGER', {
      type: 'SEND_CHOICES',
      text: 'Your parcel',
      title: 'Delivery',
      mediaUrl: image,
      choices: buttons,
    }),
    command(mms, 'MMS', { type: 'SEND_MEDIA', mediaUrl: image, fileName: 'box.jpg' }),
    command(sms, 'SMS', { type: 'END_CONVERSATION' }),
  ];
  const refused = [
    command(sms, 'SMS', { type: 'SEND_MEDIA', mediaUrl: image }),
    command(mms, 'MMS', { type: 'SEND_CHOICES', text: 'When?', choices: buttons }),
    command(messenger, 'MESSENGER', {
      type: 'SEND_TEMPLATE',
      templateName: 'order_shipped',
      templateLanguage: 'en_US',
    }),
    command(messenger, 'MESSENGER', { type: 'REGISTER_OPT_OUT' }),
  ];
  const customerOf = new Map([
    ['WHATSAPP', whatsapp],
    ['SMS', sms],
    ['MMS', mms],
    ['MESSENGER', messenger],
  ]);
  for (const c of [...refused, ...carried])
    await produce('agent.commands.v1', keyOf(customerOf.get(c.channel)!), c);

  const outcomes = await outcomesOf([...carried, ...refused].map((c) => c.commandId));
  for (const c of carried)
    expect([c.type, c.channel, outcomes.get(c.commandId)?.outcome]).toEqual([
      c.type,
      c.channel,
      'SENT',
    ]);
  for (const c of refused)
    expect(outcomes.get(c.commandId)).toMatchObject({
      outcome: 'REJECTED',
      commandType: c.type,
      errorCode: 'NOT_SUPPORTED_ON_CHANNEL',
      errorMessage: expect.stringContaining(`${c.type} cannot be sent on ${c.channel}`),
    });

  const bodies = sim.requests('messages:send').map((r) => r.body as { message: object });
  expect(bodies).toHaveLength(3);
  expect(bodies).toContainEqual(
    expect.objectContaining({
      message: {
        choice_message: {
          text_message: { text: 'When?' },
          choices: [
            { text_message: { text: 'Tomorrow' }, postback_data: 'slot-1' },
            { url_message: { title: 'Track', url: 'https://example.com/t' } },
          ],
        },
      },
    }),
  );
  expect(bodies).toContainEqual(
    expect.objectContaining({
      message: {
        card_message: expect.objectContaining({
          title: 'Delivery',
          description: 'Your parcel',
          media_message: { url: image },
        }),
      },
    }),
  );
  expect(bodies).toContainEqual(
    expect.objectContaining({
      message: { media_message: { url: image, filename_override: 'box.jpg' } },
    }),
  );
  expect(sim.requests('optins:register').map((r) => r.body)).toEqual([
    {
      app_id: 'sim-app',
      recipient: { contact_id: whatsapp.contactId },
      channels: ['WHATSAPP'],
    },
  ]);
  expect(sim.state.consents.get('WHATSAPP:46700000011')).toBe('OPT_IN');
  expect(sim.requests('optouts:register')).toHaveLength(0);
  expect(sim.requests('conversations:stop').map((r) => r.path)).toEqual([
    `/v1/projects/sim-project/conversations/${sms.conversationId}:stop`,
  ]);
});

it('writes the WhatsApp template catalogue to sinch.templates.v1 when the service starts', async () => {
  // startOutbound (beforeAll) refreshes at start, with the default OUTBOUND_TEMPLATES_REFRESH_MS.
  const [record] = await readTopic(t.kafka, topicName(t.namespace, TEMPLATES), { minRecords: 1 });
  expect(record!.key).toBe(sim.projectId);
  const catalogue = await t.codec.decode<TemplateCatalogue>(record!.value!);
  expect(catalogue.templates.map((tpl) => tpl.templateId)).toEqual(['order-shipped', 'follow-up']);
  expect(sim.requests('templates:list')).toHaveLength(1);
});

it('refreshes the WhatsApp template catalogue from the Template Management API into sinch.templates.v1', async () => {
  await refreshTemplates({
    api: new SinchApi(sinchApiSettings(loadOutboundConfig({ ...t.env, ...sinchEnv }))),
    kafka: t.kafka,
    codec: t.codec,
    namespace: t.namespace,
    projectId: sim.projectId,
    logger: createLogger('outbound', 'warn'),
    now: () => T0,
  });
  // The service's record at start, then this one.
  const records = await readTopic(t.kafka, topicName(t.namespace, TEMPLATES), { minRecords: 2 });
  const record = records[records.length - 1];
  expect(record!.key).toBe(sim.projectId);
  const catalogue = await t.codec.decode<TemplateCatalogue>(record!.value!);
  expect(catalogue.refreshedAt).toBe(new Date(T0).toISOString());
  expect(
    catalogue.templates.map((tpl) => [
      tpl.templateId,
      tpl.languages.map((l) => `${l.whatsappName}/${l.whatsappLanguage}`),
    ]),
  ).toEqual([
    ['order-shipped', ['order_shipped/en_US', 'order_shipped/sv_SE']],
    ['follow-up', ['follow_up/en_US']],
  ]);
  expect(sim.requests('templates:list')).toHaveLength(2);
});
