import { topicName } from '@cpm/kafka';
import { sentOutboundRecord, createTestEnv, readTopic, type TestEnv } from '@cpm/testkit';
import { loadIngressConfig, startIngress, type Ingress } from '@cpm/ingress';
import { loadNormalizerConfig, startNormalizer, type Normalizer } from '@cpm/normalizer';
import { createSinchSimulator, type SinchSimulator } from '@cpm/sinch-simulator';
import type { AgentEvent } from './agent-event';
import { startAgentEvents, type AgentEvents } from './agent-events';
import { loadAgentEventsConfig } from './config';
import type { LookupAnswer, OutboundRecord } from '@cpm/contracts';

let t: TestEnv;
let sim: SinchSimulator;
let ingress: Ingress;
let normalizer: Normalizer;
let agentEvents: AgentEvents;
const APP = 'sim-app';

const sinchEnv = () => ({
  AGENT_EVENTS_LOOKUP_NAMES: 'true',
  SINCH_PROJECT_ID: 'sim-project',
  SINCH_KEY_ID: 'key',
  SINCH_KEY_SECRET: 'secret',
  SINCH_CONVERSATION_BASE_URL: sim.url,
  SINCH_AUTH_BASE_URL: sim.url,
});

beforeAll(async () => {
  t = await createTestEnv({ database: false, partitions: 2 });
  sim = createSinchSimulator();
  await sim.start();
  ingress = await startIngress(
    loadIngressConfig({
      ...t.env,
      INGRESS_PORT: '0',
      INGRESS_INSTANCE_ID: 'ingress-test',
      INGRESS_INSECURE_ACCEPT_UNSIGNED: 'true',
    }),
  );
  sim.registerWebhook({ target: ingress.webhookUrl });
  normalizer = await startNormalizer(loadNormalizerConfig({ ...t.env, NORMALIZER_HTTP_PORT: '0' }));
  agentEvents = await startAgentEvents(
    loadAgentEventsConfig({ ...t.env, ...sinchEnv(), AGENT_EVENTS_HTTP_PORT: '0' }),
  );
}, 60_000);

afterAll(async () => {
  await agentEvents?.stop();
  await normalizer?.stop();
  await ingress?.stop();
  await sim?.stop();
  await t?.cleanup();
});

async function agentEventsOf(topic: string, min = 1): Promise<AgentEvent[]> {
  const records = await readTopic(t.kafka, topicName(t.namespace, topic), {
    minRecords: min,
    timeoutMs: 30_000,
  });
  return Promise.all(records.map((r) => t.codec.decode<AgentEvent>(r.value!)));
}

/** Polls agent.events.v1 until `done` holds (generous: the machine is shared). */
async function waitFor(
  done: (events: AgentEvent[]) => boolean,
  topic = 'agent.events.v1',
): Promise<AgentEvent[]> {
  let events: AgentEvent[] = [];
  for (let i = 0; i < 120; i++) {
    events = await agentEventsOf(topic, 0);
    if (done(events)) return events;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `timed out; got ${JSON.stringify(events.map((e) => [e.type, e.customer.label, e.message?.id]))}`,
  );
}

/** An agent message accepted by Sinch, as the outbound service records it in sinch.outbound.v1. */
async function agentSent(opts: {
  sinchMessageId: string;
  customerKey: string;
  contactId: string;
  conversationId: string;
  identity: string;
  text: string;
}) {
  const now = new Date().toISOString();
  const record = sentOutboundRecord({
    commandId: `cmd-${opts.sinchMessageId}`,
    appId: APP,
    contactId: opts.contactId,
    conversationId: opts.conversationId,
    identity: opts.identity,
    customerKey: opts.customerKey,
    createdAt: now,
    completedAt: now,
    sinchMessageId: opts.sinchMessageId,
    sinchAcceptedTime: now,
    text: opts.text,
  });
  await produceOutbound(opts.customerKey, record);
}

