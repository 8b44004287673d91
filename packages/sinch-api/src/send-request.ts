import type { Conversation } from '@sinch/conversation';

/** Who receives a message: a Conversation API contact, or a channel identity (the only choice in DISPATCH mode). */
export type Recipient = { contactId: string } | { channel: string; identity: string };

/** Fields every send may carry; each is sent only when given. */
export interface SendOptions {
  appId: string;
  recipient: Recipient;
  /** ≤1024 chars; comes back as `metadata` on delivery reports and on replies quoting this message. */
  messageMetadata?: string;
  /** JSON object ≤2048 chars; comes back as top-level `message_metadata` on the customer's next messages. */
  conversationMetadata?: Record<string, unknown>;
  /** ≤128 chars; echoed as `correlation_id` on delivery reports and later inbound messages. */
  correlationId?: string;
  /** Channel properties such as `SMS_SENDER` or `MMS_SENDER` (the business number). */
  channelProperties?: Record<string, string>;
}

export type SendRequest = Conversation.SendMessageRequest<Conversation.Recipient>;

export function toSdkRecipient(recipient: Recipient): Conversation.Recipient {
  if ('contactId' in recipient) return { contact_id: recipient.contactId };
  return {
    identified_by: {
      channel_identities: [{ channel: recipient.channel, identity: recipient.identity }],
    },
  };
}

/** The `messages:send` body for an app message, with the optional envelope fields only when set. */
export function buildSendRequest(
  options: SendOptions,
  message: Conversation.AppMessage,
): SendRequest {
  return {
    app_id: options.appId,
    recipient: toSdkRecipient(options.recipient),
    message,
    ...(options.messageMetadata !== undefined && { message_metadata: options.messageMetadata }),
    ...(options.conversationMetadata !== undefined && {
      conversation_metadata: options.conversationMetadata,
    }),
    ...(options.correlationId !== undefined && { correlation_id: options.correlationId }),
    ...(options.channelProperties !== undefined && {
      channel_properties: options.channelProperties,
    }),
  };
}
