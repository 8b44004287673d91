import { ConversationService, type Conversation } from '@sinch/conversation';
import {
  choicesMessage,
  mediaMessage,
  textMessage,
  whatsAppTemplateMessage,
  type ChoicesContent,
  type MediaContent,
  type WhatsAppTemplateContent,
} from './app-messages';
import { consentRequestBody, type ConsentRegistration } from './consent-request';
import { parseSinchApiConfig, type SinchApiConfig } from './config';
import {
  buildSendRequest,
  toSdkRecipient,
  type SendOptions,
  type SendRequest,
} from './send-request';
import { SinchApiError } from './sinch-api-error';
import { timeoutPlugin } from './timeout-plugin';
import { whatsAppTemplatesOf, type WhatsAppTemplate } from './template-catalogue';
import { planWebhook } from './webhook-plan';
import { REQUIRED_WEBHOOK_TRIGGERS } from './webhook-triggers';

export interface SendResult {
  messageId: string;
  /** ISO-8601, as Sinch accepted it. */
  acceptedTime: string;
}

export interface ChannelProfileQuery {
  appId: string;
  /** MESSENGER, INSTAGRAM, VIBER or LINE: the only channels Sinch answers for. */
  channel: string;
  identity: string;
}

export interface SetupWebhookOptions {
  appId: string;
  targetUrl: string;
  secret: string;
  /** Default: REQUIRED_WEBHOOK_TRIGGERS. */
  triggers?: readonly Conversation.WebhookTrigger[];
}

export interface SetupWebhookResult {
  action: 'created' | 'updated' | 'unchanged';
  webhook: Conversation.Webhook;
  processingMode: string | undefined;
  /** Misconfigurations worth an operator's attention (DISPATCH mode). */
  warnings: string[];
}

const DISPATCH_WARNING =
  'app is in DISPATCH processing mode: callbacks carry empty contact_id/conversation_id and no CONVERSATION_*/CONTACT_* ' +
  'callbacks are sent; Contact Pro needs CONVERSATION mode (change it in the Sinch dashboard, app settings)';

/**
 * The Conversation API calls our services make, through the official SDK. Every failure is
 * a SinchApiError that says whether a retry can help. Credentials live only in the SDK
 * instance, kept in a private field so that logging this object shows none of them.
 */
export class SinchApi {
  readonly #service: ConversationService;

