import {
  contactNotification,
  messageInbound,
  optNotification,
  unsupportedCallback,
} from './callbacks';
import { newId } from './ids';
import {
  contactFor,
  conversationFor,
  dispatchInOrder,
  stopConversation,
  type PendingCallback,
} from './lifecycle';
import { SAMPLE_MEDIA, type SampleMediaKind } from './sample-media';
import { envelopeFor, type SimContext } from './sim-context';
import { channelIdentity, type SimContact } from './sim-state';
import type { WebhookDelivery } from './webhook-dispatcher';

export interface CustomerOptions {
  channel: string;
  /** As the channel reports it (phone numbers with or without `+`, a PSID, ...). */
  identity: string;
  /** Default: the simulator's first app. */
  appId?: string;
  /** The contact's `display_name` (CONTACT_CREATE) and the channel profile name. Default: none (`Unknown`). */
  displayName?: string;
  /** The business number or id the customer writes to (`message.sender_id`). Default: the simulator's business number. */
  senderId?: string;
  /** MMS only: whether Sinch files the customer's plain-text replies (on SMS) under the MMS contact. Default `separate`. */
  smsReplyContact?: 'same' | 'separate';
}

export interface MessageOptions {
  /** Id of the earlier message this one quotes (`contact_message.reply_to`). */
  replyTo?: string;
}

export interface InboundResult {
  messageId: string;
  /** The channel Sinch reported: SMS for a text reply in an MMS thread. */
  channel: string;
  contactId: string;
  conversationId: string;
  body: Record<string, unknown>;
  deliveries: WebhookDelivery[];
}

/**
 * A customer that writes to the business: each action sends the callbacks Sinch would,
 * in order (CONTACT_CREATE and CONVERSATION_START before a first message, in CONVERSATION mode).
 */
export class ScriptedCustomer {
  readonly appId: string;
  private readonly senderId: string;

  constructor(
    private readonly ctx: SimContext,
    readonly options: CustomerOptions,
    defaults: { appId: string; senderId: string },
  ) {
    this.appId = options.appId ?? defaults.appId;
    this.senderId = options.senderId ?? defaults.senderId;
    if (options.displayName !== undefined)
      ctx.state.profiles.set(`${options.channel}:${options.identity}`, options.displayName);
  }

  /** Plain text. In an MMS thread the handset sends it as SMS, so it arrives on the SMS channel. */
  sendText(text: string, options: MessageOptions = {}): Promise<InboundResult> {
    const channel = this.options.channel === 'MMS' ? 'SMS' : this.options.channel;
    return this.arrive(channel, { text_message: { text } }, options);
  }

  /** One of the simulator's sample files, at a URL the simulator serves; with a caption it is a media card. */
  sendMedia(
    kind: SampleMediaKind,
    options: MessageOptions & { caption?: string } = {},
  ): Promise<InboundResult> {
    const url = `${this.ctx.baseUrl()}/media/${SAMPLE_MEDIA[kind].fileName}`;
    const content =
      options.caption === undefined
        ? { media_message: { url } }
        : { media_card_message: { url, caption: options.caption } };
    return this.arrive(this.options.channel, content, options);
  }

  sendLocation(
    location: { latitude: number; longitude: number; title: string; label?: string },
    options: MessageOptions = {},
  ): Promise<InboundResult> {
    const { latitude, longitude, title, label } = location;
    const content = {
      location_message: {
        title,
        ...(label !== undefined && { label }),
        coordinates: { latitude, longitude },
      },
    };
    return this.arrive(this.options.channel, content, options);
  }

  /** A button or list reply to an app message that offered choices (`choice_response_message`). */
  answerChoice(
    messageId: string,
    postbackData: string,
    options: MessageOptions = {},
  ): Promise<InboundResult> {
    const content = {
      choice_response_message: { message_id: messageId, postback_data: postbackData },
    };
    return this.arrive(this.options.channel, content, options);
  }

  /**
   * Something the Conversation API cannot map (an Instagram voice note, a sticker): Sinch
   * forwards the channel's callback `payload` on the UNSUPPORTED trigger.
   */
  async sendUnsupported(payload: unknown): Promise<{ id: string; body: Record<string, unknown> }> {
    const { contactId, conversationId, callbacks } = this.conversationOn(this.options.channel);
    await dispatchInOrder(this.ctx, this.appId, callbacks);
    const id = newId(this.ctx.now());
    const body = unsupportedCallback(envelopeFor(this.ctx, this.appId), {
      id,
      channelIdentity: channelIdentity(this.appId, this.options.channel, this.options.identity),
      contactId,
      conversationId,
      payload,
      processingMode: this.dispatchMode ? 'DISPATCH' : 'CONVERSATION',
    });
    await this.ctx.dispatcher.dispatch(this.appId, 'UNSUPPORTED', body);
    return { id, body };
  }

