/** The value of conversation.media.v1 (schemas/conversation.media.v1.avsc). */
export interface MediaOutcome {
  eventId: string;
  attachmentId: string;
  sourceEventId: string;
  messageId: string;
  customerKey: string;
  appId: string;
  conversationId: string;
  contactId: string;
  status: 'READY' | 'FAILED';
  sourceUrl: string;
  storageKey: string | null;
  sha256: string | null;
  sizeBytes: number | null;
  contentType: string | null;
  fileName: string | null;
  reason: string | null;
  occurredAt: number;
}
