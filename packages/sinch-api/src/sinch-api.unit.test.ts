import { inspect } from 'node:util';
import { createSinchSimulator, type SinchSimulator } from '@cpm/sinch-simulator';
import { REQUIRED_WEBHOOK_TRIGGERS, SinchApi, SinchApiError } from './index';

// The wrapper (and the official SDK under it) against the simulator over loopback HTTP.
describe('SinchApi against the simulator', () => {
  let sim: SinchSimulator;
  let api: SinchApi;

  beforeEach(async () => {
    sim = createSinchSimulator({
      credentials: { keyId: 'key-1', keySecret: 'secret-1' },
      delivery: { stepDelayMs: 5 },
    });
    const { url } = await sim.start();
    api = new SinchApi({
      projectId: sim.projectId,
      keyId: 'key-1',
      keySecret: 'secret-1',
      region: 'eu',
      conversationBaseUrl: url,
      authBaseUrl: url,
    });
  });

  afterEach(() => sim.stop());

  const lastSend = () => sim.requests('messages:send').at(-1)!;

  it('sendText posts the exact messages:send body, with metadata and correlation id', async () => {
    const result = await api.sendText({
      appId: 'sim-app',
      recipient: { contactId: 'CONTACT1' },
      text: 'Hello https://example.com <b>as is</b>',
      messageMetadata: '{"agent":"a1"}',
      conversationMetadata: { queue: 'vip', priority: 1 },
      correlationId: 'cmd-1',
    });

    const request = lastSend();
    expect(request.path).toBe('/v1/projects/sim-project/messages:send');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.body).toEqual({
      app_id: 'sim-app',
      recipient: { contact_id: 'CONTACT1' },
      message: { text_message: { text: 'Hello https://example.com <b>as is</b>' } },
      message_metadata: '{"agent":"a1"}',
      conversation_metadata: { queue: 'vip', priority: 1 },
      correlation_id: 'cmd-1',
    });
    expect(result.messageId).toMatch(/^[0-9A-Z]{26}$/);
    expect(new Date(result.acceptedTime).toISOString()).toBe(result.acceptedTime);
  });

  it('sendMedia sends a media_message to a channel identity', async () => {
    await api.sendMedia({
      appId: 'sim-app',
      recipient: { channel: 'WHATSAPP', identity: '+46700000001' },
      url: 'https://media.example.com/a/b.pdf?sig=x',
      fileName: 'invoice.pdf',
    });
    expect(lastSend().body).toEqual({
      app_id: 'sim-app',
      recipient: {
        identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity: '+46700000001' }] },
      },
      message: {
        media_message: {
          url: 'https://media.example.com/a/b.pdf?sig=x',
          filename_override: 'invoice.pdf',
        },
      },
    });
  });

  it('sendTemplate sends template_message.channel_template.WHATSAPP', async () => {
    await api.sendTemplate({
      appId: 'sim-app',
      recipient: { contactId: 'CONTACT1' },
      templateName: 'order_update',
      languageCode: 'en_US',
      parameters: { 'body[1]text': 'Alice', 'body[2]text': '#42' },
      messageMetadata: 'm',
      correlationId: 'cmd-2',
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON request body, asserted field by field
    const body = lastSend().body as Record<string, any>;
    expect(body.message).toEqual({
      template_message: {
        channel_template: {
          WHATSAPP: {
            template_id: 'order_update',
            language_code: 'en_US',
            parameters: { 'body[1]text': 'Alice', 'body[2]text': '#42' },
          },
        },
      },
    });
    expect(body.message.template_message.omni_template).toBeUndefined();
    expect(body).toMatchObject({
      app_id: 'sim-app',
      recipient: { contact_id: 'CONTACT1' },
      message_metadata: 'm',
      correlation_id: 'cmd-2',
    });
    expect(body.conversation_metadata).toBeUndefined();
  });

  it('stopConversation posts conversations/{id}:stop', async () => {
    const { conversationId } = await sim
      .customer({ channel: 'WHATSAPP', identity: '46700000001' })
      .sendText('hi');
    await api.stopConversation(conversationId);
    const [request] = sim.requests('conversations:stop');
    expect(request).toMatchObject({
      method: 'POST',
      path: `/v1/projects/sim-project/conversations/${conversationId}:stop`,
      status: 200,
    });
    expect(sim.state.conversations.get(conversationId)!.active).toBe(false);
  });

  it('sendChoices sends a choice_message, or a card_message with a title', async () => {
    const choices = [
      { kind: 'TEXT' as const, title: 'Yes', postbackData: 'yes' },
      { kind: 'URL' as const, title: 'Track', url: 'https://example.com/t' },
      { kind: 'CALL' as const, title: 'Call', phoneNumber: '+46812345' },
    ];
    const recipient = { contactId: 'CONTACT1' };
    await api.sendChoices({ appId: 'sim-app', recipient, text: 'Ok?', choices });
    expect(lastSend().body).toMatchObject({
      message: {
        choice_message: {
          text_message: { text: 'Ok?' },
          choices: [
            { text_message: { text: 'Yes' }, postback_data: 'yes' },
            { url_message: { title: 'Track', url: 'https://example.com/t' } },
            { call_message: { title: 'Call', phone_number: '+46812345' } },
          ],
        },
      },
    });
    expect(lastSend().status).toBe(200);
    await api.sendChoices({ appId: 'sim-app', recipient, text: 'Ok?', choices, title: 'Order' });
    expect(lastSend().body).toMatchObject({
      message: { card_message: { title: 'Order', description: 'Ok?', choices: expect.any(Array) } },
    });
    expect(lastSend().status).toBe(200);
  });

  it('registerConsent posts optins:register / optouts:register, and Sinch confirms by callback', async () => {
    const { contactId } = await sim
      .customer({ channel: 'WHATSAPP', identity: '46700000001' })
      .sendText('hi');
    await api.registerConsent('OPT_IN', { appId: 'sim-app', recipient: { contactId } });
    await api.registerConsent('OPT_OUT', {
      appId: 'sim-app',
      recipient: { channel: 'WHATSAPP', identity: '46700000001' },
    });
    expect(sim.requests('optins:register')[0]).toMatchObject({
      method: 'POST',
      path: '/v1/projects/sim-project/optins:register',
      status: 200,
      body: { app_id: 'sim-app', recipient: { contact_id: contactId }, channels: ['WHATSAPP'] },
    });
    expect(sim.requests('optouts:register')[0]!.status).toBe(200);
    expect(sim.state.consents.get('WHATSAPP:46700000001')).toBe('OPT_OUT');
  });

  it('listWhatsAppTemplates reads the Template Management API and keeps the WhatsApp ones', async () => {
    const templates = await api.listWhatsAppTemplates();
    expect(sim.requests('templates:list')[0]).toMatchObject({
      method: 'GET',
      path: '/v2/projects/sim-project/templates',
    });
    expect(templates.map((t) => t.templateId)).toEqual(['order-shipped', 'follow-up']);
    expect(templates[0]!.languages[1]).toEqual({
      languageCode: 'sv-SE',
      whatsappName: 'order_shipped',
      whatsappLanguage: 'sv_SE',
      parameters: [
        { key: 'body[1]text', preview: 'Anna' },
        { key: 'body[2]text', preview: 'A-1042' },
      ],
      previewText: 'Hej ${name}, din order ${order} har skickats.',
    });
  });

  it('getContact and getChannelProfile return what Sinch knows', async () => {
    const { contactId } = await sim
      .customer({ channel: 'MESSENGER', identity: 'PSID-1', displayName: 'Bob' })
      .sendText('hi');
    expect(await api.getContact(contactId)).toMatchObject({
      id: contactId,
      display_name: 'Bob',
      channel_identities: [{ channel: 'MESSENGER', identity: 'PSID-1', app_id: 'sim-app' }],
    });
    expect(
      await api.getChannelProfile({ appId: 'sim-app', channel: 'MESSENGER', identity: 'PSID-1' }),
    ).toBe('Bob');
    expect(sim.requests('contacts:getChannelProfile')[0]!.body).toEqual({
      app_id: 'sim-app',
      channel: 'MESSENGER',
      recipient: {
        identified_by: { channel_identities: [{ channel: 'MESSENGER', identity: 'PSID-1' }] },
      },
    });
  });

  it('an injected 500 is a retriable SinchApiError', async () => {
    sim.failNext('messages:send', [{ status: 500 }]);
    const error = await api
      .sendText({ appId: 'sim-app', recipient: { contactId: 'C' }, text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinchApiError);
    expect(error).toMatchObject({
      code: 'CPM_ERR_SINCH_UNAVAILABLE',
      reason: 'INTERNAL',
      apiHttpStatus: 500,
      retriable: true,
    });
  });

  it('429 is retriable, 400 is not', async () => {
    sim.failNext('messages:send', [{ status: 429 }, { status: 400 }]);
    const send = () =>
      api
        .sendText({ appId: 'sim-app', recipient: { contactId: 'C' }, text: 'x' })
        .catch((e: unknown) => e);
    expect(await send()).toMatchObject({
      code: 'CPM_ERR_SINCH_UNAVAILABLE',
      reason: 'RESOURCE_EXHAUSTED',
      apiHttpStatus: 429,
      retriable: true,
    });
    expect(await send()).toMatchObject({
      code: 'CPM_ERR_SINCH_REFUSED',
      reason: 'INVALID_ARGUMENT',
      apiHttpStatus: 400,
      retriable: false,
    });
  });

  it('a real validation failure is a non-retriable INVALID_ARGUMENT with the reason', async () => {
    const error = await api
      .sendTemplate({
        appId: 'sim-app',
        recipient: { contactId: 'C' },
        templateName: 't',
        languageCode: '',
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CPM_ERR_SINCH_REFUSED',
      reason: 'INVALID_ARGUMENT',
      retriable: false,
      message: expect.stringContaining('language_code'),
    });
  });

  it('a dropped connection is a retriable NETWORK_ERROR', async () => {
    sim.failNext('messages:send', [{ dropConnection: true }]);
    const error = await api
      .sendText({ appId: 'sim-app', recipient: { contactId: 'C' }, text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CPM_ERR_SINCH_UNAVAILABLE',
      reason: 'NETWORK_ERROR',
      apiHttpStatus: null,
      retriable: true,
    });
  });

  it('a call slower than timeoutMs is a retriable NETWORK_ERROR', async () => {
    const impatient = new SinchApi({
      projectId: sim.projectId,
      keyId: 'key-1',
      keySecret: 'secret-1',
      region: 'eu',
      conversationBaseUrl: sim.url,
      authBaseUrl: sim.url,
      timeoutMs: 50,
    });
    sim.failNext('apps:get', [{ delayMs: 300 }]);
    expect(await impatient.getApp('sim-app').catch((e: unknown) => e)).toMatchObject({
      code: 'CPM_ERR_SINCH_UNAVAILABLE',
      reason: 'NETWORK_ERROR',
      retriable: true,
    });
  });

  it('wrong credentials are a non-retriable UNAUTHENTICATED, and the secret appears nowhere', async () => {
    const wrong = new SinchApi({
      projectId: 'sim-project',
      keyId: 'key-1',
      keySecret: 'not-the-secret',
      region: 'us',
      conversationBaseUrl: sim.url,
      authBaseUrl: sim.url,
    });
    const error = (await wrong.getApp('sim-app').catch((e: unknown) => e)) as SinchApiError;
    expect(error).toMatchObject({
      code: 'CPM_ERR_SINCH_REFUSED',
      apiHttpStatus: 401,
      retriable: false,
    });
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('not-the-secret');
    expect(inspect(wrong, { depth: 10 })).not.toContain('not-the-secret');
  });

  describe('setupWebhook', () => {
    const options = {
      appId: 'sim-app',
      targetUrl: 'https://ingress.example.com/sinch',
      secret: 'hook-secret',
    };

    it('creates the webhook once with the required triggers and secret, then is idempotent', async () => {
      const first = await api.setupWebhook(options);
      expect(first).toMatchObject({
        action: 'created',
        warnings: [],
        processingMode: 'CONVERSATION',
      });
      expect(sim.requests('webhooks:create')[0]!.body).toEqual({
        app_id: 'sim-app',
        target: options.targetUrl,
        triggers: [...REQUIRED_WEBHOOK_TRIGGERS],
        secret: 'hook-secret',
        target_type: 'HTTP',
      });
      expect(REQUIRED_WEBHOOK_TRIGGERS).toEqual(
        expect.arrayContaining([
          'MESSAGE_INBOUND',
          'MESSAGE_DELIVERY',
          'CONVERSATION_STOP',
          'OPT_OUT',
          'UNSUPPORTED',
        ]),
      );

      const second = await api.setupWebhook(options);
      expect(second).toMatchObject({ action: 'unchanged', webhook: { id: first.webhook.id } });
      expect(sim.requests('webhooks:create')).toHaveLength(1);
      expect(sim.requests('webhooks:update')).toHaveLength(0);
      expect(sim.state.webhooks.size).toBe(1);
    });

    it('updates the existing webhook when the secret or triggers changed', async () => {
      sim.registerWebhook({
        target: options.targetUrl,
        secret: 'old',
        triggers: ['MESSAGE_INBOUND'],
      });
      const result = await api.setupWebhook(options);
      expect(result.action).toBe('updated');
      const [update] = sim.requests('webhooks:update');
      expect(update!.query).toEqual({ update_mask: 'target,triggers,secret,target_type' });
      expect([...sim.state.webhooks.values()]).toEqual([
        expect.objectContaining({
          secret: 'hook-secret',
          triggers: [...REQUIRED_WEBHOOK_TRIGGERS],
        }),
      ]);
    });

    it('warns when the app is in DISPATCH mode', async () => {
      sim.setProcessingMode('sim-app', 'DISPATCH');
      const result = await api.setupWebhook(options);
      expect(result.processingMode).toBe('DISPATCH');
      expect(result.warnings).toEqual([expect.stringContaining('DISPATCH')]);
    });
  });
});
