import { newId } from './ids';

export type ProcessingMode = 'CONVERSATION' | 'DISPATCH';

export interface SimApp {
  id: string;
  display_name: string;
  processing_mode: ProcessingMode;
}

export interface SimChannelIdentity {
  channel: string;
  identity: string;
  app_id: string;
}

export interface SimContact {
  id: string;
  channel_identities: SimChannelIdentity[];
  channel_priority: string[];
  display_name: string;
  email: string;
  external_id: string;
  metadata: string;
  language: string;
}

export interface SimConversation {
  id: string;
  app_id: string;
  contact_id: string;
  active: boolean;
  active_channel: string;
  metadata_json: Record<string, unknown>;
  correlation_id: string;
}

export interface SimWebhook {
  id: string;
  app_id: string;
  target: string;
  target_type: 'HTTP' | 'DISMISS';
  secret: string;
  triggers: string[];
}

/** A template as the Template Management API V2 lists it. */
export interface SimTemplate {
  id: string;
  description: string;
  version: number;
  default_translation: string;
  translations: Record<string, unknown>[];
  create_time: string;
  update_time: string;
}

/** An agent message the simulator accepted, kept for delivery reports and for replies that quote it. */
export interface SimSentMessage {
  id: string;
  appId: string;
  contactId: string;
  conversationId: string;
  channelIdentity: SimChannelIdentity;
  messageMetadata: string;
  correlationId: string;
  message: Record<string, unknown>;
}

/** Identities of these channels are app-scoped: callbacks carry the app id in `channel_identity.app_id`. */
const APP_SCOPED_CHANNELS = new Set(['MESSENGER', 'INSTAGRAM', 'LINE', 'WECHAT']);

export function channelIdentity(
  appId: string,
  channel: string,
  identity: string,
): SimChannelIdentity {
  return { channel, identity, app_id: APP_SCOPED_CHANNELS.has(channel) ? appId : '' };
}

/** The simulator's in-memory project: apps, contacts, conversations, webhooks, sent messages. */
export class SimState {
  readonly apps = new Map<string, SimApp>();
  readonly contacts = new Map<string, SimContact>();
  readonly conversations = new Map<string, SimConversation>();
  readonly webhooks = new Map<string, SimWebhook>();
  readonly sentMessages = new Map<string, SimSentMessage>();
  /** Channel profile names by `CHANNEL:identity` (what Get Channel Profile answers). */
  readonly profiles = new Map<string, string>();
  /** Registered opt-ins and opt-outs by `CHANNEL:identity` (optins:register, optouts:register). */
  readonly consents = new Map<string, 'OPT_IN' | 'OPT_OUT'>();
  /** The project's templates (Template Management API V2), by id. */
  readonly templates = new Map<string, SimTemplate>();

  findContact(channel: string, identity: string): SimContact | undefined {
    return [...this.contacts.values()].find((contact) =>
      contact.channel_identities.some(
        (known) => known.channel === channel && known.identity === identity,
      ),
    );
  }

  createContact(
    appId: string,
    channel: string,
    identity: string,
    displayName?: string,
  ): SimContact {
    const contact: SimContact = {
      id: newId(),
      channel_identities: [channelIdentity(appId, channel, identity)],
      channel_priority: [channel],
      // Sinch's placeholder for contacts created without a name.
      display_name: displayName ?? 'Unknown',
      email: '',
      external_id: '',
      metadata: '',
      language: 'UNSPECIFIED',
    };
    this.contacts.set(contact.id, contact);
    return contact;
  }

  addIdentity(contact: SimContact, appId: string, channel: string, identity: string): void {
    contact.channel_identities.push(channelIdentity(appId, channel, identity));
    contact.channel_priority.push(channel);
  }

  activeConversation(appId: string, contactId: string): SimConversation | undefined {
    return [...this.conversations.values()].find(
      (c) => c.active && c.app_id === appId && c.contact_id === contactId,
    );
  }

  startConversation(appId: string, contactId: string, channel: string): SimConversation {
    const conversation: SimConversation = {
      id: newId(),
      app_id: appId,
      contact_id: contactId,
      active: true,
      active_channel: channel,
      metadata_json: {},
      correlation_id: '',
    };
    this.conversations.set(conversation.id, conversation);
    return conversation;
  }
}
