// @cpm/domain: the pure core of the pipeline (see ../README.md). No I/O here.
export {
  UnparseableWebhookError,
  InvalidOutboundRecordError,
  DomainError,
  type DomainErrorCode,
} from './errors';
export { normalizeWebhook } from './normalize';
export type { RawWebhookInput } from './webhook-context';
export { normalizeOutbound, type OutboundInput } from './normalize-outbound';
// The values of conversation.events.v1 (what this core produces) and sinch.outbound.v1 are
// defined in @cpm/contracts, and re-exported here for the modules that import them with the core.
export type {
  ConversationEventType,
  OccurredAtSource,
  Direction,
  Author,
  EventSource,
  Media,
  Location,
  Choice,
  Reason,
  Message,
  AttachedDataStatus,
  AttachedDataSource,
  AttachedData,
  DeliveryStatusReport,
  ContactIdentity,
  Contact,
  Consent,
  CorrectionRule,
  Correction,
  ConversationEvent,
  OutboundRecord,
  OutboundOutcome,
  OutboundCommandType,
} from '@cpm/contracts';
export { attachedDataOf } from './attached-data';
export { sinchTimeToMs } from './sinch-time';
export { eventIdOf, attachmentIdOf } from './event-id';
export { Deduplicator, DEFAULT_DEDUP_CAPACITY, type DedupState } from './deduplicator';
export { correct, emptyMmsState, type MmsState, type MmsBinding } from './mms-correction';
export { mmsConfig, DEFAULT_MMS_IDLE_TIMEOUT_MS, type MmsConfig } from './mms-config';
export * from './contact-links';
export { isPhoneKey } from '@cpm/sinch-webhooks';
export * from './quoting';
export * from './display-name';
export * from './delivery-status';
export * from './whatsapp-window';
export * from './channel-capabilities';
export * from './agent-state';
export * from './agent-view';
export * from './agent-content';
export { choiceOptionsOf, type ChoiceOption } from './message-content';
export * from './media-view';
export { contentTypeOf } from './content-type';