  optIn(): Promise<void> {
    return this.opt('in', 'OPT_IN_SUCCEEDED');
  }

  optOut(): Promise<void> {
    return this.opt('out', 'OPT_OUT_SUCCEEDED');
  }

  /** The contact changes its name (CONTACT_UPDATE). */
  async rename(displayName: string): Promise<void> {
    const contact = this.ctx.state.findContact(this.options.channel, this.options.identity);
    if (!contact) throw new Error('the customer has no contact yet: send a message first');
    contact.display_name = displayName;
    const body = contactNotification(envelopeFor(this.ctx, this.appId), 'update', contact);
    await dispatchInOrder(this.ctx, this.appId, [{ trigger: 'CONTACT_UPDATE', body }]);
  }

  /** The conversation ends on Sinch's side (expiry), sending CONVERSATION_STOP. */
  async endConversation(): Promise<void> {
    const contact = this.ctx.state.findContact(this.options.channel, this.options.identity);
    const conversation = contact && this.ctx.state.activeConversation(this.appId, contact.id);
    if (conversation)
      await dispatchInOrder(this.ctx, this.appId, stopConversation(this.ctx, conversation));
  }

  private get dispatchMode(): boolean {
    return this.ctx.state.apps.get(this.appId)?.processing_mode === 'DISPATCH';
  }

  private async arrive(
    channel: string,
    content: Record<string, unknown>,
    options: MessageOptions,
  ): Promise<InboundResult> {
    const quoted =
      options.replyTo === undefined ? undefined : this.ctx.state.sentMessages.get(options.replyTo);
    const contactMessage = {
      ...content,
      ...(options.replyTo !== undefined && { reply_to: { message_id: options.replyTo } }),
    };
    const { contactId, conversationId, metadataJson, correlationId, callbacks } =
      this.conversationOn(channel);
    await dispatchInOrder(this.ctx, this.appId, callbacks);
    const messageId = newId(this.ctx.now());
    const envelope = envelopeFor(this.ctx, this.appId, {
      messageMetadata: metadataJson,
      correlationId,
    });
    const body = messageInbound(envelope, {
      id: messageId,
      channelIdentity: channelIdentity(this.appId, channel, this.options.identity),
      contactId,
      conversationId,
      contactMessage,
      metadata: quoted?.messageMetadata ?? '',
      senderId: this.senderId,
      processingMode: this.dispatchMode ? 'DISPATCH' : 'CONVERSATION',
    });
    const deliveries = await this.ctx.dispatcher.dispatch(this.appId, 'MESSAGE_INBOUND', body);
    return { messageId, channel, contactId, conversationId, body, deliveries };
  }

  /** Contact and conversation of a message on `channel`, with the callbacks that bring them about. */
  private conversationOn(channel: string) {
    if (this.dispatchMode)
      return {
        contactId: '',
        conversationId: '',
        metadataJson: '',
        correlationId: '',
        callbacks: [] as PendingCallback[],
      };
    const { contact, callbacks: contactCallbacks } = this.contactOn(channel);
    const { conversation, callbacks } = conversationFor(this.ctx, this.appId, contact, channel);
    const metadataJson =
      Object.keys(conversation.metadata_json).length > 0
        ? JSON.stringify(conversation.metadata_json)
        : '';
    return {
      contactId: contact.id,
      conversationId: conversation.id,
      metadataJson,
      correlationId: conversation.correlation_id,
      callbacks: [...contactCallbacks, ...callbacks],
    };
  }

  private contactOn(channel: string): { contact: SimContact; callbacks: PendingCallback[] } {
    const { identity, displayName } = this.options;
    const sharesMmsContact =
      channel === 'SMS' &&
      this.options.channel === 'MMS' &&
      this.options.smsReplyContact === 'same';
    const mmsContact = sharesMmsContact ? this.ctx.state.findContact('MMS', identity) : undefined;
    if (mmsContact && !this.ctx.state.findContact('SMS', identity))
      this.ctx.state.addIdentity(mmsContact, this.appId, 'SMS', identity);
    return contactFor(
      this.ctx,
      this.appId,
      channel,
      identity,
      channel === this.options.channel ? displayName : undefined,
    );
  }

  private async opt(kind: 'in' | 'out', status: string): Promise<void> {
    const { channel, identity } = this.options;
    const contact = this.dispatchMode ? undefined : this.ctx.state.findContact(channel, identity);
    const body = optNotification(envelopeFor(this.ctx, this.appId), kind, {
      requestId: newId(this.ctx.now()),
      contactId: contact?.id ?? '',
      channel,
      identity,
      status,
      processingMode: this.dispatchMode ? 'DISPATCH' : 'CONVERSATION',
    });
    await dispatchInOrder(this.ctx, this.appId, [
      { trigger: kind === 'in' ? 'OPT_IN' : 'OPT_OUT', body },
    ]);
  }
}
