import { createSinchSimulator, type SinchSimulator } from './sinch-simulator';
import { startWebhookReceiver } from '@cpm/testkit';

// Local loopback HTTP only (simulator and a receiver in this process): unit tier by agreement.
const SECRET = 'sim-secret-1';

describe('Sinch simulator', () => {
  let sim: SinchSimulator;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let token: string;

  async function api(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${sim.url}/v1/projects/${sim.projectId}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...init.headers,
      },
    });
  }

  async function send(
    body: Record<string, unknown>,
  ): Promise<{ message_id: string; accepted_time: string }> {
    const response = await api('/messages:send', { method: 'POST', body: JSON.stringify(body) });
    expect(response.status).toBe(200);
    return (await response.json()) as { message_id: string; accepted_time: string };
  }

  async function fetchToken(): Promise<string> {
    const auth = await fetch(`${sim.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('key:secret').toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    return ((await auth.json()) as { access_token: string }).access_token;
  }

  beforeEach(async () => {
    receiver = await startWebhookReceiver(SECRET);
    sim = createSinchSimulator({
      webhooks: [{ target: receiver.url, secret: SECRET }],
      delivery: { stepDelayMs: 20 },
      webhookRetry: { baseDelayMs: 5 },
    });
    await sim.start();
    token = await fetchToken();
  });

  afterEach(async () => {
    await sim.stop();
    await receiver.close();
  });

  it('refuses API calls without a token it issued', async () => {
    const response = await fetch(`${sim.url}/v1/projects/${sim.projectId}/apps/sim-app`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: expect.objectContaining({ code: 401, status: 'UNAUTHENTICATED' }),
    });
  });

  it('sends signed callbacks that verify with the configured secret, byte for byte', async () => {
    const alice = sim.customer({
      channel: 'WHATSAPP',
      identity: '46700000001',
      displayName: 'Alice',
    });
    const result = await alice.sendText('hello');

    expect(
      receiver.received.map((callback) =>
        Object.keys(callback.body).find(
          (key) => key.endsWith('_notification') || key === 'message',
        ),
      ),
    ).toEqual(['contact_create_notification', 'conversation_start_notification', 'message']);
    for (const callback of receiver.received)
      expect(callback.verification).toMatchObject({ ok: true, status: 'VERIFIED' });
    const inbound = receiver.received[2]!.body;
    expect(inbound).toMatchObject({
      app_id: 'sim-app',
      project_id: 'sim-project',
      accepted_time: expect.any(String),
      message: {
        id: result.messageId,
        direction: 'TO_APP',
        contact_message: { text_message: { text: 'hello' } },
        channel_identity: { channel: 'WHATSAPP', identity: '46700000001', app_id: '' },
        contact_id: result.contactId,
        conversation_id: result.conversationId,
        accept_time: expect.any(String),
        sender_id: '+15550100000',
        processing_mode: 'CONVERSATION',
      },
    });
    expect(receiver.received[0]!.body).toMatchObject({
      contact_create_notification: { contact: { display_name: 'Alice' } },
    });
  });

  it('reports QUEUED_ON_CHANNEL, DELIVERED, READ after a send, with the send metadata', async () => {
    const alice = sim.customer({ channel: 'WHATSAPP', identity: '46700000001' });
    const { contactId } = await alice.sendText('hi');
    const { message_id } = await send({
      app_id: 'sim-app',
      recipient: { contact_id: contactId },
      message: { text_message: { text: 'hello Alice' } },
      message_metadata: '{"ticket":"42"}',
      correlation_id: 'corr-1',
    });

    const reports = await sim.waitForDeliveries((d) => d.trigger === 'MESSAGE_DELIVERY', 3);
    expect(
      reports.map((d) => (d.body.message_delivery_report as { status: string }).status),
    ).toEqual(['QUEUED_ON_CHANNEL', 'DELIVERED', 'READ']);
    expect(reports[0]!.body).toMatchObject({
      correlation_id: 'corr-1',
      message_delivery_report: {
        message_id,
        contact_id: contactId,
        metadata: '{"ticket":"42"}',
        channel_identity: { channel: 'WHATSAPP' },
      },
    });
    expect(reports.every((d) => d.delivered && d.attempts.length === 1)).toBe(true);
  });

  it('confirms optins:register with an OPT_IN callback, and refuses a bad registration', async () => {
    const { contactId } = await sim
      .customer({ channel: 'WHATSAPP', identity: '46700000009' })
      .sendText('hi');
    const registration = { app_id: 'sim-app', recipient: { contact_id: contactId } };
    const refused = await api('/optins:register', {
      method: 'POST',
      body: JSON.stringify(registration),
    });
    expect(refused.status).toBe(400);
    const response = await api('/optins:register', {
      method: 'POST',
      body: JSON.stringify({ ...registration, channels: ['WHATSAPP'] }),
    });
    expect([response.status, await response.json()]).toEqual([200, {}]);
    const [delivery] = await sim.waitForDeliveries((d) => d.trigger === 'OPT_IN');
    expect(delivery!.body).toMatchObject({
      app_id: 'sim-app',
      opt_in_notification: {
        contact_id: contactId,
        channel: 'WHATSAPP',
        identity: '46700000009',
        status: 'OPT_IN_SUCCEEDED',
      },
    });
  });

  it('lists the template catalogue in the Template Management API shape, and refuses a choice of two kinds', async () => {
    const response = await fetch(`${sim.url}/v2/projects/${sim.projectId}/templates`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { templates } = (await response.json()) as { templates: Record<string, unknown>[] };
    expect(templates.map((t) => t.id)).toEqual(['order-shipped', 'follow-up', 'omni-greeting']);
    expect(templates[0]).toMatchObject({
      version: 1,
      default_translation: 'en-US',
      translations: [
        {
          language_code: 'en-US',
          channel_template_overrides: {
            WHATSAPP: {
              template_reference: { template_id: 'order_shipped', language_code: 'en_US' },
              parameter_mappings: { name: 'body[1]text', order: 'body[2]text' },
            },
          },
        },
        { language_code: 'sv-SE' },
      ],
    });
    const bad = await api('/messages:send', {
      method: 'POST',
      body: JSON.stringify({
        app_id: 'sim-app',
        recipient: { contact_id: 'x' },
        message: {
          choice_message: {
            choices: [
              { text_message: { text: 'a' }, url_message: { title: 'b', url: 'https://e.com' } },
            ],
          },
        },
      }),
    });
    expect([bad.status, JSON.stringify(await bad.json())]).toEqual([
      400,
      expect.stringContaining('exactly one of text_message'),
    ]);
  });

  it('can report out of order and twice', async () => {
    await sim.stop();
    sim = createSinchSimulator({
      webhooks: [{ target: receiver.url, secret: SECRET }],
      delivery: { stepDelayMs: 20, outOfOrder: true, duplicate: true, submitNotification: false },
    });
    await sim.start();
    const alice = sim.customer({ channel: 'SMS', identity: '+15551230000' });
    const { contactId } = await alice.sendText('hi');
    token = await fetchToken();
    await send({
      app_id: 'sim-app',
      recipient: { contact_id: contactId },
      message: { text_message: { text: 'x' } },
    });

    const reports = await sim.waitForDeliveries((d) => d.trigger === 'MESSAGE_DELIVERY', 4);
    expect(
      reports.map((d) => (d.body.message_delivery_report as { status: string }).status),
    ).toEqual(['DELIVERED', 'DELIVERED', 'QUEUED_ON_CHANNEL', 'QUEUED_ON_CHANNEL']);
  });

  it('retries a callback the target refuses, with the same bytes, and reports the statuses it got', async () => {
    receiver.answerNext(500, 503);
    await sim.customer({ channel: 'SMS', identity: '+15551230000' }).optIn();

    const [delivery] = await sim.waitForDeliveries((d) => d.trigger === 'OPT_IN');
    expect(delivery!.attempts.map((attempt) => attempt.status)).toEqual([500, 503, 200]);
    expect(delivery!.delivered).toBe(true);
    expect(new Set(receiver.received.map((callback) => callback.rawBody.toString()))).toEqual(
      new Set([delivery!.rawBody]),
    );
    expect(delivery!.body).toMatchObject({
      opt_in_notification: { channel: 'SMS', identity: '+15551230000', status: 'OPT_IN_SUCCEEDED' },
    });
  });

  it('gives up after the configured attempts', async () => {
    receiver.answerNext(500, 500, 500, 500);
    await sim.customer({ channel: 'SMS', identity: '+15551230000' }).optOut();
    const [delivery] = await sim.waitForDeliveries((d) => d.trigger === 'OPT_OUT');
    expect(delivery!.attempts).toHaveLength(4);
    expect(delivery!.delivered).toBe(false);
  });

  it('delivers a text reply in an MMS thread on the SMS channel, same number and business number, another contact', async () => {
    const customer = sim.customer({
      channel: 'MMS',
      identity: '+15557654321',
      senderId: '+15550009999',
    });
    const picture = await customer.sendMedia('png');
    const reply = await customer.sendText('thanks!');

    expect(picture.channel).toBe('MMS');
    expect(reply.channel).toBe('SMS');
    type InboundMessage = {
      channel_identity: { channel: string; identity: string };
      sender_id?: string;
      contact_message: { media_message: { url: string } };
    };
    const inbound = receiver.received
      .map((callback) => callback.body.message as InboundMessage | undefined)
      .filter(Boolean);
    expect(
      inbound.map((m) => [m!.channel_identity.channel, m!.channel_identity.identity, m!.sender_id]),
    ).toEqual([
      ['MMS', '+15557654321', '+15550009999'],
      ['SMS', '+15557654321', '+15550009999'],
    ]);
    expect(reply.contactId).not.toBe(picture.contactId);
    expect(inbound[0]!.contact_message.media_message.url).toBe(`${sim.url}/media/sample.png`);
  });

  it('can file the SMS reply under the MMS contact', async () => {
    const customer = sim.customer({
      channel: 'MMS',
      identity: '+15557654321',
      smsReplyContact: 'same',
    });
    const picture = await customer.sendMedia('pdf');
    const reply = await customer.sendText('ok');
    expect(reply).toMatchObject({
      channel: 'SMS',
      contactId: picture.contactId,
      conversationId: picture.conversationId,
    });
  });

  it('serves the sample media it sends', async () => {
    for (const [file, type, magic] of [
      ['sample.png', 'image/png', '\x89PNG'],
      ['sample.pdf', 'application/pdf', '%PDF'],
      ['sample.ogg', 'audio/ogg', 'OggS'],
    ]) {
      const response = await fetch(`${sim.url}/media/${file}`);
      expect(response.headers.get('content-type')).toContain(type);
      expect(
        Buffer.from(await response.arrayBuffer())
          .subarray(0, 4)
          .toString('latin1'),
      ).toBe(magic);
    }
  });

  it('carries reply_to, the quoted message metadata and the conversation metadata on replies', async () => {
    const alice = sim.customer({ channel: 'WHATSAPP', identity: '46700000001' });
    const { contactId } = await alice.sendText('hi');
    const { message_id } = await send({
      app_id: 'sim-app',
      recipient: { contact_id: contactId },
      message: { text_message: { text: 'hello' } },
      message_metadata: 'mt-meta',
      conversation_metadata: { queue: 'vip' },
      correlation_id: 'c-9',
    });
    const reply = await alice.sendLocation(
      { latitude: 59.3, longitude: 18.1, title: 'Office' },
      { replyTo: message_id },
    );
    expect(reply.body).toMatchObject({
      message_metadata: '{"queue":"vip"}',
      correlation_id: 'c-9',
      message: {
        metadata: 'mt-meta',
        contact_message: {
          location_message: { title: 'Office', coordinates: { latitude: 59.3, longitude: 18.1 } },
          reply_to: { message_id },
        },
      },
    });
  });

  it('answers 400 to a send without content and records the exact body', async () => {
    const response = await api('/messages:send', {
      method: 'POST',
      body: JSON.stringify({ app_id: 'sim-app', recipient: { contact_id: 'x' }, message: {} }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { status: string } }).error.status).toBe(
      'INVALID_ARGUMENT',
    );
    expect(sim.requests('messages:send')[0]).toMatchObject({
      body: { app_id: 'sim-app', message: {} },
      status: 400,
    });
  });

  it('plays scripted failures in order, then answers normally', async () => {
    sim.failNext('apps:get', [{ status: 500 }, { status: 429, delayMs: 5 }]);
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await api('/apps/sim-app')).status);
    expect(statuses).toEqual([500, 429, 200]);
  });

  it('in DISPATCH mode sends empty contact and conversation ids and no lifecycle callbacks', async () => {
    sim.setProcessingMode('sim-app', 'DISPATCH');
    await sim.customer({ channel: 'WHATSAPP', identity: '46700000002' }).sendText('hi');
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.body).toMatchObject({
      message: { contact_id: '', conversation_id: '', processing_mode: 'DISPATCH' },
    });
  });

  it('stops a conversation and sends CONVERSATION_STOP', async () => {
    const { conversationId } = await sim
      .customer({ channel: 'WHATSAPP', identity: '46700000003' })
      .sendText('bye');
    expect((await api(`/conversations/${conversationId}:stop`, { method: 'POST' })).status).toBe(
      200,
    );
    const [stop] = await sim.waitForDeliveries((d) => d.trigger === 'CONVERSATION_STOP');
    expect(stop!.body).toMatchObject({
      conversation_stop_notification: { conversation: { id: conversationId, active: false } },
    });
  });
});
