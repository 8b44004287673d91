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
}
