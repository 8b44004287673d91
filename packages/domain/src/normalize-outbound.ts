import { normalizeIdentity } from '@cpm/sinch-webhooks';
import type {
  ConversationEvent,
  ConversationEventType,
  Message,
  OccurredAtSource,
} from '@cpm/contracts';
import { InvalidOutboundRecordError } from './errors';
import { eventIdOf } from './event-id';
import type { OutboundRecord } from '@cpm/contracts';
import { msToIso, sinchTimeToMs } from './sinch-time';
import { type LogTimestamp, outboundTimesOf } from './event-times';

export interface OutboundInput {
  record: OutboundRecord;
  source: { topic: string; partition: number; offset: string };
  /** The outbound record's Kafka timestamp (absent: null in the event's times). */
  kafka?: LogTimestamp;
}

const KIND_BY_COMMAND: Record<string, string> = {
  SEND_TEXT: 'TEXT',
  SEND_MEDIA: 'MEDIA',
  SEND_TEMPLATE: 'TEMPLATE',
  SEND_CHOICES: 'CHOICE',
};

/** Registrations are not messages: Sinch's OPT_IN / OPT_OUT callbacks are the facts. */
const NOT_CONVERSATION_EVENTS = new Set(['REGISTER_OPT_IN', 'REGISTER_OPT_OUT']);

/**
 * One sinch.outbound.v1 record → its conversation event:
 * - a send accepted by Sinch → MESSAGE_SENT (occurredAt = Sinch's accepted_time);
 * - END_CONVERSATION accepted → CONVERSATION_STOPPED (the agent ended it);
 * - FAILED or REJECTED (any other command) → MESSAGE_SEND_FAILED with the error as status;
 * - REGISTER_OPT_IN / REGISTER_OPT_OUT accepted → nothing: the registration's OPT_IN or
 *   OPT_OUT callback is the fact. Failed or refused → MESSAGE_SEND_FAILED without a message,
 *   like a failed END_CONVERSATION: no callback will come, and the agent who asked must learn
 *   it did not happen (the agent event is a FAILED status under the command id).
 * The id is made of command id, attempt and outcome: a record written twice is one fact.
 */
export function normalizeOutbound({ record, source, kafka }: OutboundInput): ConversationEvent[] {
  const registration = NOT_CONVERSATION_EVENTS.has(record.commandType);
  if (registration && record.outcome === 'SENT') return [];
  const type = eventTypeOf(record);
  const completedMs = sinchTimeToMs(record.completedAt);
  if (completedMs === null)
    throw new InvalidOutboundRecordError(
      `completedAt is not ISO-8601: ${JSON.stringify(record.completedAt)}`,
    );
  const acceptedMs = sinchTimeToMs(record.sinchAcceptedTime);
  const occurred: { ms: number; source: OccurredAtSource } =
    record.outcome === 'SENT' && acceptedMs !== null
      ? { ms: acceptedMs, source: 'SINCH_ACCEPTED_TIME' }
      : { ms: completedMs, source: 'COMMAND_COMPLETED' };
  const failed = type === 'MESSAGE_SEND_FAILED';
  return [
    {
      eventId: eventIdOf(['OUTBOUND', record.commandId, String(record.attempt), record.outcome]),
      type,
      occurredAt: msToIso(occurred.ms),
      occurredAtMs: occurred.ms,
      occurredAtSource: occurred.source,
      receivedAt: msToIso(completedMs),
      receivedAtMs: completedMs,
      customerKey: record.customerKey,
      appId: record.appId,
      projectId: '',
      conversationId: record.conversationId,
      contactId: record.contactId,
      channel: record.channel,
      sourceChannel: record.channel,
      sourceConversationId: record.conversationId,
      sourceContactId: record.contactId,
      identity: normalizeIdentity(record.channel, record.identity),
      businessNumber: null,
      processingMode: null,
      source: { ...source, trigger: 'OUTBOUND' },
      message:
        record.commandType === 'END_CONVERSATION' || registration
          ? null
          : messageOf(record, acceptedMs),
      attachedData: null,
      status: failed
        ? {
            messageId: record.sinchMessageId ?? record.commandId,
            status: record.outcome,
            reasonCode: record.errorCode,
            reasonDescription: record.errorMessage,
            subCode: null,
            channelCode: null,
          }
        : null,
      contact: null,
      consent: null,
      correction: null,
      detailsJson: JSON.stringify({
        commandType: record.commandType,
        attempt: record.attempt,
        httpStatus: record.httpStatus,
        template:
          record.templateName === null
            ? null
            : {
                name: record.templateName,
                language: record.templateLanguage,
                paramsJson: record.templateParamsJson,
              },
      }),
      times: outboundTimesOf(acceptedMs, kafka),
    },
  ];
}

function eventTypeOf(record: OutboundRecord): ConversationEventType {
  switch (record.outcome) {
    case 'SENT':
      return record.commandType === 'END_CONVERSATION' ? 'CONVERSATION_STOPPED' : 'MESSAGE_SENT';
    case 'FAILED':
    case 'REJECTED':
      return 'MESSAGE_SEND_FAILED';
    default:
      throw new InvalidOutboundRecordError(
        `unknown outcome ${JSON.stringify(record.outcome)} of command ${record.commandId}`,
      );
  }
}

function messageOf(record: OutboundRecord, acceptedMs: number | null): Message {
  return {
    id: record.sinchMessageId ?? '',
    direction: 'TO_CONTACT',
    author: record.author,
    kind: KIND_BY_COMMAND[record.commandType] ?? record.commandType,
    text: record.text,
    media:
      record.mediaUrl === null
        ? null
        : { url: record.mediaUrl, thumbnailUrl: null, fileName: record.fileName, caption: null },
    location: null,
    choice: null,
    replyToMessageId: null,
    fallbackReason: null,
    channelSpecificJson: null,
    productsJson: null,
    acceptedAt: acceptedMs === null ? null : msToIso(acceptedMs),
    commandId: record.commandId,
  };
}
