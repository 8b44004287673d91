/**
 * The value of topic `sinch.outbound.v1`: the outcome of one attempt of an agent command.
 * Mirrors `schemas/sinch.outbound.v1.avsc` field for field (optional = `T | null`).
 */
export type OutboundOutcome = 'SENT' | 'FAILED' | 'REJECTED';
export type OutboundCommandType =
  | 'SEND_TEXT'
  | 'SEND_MEDIA'
  | 'SEND_CHOICES'
  | 'SEND_TEMPLATE'
  | 'END_CONVERSATION'
  | 'REGISTER_OPT_IN'
  | 'REGISTER_OPT_OUT';

export interface OutboundRecord {
  commandId: string;
  attempt: number;
  outcome: OutboundOutcome;
  commandType: OutboundCommandType;
  author: 'AGENT' | 'PROMPT' | 'ERROR';
  appId: string;
  contactId: string;
  conversationId: string;
  channel: string;
  identity: string;
  customerKey: string;
  /** ISO-8601. */
  createdAt: string;
  /** ISO-8601. */
  completedAt: string;
  sinchMessageId: string | null;
  sinchAcceptedTime: string | null;
  text: string | null;
  mediaUrl: string | null;
  fileName: string | null;
  templateName: string | null;
  templateLanguage: string | null;
  templateParamsJson: string | null;
  messageMetadata: string | null;
  conversationMetadata: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  httpStatus: number | null;
}