  constructor(config: SinchApiConfig) {
    const resolved = parseSinchApiConfig(config);
    this.#service = new ConversationService({
      projectId: resolved.projectId,
      keyId: resolved.keyId,
      keySecret: resolved.keySecret,
      conversationRegion: resolved.region,
      ...(resolved.conversationBaseUrl !== undefined && {
        conversationHostname: withoutTrailingSlash(resolved.conversationBaseUrl),
      }),
      // The Template Management API has its own host; an override of the API host (the
      // simulator) serves both unless templatesBaseUrl says otherwise.
      ...((resolved.templatesBaseUrl ?? resolved.conversationBaseUrl) !== undefined && {
        conversationTemplatesHostname: withoutTrailingSlash(
          (resolved.templatesBaseUrl ?? resolved.conversationBaseUrl)!,
        ),
      }),
      ...(resolved.authBaseUrl !== undefined && {
        authHostname: withoutTrailingSlash(resolved.authBaseUrl),
      }),
      requestPlugins: [timeoutPlugin(resolved.timeoutMs)],
      // The SDK logs to the console by default; we report through SinchApiError instead.
      logger: null,
    });
  }

  sendText(options: SendOptions & { text: string }): Promise<SendResult> {
    return this.send('sendText', buildSendRequest(options, textMessage(options.text)));
  }

  sendMedia(options: SendOptions & MediaContent): Promise<SendResult> {
    return this.send('sendMedia', buildSendRequest(options, mediaMessage(options)));
  }

  sendTemplate(options: SendOptions & WhatsAppTemplateContent): Promise<SendResult> {
    return this.send('sendTemplate', buildSendRequest(options, whatsAppTemplateMessage(options)));
  }

  /** A choice message (buttons under a text), or a card when a title or an image is given. */
  sendChoices(options: SendOptions & ChoicesContent): Promise<SendResult> {
    return this.send('sendChoices', buildSendRequest(options, choicesMessage(options)));
  }

  /**
   * `optins:register` / `optouts:register`: puts the customer on the app's WhatsApp opt-in or
   * opt-out list; Sinch confirms with an OPT_IN or OPT_OUT callback. The SDK has no method for
   * these endpoints, so the call goes through the SDK's own API client (same token, plugins
   * and error handling as every other call).
   */
  async registerConsent(
    kind: 'OPT_IN' | 'OPT_OUT',
    registration: ConsentRegistration,
  ): Promise<void> {
    const operation = kind === 'OPT_IN' ? 'registerOptIn' : 'registerOptOut';
    const path = kind === 'OPT_IN' ? 'optins:register' : 'optouts:register';
    const api = this.#service.conversation;
    await this.call(operation, async () => {
      const client = api.client;
      const url = `${client.apiClientOptions.hostname}/v1/projects/${client.apiClientOptions.projectId}/${path}`;
      const requestOptions = await client.prepareOptions(
        url,
        'POST',
        {},
        { 'Content-Type': 'application/json', Accept: 'application/json' },
        JSON.stringify(consentRequestBody(registration)),
      );
      return client.processCall<unknown>({
        url: client.prepareUrl(requestOptions.hostname, requestOptions.queryParams),
        requestOptions,
        apiName: api.apiName,
        operationId: kind === 'OPT_IN' ? 'RegisterOptIn' : 'RegisterOptOut',
      });
    });
  }

  /** The project's WhatsApp templates, from the Template Management API (V2). */
  async listWhatsAppTemplates(): Promise<WhatsAppTemplate[]> {
    const response = await this.call('listTemplates', () => this.#service.templatesV2.list({}));
    return whatsAppTemplatesOf(response.templates ?? []);
  }

  async stopConversation(conversationId: string): Promise<void> {
    await this.call('stopConversation', () =>
      this.#service.conversation.stopActive({ conversation_id: conversationId }),
    );
  }

  getContact(contactId: string): Promise<Conversation.Contact> {
    return this.call('getContact', () => this.#service.contact.get({ contact_id: contactId }));
  }

  /** The channel's profile name, or null when the channel has none for this identity. */
  async getChannelProfile(query: ChannelProfileQuery): Promise<string | null> {
    const response = await this.call('getChannelProfile', () =>
      this.#service.contact.getChannelProfile({
        getChannelProfileRequestBody: {
          app_id: query.appId,
          channel: query.channel,
          recipient: toSdkRecipient({ channel: query.channel, identity: query.identity }),
        },
      }),
    );
    return response.profile_name || null;
  }

  getApp(appId: string): Promise<Conversation.AppResponse> {
    return this.call('getApp', () => this.#service.app.get({ app_id: appId }));
  }

  async listWebhooks(appId: string): Promise<Conversation.Webhook[]> {
    const response = await this.call('listWebhooks', () =>
      this.#service.webhooks.list({ app_id: appId }),
    );
    return response.webhooks ?? [];
  }

  createWebhook(webhook: Conversation.CreateWebhookRequestBody): Promise<Conversation.Webhook> {
    return this.call('createWebhook', () =>
      this.#service.webhooks.create({ webhookCreateRequestBody: webhook }),
    );
  }

  /** PATCH with an explicit field mask, so only the fields given are changed. */
  updateWebhook(
    webhookId: string,
    changes: Conversation.UpdateWebhookRequestBody,
  ): Promise<Conversation.Webhook> {
    const updateMask = Object.keys(changes).filter(
      (field) => field !== 'target' || changes.target !== undefined,
    );
    return this.call('updateWebhook', () =>
      this.#service.webhooks.update({
        webhook_id: webhookId,
        webhookUpdateRequestBody: changes,
        update_mask: updateMask,
      }),
    );
  }

  /** Registers our webhook, or brings the existing one (same target URL) up to date. Safe to run again. */
  async setupWebhook(options: SetupWebhookOptions): Promise<SetupWebhookResult> {
    const triggers = [...(options.triggers ?? REQUIRED_WEBHOOK_TRIGGERS)];
    const app = await this.getApp(options.appId);
    const warnings = app.processing_mode === 'DISPATCH' ? [DISPATCH_WARNING] : [];
    const existing = await this.listWebhooks(options.appId);
    const plan = planWebhook(existing, { ...options, triggers });
    const desired = {
      target: options.targetUrl,
      triggers,
      secret: options.secret,
      target_type: 'HTTP',
    } as const;
    const base = { processingMode: app.processing_mode, warnings };
    switch (plan.action) {
      case 'create':
        return {
          ...base,
          action: 'created',
          webhook: await this.createWebhook({ app_id: options.appId, ...desired }),
        };
      case 'update':
        return {
          ...base,
          action: 'updated',
          webhook: await this.updateWebhook(plan.webhookId, desired),
        };
      case 'none':
        return {
          ...base,
          action: 'unchanged',
          webhook: existing.find((webhook) => webhook.id === plan.webhookId)!,
        };
    }
  }

  private async send(operation: string, request: SendRequest): Promise<SendResult> {
    const response = await this.call(operation, () =>
      this.#service.messages.send({ sendMessageRequestBody: request }),
    );
    if (!response.message_id || !response.accepted_time) {
      throw SinchApiError.malformed(operation, 'message_id/accepted_time');
    }
    // The SDK turns ISO strings into Dates in responses; we hand on the ISO string.
    return {
      messageId: response.message_id,
      acceptedTime: new Date(response.accepted_time).toISOString(),
    };
  }

  private async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw SinchApiError.from(operation, error);
    }
  }
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
