import type { EventTimes } from './conversation-event';

/**
 * The value of topic `agent.events.v1`: the Contact Pro contract (docs/ARCHITECTURE.md#agent-events). Mirrors
 * `schemas/agent.events.v1.avsc` field for field; optional fields are `T | null`.
 */
export type AgentEventType =
  | 'CONVERSATION_STARTED'
  | 'MESSAGE_RECEIVED'
  | 'MESSAGE_SENT'
  | 'MESSAGE_STATUS'
  | 'ATTACHMENT_READY'
  | 'ATTACHMENT_FAILED'
  | 'CONSENT_CHANGED'
  | 'CONVERSATION_ENDED';

export interface AgentAttachment {
  id: string;
  contentType: string | null;
  url: string | null;
  fileName: string | null;
  sizeBytes: number | null;
  /** PENDING (being downloaded), READY, FAILED. */
  status: string;
}

export interface AgentQuoted {
  messageId: string;
  text: string | null;
  truncated: boolean;
  attachment: AgentAttachment | null;
}

/** A button or list reply: the message that offered the options, and what was chosen. */
export interface AgentChoice {
  messageId: string;
  postbackData: string | null;
  /** The chosen option's title, when known (docs/DOMAIN.md#what-the-agent-reads). */
  title: string | null;
}

/** One line of a cart (PRODUCT_RESPONSE). */
export interface AgentProduct {
  id: string;
  marketplace: string | null;
  quantity: number | null;
  itemPrice: number | null;
  currency: string | null;
}

export interface AgentMessage {
  id: string;
  direction: string;
  text: string | null;
  attachments: AgentAttachment[];
  location: {
    latitude: number;
    longitude: number;
    title: string | null;
    label: string | null;
  } | null;
  quoted: AgentQuoted | null;
  /** Why the message the customer quoted is not shown (a QuoteRefusal), null otherwise. */
  quoteHiddenReason: string | null;
  /** TEXT, MEDIA, CHOICE_RESPONSE, ..., UNSUPPORTED; null in records written before it existed. */
  kind: string | null;
  choice: AgentChoice | null;
  products: AgentProduct[];
  /** Named values: a Flow reply's answers, a shared contact's details, a fallback's reason. */
  fields: Record<string, string>;
  /** The content as the channel sent it, when the fields above do not hold all of it. */
  contentJson: string | null;
}

export interface AgentEvent {
  eventId: string;
  type: AgentEventType;
  occurredAt: number;
  customerKey: string;
  appId: string;
  conversationId: string;
  contactId: string;
  channel: string;
  sourceChannel: string;
  customer: { identity: string; displayName: string | null; label: string };
  message: AgentMessage | null;
  attachedData: Record<string, string> | null;
  attachedDataError: string | null;
  status: { messageId: string; status: string; reason: string | null } | null;
  consent: { kind: string; status: string } | null;
  /** The times of the conversation event it came from (EventTimes); null for attachment updates and older records. */
  times?: EventTimes | null;
}