/** Another app (a bot) offers choices through the Conversation API; Sinch then sends MESSAGE_SUBMIT with them. */
async function botOffersChoices(contactId: string, choices: [title: string, postback: string][]) {
  const auth = await fetch(`${sim.url}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('key:secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const { access_token: token } = (await auth.json()) as { access_token: string };
  const sent = await fetch(`${sim.url}/v1/projects/sim-project/messages:send`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      app_id: APP,
      recipient: { contact_id: contactId },
      message: {
        choice_message: {
          text_message: { text: 'When should we deliver?' },
          choices: choices.map(([text, postback_data]) => ({
            text_message: { text },
            postback_data,
          })),
        },
      },
    }),
  });
  expect(sent.status).toBe(200);
  return ((await sent.json()) as { message_id: string }).message_id;
}

async function produceOutbound(customerKey: string, record: OutboundRecord) {
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic: topicName(t.namespace, 'sinch.outbound.v1'),
    acks: -1,
    messages: [{ key: customerKey, value: await t.codec.encode('sinch.outbound.v1', record) }],
  });
  await producer.disconnect();
}

describe('agent-events: simulator → ingress → normalizer → agent-events on real Kafka', () => {
  let live: AgentEvent[] = [];

  it('gives agents names, quotes, the MMS thread on MMS and the end of a conversation', async () => {
    const alice = sim.customer({
      channel: 'WHATSAPP',
      identity: '46700000101',
      displayName: 'Alice Svensson',
    });
    const ig = sim.customer({ channel: 'INSTAGRAM', identity: '17841400000101' });
    const mms = sim.customer({ channel: 'MMS', identity: '15550200101' });

    const first = await alice.sendText('Hi! Where is my order #42?');
    const aliceKey = (
      await waitFor((es) => es.some((e) => e.message?.id === first.messageId))
    ).find((e) => e.message?.id === first.messageId)!.customerKey;
    await agentSent({
      sinchMessageId: 'agent-msg-1',
      customerKey: aliceKey,
      contactId: first.contactId,
      conversationId: first.conversationId,
      identity: '46700000101',
      text: 'It ships on Monday.',
    });
    await waitFor((es) =>
      es.some((e) => e.type === 'MESSAGE_SENT' && e.message?.id === 'agent-msg-1'),
    );
    const reply = await alice.sendText('Great, thanks', { replyTo: 'agent-msg-1' });
    const igMessage = await ig.sendText('hello from instagram');
    const picture = await mms.sendMedia('png', { caption: 'damaged box' });
    const smsReply = await mms.sendText('and the invoice is wrong too');
    expect(smsReply.channel).toBe('SMS'); // what Sinch reports
    await alice.endConversation();

    live = await waitFor(
      (es) =>
        [reply.messageId, igMessage.messageId, picture.messageId, smsReply.messageId].every((id) =>
          es.some((e) => e.message?.id === id),
        ) && es.some((e) => e.type === 'CONVERSATION_ENDED'),
    );
    const byMessage = (id: string) =>
      live.find((e) => e.type === 'MESSAGE_RECEIVED' && e.message?.id === id)!;

    // WhatsApp customer with a display name: the label is the name; the quoted agent message is shown.
    const quoted = byMessage(reply.messageId);
    expect(quoted.customer).toEqual({
      identity: '+46700000101',
      displayName: 'Alice Svensson',
      label: 'Alice Svensson',
    });
    expect(quoted.channel).toBe('WHATSAPP');
    expect(quoted.message!.quoted).toEqual({
      messageId: 'agent-msg-1',
      text: 'It ships on Monday.',
      truncated: false,
      attachment: null,
    });

    // Instagram customer without a name (Sinch has none either: the look-up is negative): the IGSID.
    expect(byMessage(igMessage.messageId).customer).toEqual({
      identity: '17841400000101',
      displayName: null,
      label: '17841400000101',
    });
    const lookups = await readTopic(t.kafka, topicName(t.namespace, 'sinch.lookups.v1'), {
      minRecords: 1,
    });
    const answers = await Promise.all(lookups.map((r) => t.codec.decode<LookupAnswer>(r.value!)));
    expect(answers).toContainEqual(
      expect.objectContaining({
        kind: 'CHANNEL_PROFILE',
        channel: 'INSTAGRAM',
        identity: '17841400000101',
        outcome: 'NOT_FOUND',
      }),
    );
    expect(sim.requests('contacts:getChannelProfile').length).toBe(
      answers.filter((a) => a.kind === 'CHANNEL_PROFILE').length,
    );

    // The MMS thread: the picture and the SMS-reported reply are both on MMS, in one conversation.
    const thread = [byMessage(picture.messageId), byMessage(smsReply.messageId)];
    expect(thread.map((e) => [e.channel, e.sourceChannel, e.conversationId])).toEqual([
      ['MMS', 'MMS', picture.conversationId],
      ['MMS', 'SMS', picture.conversationId],
    ]);
    expect(thread[0]!.message!.attachments).toEqual([
      expect.objectContaining({ status: 'PENDING' }),
    ]);
    expect(
      live
        .filter((e) => e.customerKey === thread[0]!.customerKey)
        .every((e) => e.channel === 'MMS'),
    ).toBe(true);

    // The end reaches the agent with no attached data; every other event carries it.
    const ended = live.find((e) => e.type === 'CONVERSATION_ENDED')!;
    expect(ended.customerKey).toBe(aliceKey);
    expect(ended.attachedData).toBeNull();
    expect(
      live.filter((e) => e.type !== 'CONVERSATION_ENDED').every((e) => e.attachedData !== null),
    ).toBe(true);
    expect(live.filter((e) => e.customerKey === aliceKey).map((e) => e.type)).toEqual([
      'CONVERSATION_STARTED',
      'MESSAGE_RECEIVED',
      'MESSAGE_SENT',
      'MESSAGE_RECEIVED',
      'CONVERSATION_ENDED',
    ]);
    expect(new Set(live.map((e) => e.eventId)).size).toBe(live.length);
  });

  it('shows a choice reply by its title, an UNSUPPORTED callback as readable text, and an agent-ended conversation once', async () => {
    const bob = sim.customer({ channel: 'WHATSAPP', identity: '46700000202' });
    const kim = sim.customer({ channel: 'INSTAGRAM', identity: '17841400000202' });
    const hello = await bob.sendText('Can I choose a delivery slot?');
    const bobKey = (await waitFor((es) => es.some((e) => e.message?.id === hello.messageId))).find(
      (e) => e.message?.id === hello.messageId,
    )!.customerKey;
    const offer = await botOffersChoices(hello.contactId, [
      ['Monday morning', 'SLOT_MONDAY'],
      ['Tuesday afternoon', 'SLOT_TUESDAY'],
    ]);
    // The offer is on the log before the answer (same customer, same partition).
    await sim.waitForDeliveries(
      (d) =>
        d.trigger === 'MESSAGE_SUBMIT' &&
        d.delivered &&
        (d.body.message_submit_notification as { message_id: string }).message_id === offer,
    );
    const answer = await bob.answerChoice(offer, 'SLOT_TUESDAY');
    const voice = await kim.sendUnsupported({
      object: 'instagram',
      entry: [{ messaging: [{ message: { attachments: [{ type: 'audio' }] } }] }],
    });
    const events = await waitFor(
      (es) =>
        es.some((e) => e.message?.id === answer.messageId) &&
        es.some((e) => e.message?.id === voice.id),
    );
    expect(events.find((e) => e.message?.id === answer.messageId)!.message).toMatchObject({
      direction: 'TO_APP',
      kind: 'CHOICE_RESPONSE',
      text: 'Tuesday afternoon',
      choice: { messageId: offer, postbackData: 'SLOT_TUESDAY', title: 'Tuesday afternoon' },
    });
    const unsupported = events.find((e) => e.message?.id === voice.id)!;
    expect(unsupported).toMatchObject({ type: 'MESSAGE_RECEIVED', channel: 'INSTAGRAM' });
    expect(unsupported.message).toMatchObject({
      kind: 'UNSUPPORTED',
      text: 'Content the Conversation API cannot convert arrived on INSTAGRAM (audio); it cannot be shown here.',
      fields: {
        reason: 'UNSUPPORTED_BY_CONVERSATION_API',
        channel: 'INSTAGRAM',
        contentType: 'audio',
      },
    });

    // The agent ends Bob's conversation: our send's outcome, then Sinch's CONVERSATION_STOP.
    const now = new Date().toISOString();
    await produceOutbound(
      bobKey,
      sentOutboundRecord({
        commandId: 'cmd-end-bob',
        commandType: 'END_CONVERSATION',
        appId: APP,
        contactId: hello.contactId,
        conversationId: hello.conversationId,
        identity: '46700000202',
        customerKey: bobKey,
        createdAt: now,
        completedAt: now,
        sinchMessageId: null,
        sinchAcceptedTime: now,
        text: null,
      }),
    );
    await waitFor((es) =>
      es.some((e) => e.customerKey === bobKey && e.type === 'CONVERSATION_ENDED'),
    );
    await bob.endConversation();
    // A later message of Bob (a new conversation) is behind the stop in his partition.
    const after = await bob.sendText('One more question');
    const bobs = (await waitFor((es) => es.some((e) => e.message?.id === after.messageId))).filter(
      (e) => e.customerKey === bobKey,
    );
    expect(bobs.filter((e) => e.type === 'CONVERSATION_ENDED')).toHaveLength(1);
    live = await agentEventsOf('agent.events.v1');
  });

  it('names an SMS customer and ends its conversation on its phone key; an MMS stop ends the MMS thread', async () => {
    /** Waits until the normalizer has put an event of `type` on conversation.events.v1 under `key`. */
    const onKey = async (key: string, type: string) => {
      for (let i = 0; i < 120; i++) {
        const records = await readTopic(t.kafka, topicName(t.namespace, 'conversation.events.v1'));
        const events = await Promise.all(
          records
            .filter((r) => r.key === key)
            .map((r) => t.codec.decode<{ type: string }>(r.value!)),
        );
        if (events.some((e) => e.type === type)) return;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error(`no ${type} under ${key}`);
    };
    const sam = sim.customer({ channel: 'SMS', identity: '15550300303' });
    const samKey = `${APP}:tel:+15550300303`;
    const hello = await sam.sendText('hello by SMS');
    await sam.rename('Sam Smith');
    await onKey(samKey, 'CONTACT_UPDATED');
    const again = await sam.sendText('still me');
    await sam.endConversation();

    const mms = sim.customer({ channel: 'MMS', identity: '15550300404' });
    const mmsKey = `${APP}:tel:+15550300404`;
    const picture = await mms.sendMedia('png', { caption: 'the receipt' });
    const inThread = await mms.sendText('see the picture');
    await mms.endConversation();
    await onKey(mmsKey, 'CONVERSATION_STOPPED');
    const afterEnd = await mms.sendText('one more thing');

    const events = await waitFor(
      (es) =>
        [again.messageId, inThread.messageId, afterEnd.messageId].every((id) =>
          es.some((e) => e.message?.id === id),
        ) &&
        es.some((e) => e.type === 'CONVERSATION_ENDED' && e.customerKey === samKey) &&
        es.some((e) => e.type === 'CONVERSATION_ENDED' && e.customerKey === mmsKey),
    );
    const byMessage = (id: string) =>
      events.find((e) => e.type === 'MESSAGE_RECEIVED' && e.message?.id === id)!;

    // The name from the contact update is the SMS customer's, under its phone key.
    expect(byMessage(again.messageId).customerKey).toBe(samKey);
    expect(byMessage(again.messageId).customer).toEqual({
      identity: '+15550300303',
      displayName: 'Sam Smith',
      label: 'Sam Smith',
    });
    // Sinch's stop ends the SMS conversation once, on the phone key: no contact-keyed twin.
    const ends = events.filter(
      (e) => e.type === 'CONVERSATION_ENDED' && e.conversationId === hello.conversationId,
    );
    expect(ends.map((e) => [e.customerKey, e.channel, e.attachedData])).toEqual([
      [samKey, 'SMS', null],
    ]);
    expect(events.filter((e) => e.customerKey === `${APP}:${hello.contactId}`)).toEqual([]);

    // The MMS thread: corrected while bound, ended by its stop, plain SMS afterwards.
    expect(
      [picture, inThread, afterEnd].map((m) => [
        byMessage(m.messageId).channel,
        byMessage(m.messageId).sourceChannel,
      ]),
    ).toEqual([
      ['MMS', 'MMS'],
      ['MMS', 'SMS'],
      ['SMS', 'SMS'],
    ]);
    const mmsEnds = events.filter(
      (e) => e.type === 'CONVERSATION_ENDED' && e.conversationId === picture.conversationId,
    );
    expect(mmsEnds.map((e) => [e.customerKey, e.channel])).toEqual([[mmsKey, 'MMS']]);
    live = await agentEventsOf('agent.events.v1');
  });

  it('sends a record it cannot read to agent.events.v1.dlq with the reason, and goes on', async () => {
    const producer = t.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topicName(t.namespace, 'conversation.events.v1'),
      messages: [{ key: 'poison', value: Buffer.from('not avro') }],
    });
    await producer.disconnect();
    const dlq = await readTopic(t.kafka, topicName(t.namespace, 'agent.events.v1.dlq'), {
      minRecords: 1,
      timeoutMs: 30_000,
    });
    const dead = await t.codec.decode<{
      sourceTopic: string;
      errorCode: string;
      consumer: string;
      sourceValue: Buffer;
    }>(dlq[0]!.value!);
    expect(dead).toMatchObject({
      sourceTopic: topicName(t.namespace, 'conversation.events.v1'),
      consumer: topicName(t.namespace, 'agent-events'),
    });
    expect(dead.sourceValue.toString()).toBe('not avro');
    expect(dead.errorCode).toBe('CPM_ERR_RECORD_UNDECODABLE');
    // The poison record is on the log, so the replay below meets it too (into its own shadow DLQ).
  });

  it('replays the whole log into a shadow topic: identical events, identical eventIds, no call to Sinch, nothing new on the product topic', async () => {
    expect(live.length).toBeGreaterThan(0);
    const sinchCalls = sim.requests().length;
    const replay = await startAgentEvents(
      loadAgentEventsConfig({
        ...t.env,
        ...sinchEnv(),
        AGENT_EVENTS_HTTP_PORT: '0',
        AGENT_EVENTS_REPLAY: 'true',
        AGENT_EVENTS_OUTPUT_TOPIC_SUFFIX: '.shadow',
      }),
    );
    try {
      expect(replay.outputTopic).toBe('agent.events.v1.shadow');
      const shadow = await waitFor((es) => es.length >= live.length, 'agent.events.v1.shadow');
      const byId = (es: AgentEvent[]) => [...es].sort((a, b) => a.eventId.localeCompare(b.eventId));
      expect(byId(shadow)).toEqual(byId(live));
      expect(sim.requests().length).toBe(sinchCalls);
      expect(await agentEventsOf('agent.events.v1', live.length)).toHaveLength(live.length);
    } finally {
      await replay.stop();
    }
  });
});
