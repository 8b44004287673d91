/**
 * The value of topic `conversation.events.v1`. Mirrors, field for field, the Avro schema
 * `schemas/conversation.events.v1.avsc` (namespace `cpm.conversation.v1`); a unit test
 * checks every event we produce against that schema with undeclared fields forbidden.
 *
 * Conventions (so that the TS type and the Avro schema can only agree one way):
 * - Optional fields are `T | null` (Avro `["null", T]`, default null), never `?:`.
 * - Ids Sinch may leave out (DISPATCH mode) are `''`, as Sinch itself sends them.
 * - Enum-like values are open strings in Avro; the TS unions below name the values we
 *   produce today, consumers must accept others.
 * - Times: `occurredAt` / `receivedAt` are ISO-8601 UTC strings with millisecond
 *   precision (normalized from Sinch's text, which may carry nanoseconds), each with a
 *   `...Ms` twin (epoch millis, Avro long) for arithmetic. Sub-record times
 *   (`message.acceptedAt`) are ISO strings only.
 */
export const EVENT_TYPES = [
  'CONVERSATION_STARTED',
  'CONVERSATION_STOPPED',
  'CONVERSATION_DELETED',
  'CONTACT_CREATED',
  'CONTACT_UPDATED',
  'CONTACT_MERGED',
  'CONTACT_DELETED',
  'CONTACT_IDENTITIES_DUPLICATED',
  'MESSAGE_RECEIVED',
  'MESSAGE_SUBMITTED',
  'MESSAGE_SENT',
  'MESSAGE_SEND_FAILED',
  'MESSAGE_STATUS',
  'EVENT_RECEIVED',
  'EVENT_STATUS',
  'CONSENT_CHANGED',
  'CAPABILITY_REPORTED',
  'CHANNEL_EVENT',
  'UNSUPPORTED_RECEIVED',
  'SMART_CONVERSATION',
  'RECORD_NOTIFICATION',
  'UNKNOWN_CALLBACK',
  'CHANNEL_CORRECTED',
  // Only on normalizer.repartition.v1: a contact's messages use this phone key (docs/ARCHITECTURE.md#contact-links).
  'CONTACT_LINKED',
] as const;

export type ConversationEventType = (typeof EVENT_TYPES)[number];

/** Which time `occurredAt` was taken from, in order of preference. */
export type OccurredAtSource =
  | 'ACCEPT_TIME' // inner accept_time of a message or event
  | 'EVENT_TIME' // envelope event_time
  | 'ACCEPTED_TIME' // envelope accepted_time
  | 'RECEIVED' // our ingress receive time: Sinch gave no usable time
  | 'SINCH_ACCEPTED_TIME' // outbound: accepted_time of Sinch's send response
  | 'COMMAND_COMPLETED'; // outbound: when the outbound service finished the command

export type Direction = 'TO_APP' | 'TO_CONTACT';
export type Author = 'AGENT' | 'PROMPT' | 'ERROR' | 'CUSTOMER';

export interface EventSource {
  topic: string;
  partition: number;
  offset: string;
  /** The Sinch trigger (`MESSAGE_INBOUND`, ..., `UNKNOWN`), or `OUTBOUND` for sinch.outbound.v1. */
  trigger: string;
}

export interface Media {
  url: string;
  thumbnailUrl: string | null;
  fileName: string | null;
  caption: string | null;
}

export interface Location {
  latitude: number | null;
  longitude: number | null;
  title: string | null;
  label: string | null;
}

export interface Choice {
  messageId: string;
  postbackData: string | null;
}

export interface Reason {
  code: string | null;
  description: string | null;
  subCode: string | null;
  channelCode: string | null;
}

export interface Message {
  id: string;
  direction: Direction;
  /** null when unknown (a MESSAGE_SUBMIT of a message that did not come through us). */
  author: Author | null;
  /** TEXT, MEDIA, MEDIA_CARD, LOCATION, CHOICE_RESPONSE, PRODUCT_RESPONSE, FALLBACK, CHANNEL_SPECIFIC, TEMPLATE, ..., UNKNOWN */
  kind: string;
  text: string | null;
  media: Media | null;
  location: Location | null;
  choice: Choice | null;
  replyToMessageId: string | null;
  fallbackReason: Reason | null;
  channelSpecificJson: string | null;
  productsJson: string | null;
  acceptedAt: string | null;
  /** The agent command behind MESSAGE_SENT / MESSAGE_SEND_FAILED. */
  commandId: string | null;
}

export type AttachedDataStatus = 'OK' | 'ABSENT' | 'INVALID';
export type AttachedDataSource = 'MESSAGE_METADATA' | 'TOP_LEVEL_MESSAGE_METADATA' | 'NONE';

export interface AttachedData {
  entries: Record<string, string>;
  status: AttachedDataStatus;
  /** Why the data is INVALID, or why the preferred field was skipped. */
  reason: string | null;
  source: AttachedDataSource;
}

export interface DeliveryStatusReport {
  /** The message id (MESSAGE_STATUS, MESSAGE_SEND_FAILED) or event id (EVENT_STATUS). */
  messageId: string;
  status: string;
  reasonCode: string | null;
  reasonDescription: string | null;
  subCode: string | null;
  channelCode: string | null;
}

export interface ContactIdentity {
  channel: string;
  identity: string;
}

export interface Contact {
  id: string;
  /** As Sinch sent it, `Unknown` placeholder included (see display-name.ts). */
  displayName: string | null;
  identities: ContactIdentity[];
  mergedFromContactId: string | null;
}

export interface Consent {
  kind: 'OPT_IN' | 'OPT_OUT';
  status: string;
  requestId: string | null;
  errorDescription: string | null;
}

export type CorrectionRule = 'MMS_THREAD' | 'MMS_APP' | 'MMS_SENDER';

export interface Correction {
  rule: CorrectionRule;
  /** The MMS conversation the event was attached to ('' when no MMS conversation is known). */
  boundConversationId: string;
}

export interface ConversationEvent {
  eventId: string;
  type: ConversationEventType;
  occurredAt: string;
  occurredAtMs: number;
  occurredAtSource: OccurredAtSource;
  receivedAt: string;
  receivedAtMs: number;
  customerKey: string;
  appId: string;
  projectId: string;
  conversationId: string;
  contactId: string;
  /** After MMS correction. */
  channel: string;
  sourceChannel: string;
  sourceConversationId: string;
  sourceContactId: string;
  /** The customer's channel identity, E.164 for phone channels. */
  identity: string;
  /** The business address the customer wrote to (`sender_id`), E.164 when a phone number. */
  businessNumber: string | null;
  processingMode: string | null;
  source: EventSource;
  message: Message | null;
  attachedData: AttachedData | null;
  status: DeliveryStatusReport | null;
  contact: Contact | null;
  consent: Consent | null;
  correction: Correction | null;
  detailsJson: string | null;
}
