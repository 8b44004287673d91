import { type CustomerRef, type Trigger, normalizeIdentity } from '@cpm/sinch-webhooks';
import type { ConversationEvent, ConversationEventType, OccurredAtSource } from '@cpm/contracts';
import { eventIdOf } from './event-id';
import { type Obj, canonicalJson, optStr, str } from './json';
import { msToIso, sinchTimeToMs } from './sinch-time';
import { type LogTimestamp, webhookTimesOf } from './event-times';

/** A raw webhook record of sinch.webhooks.raw.v1, as the normalizer hands it over. */
export interface RawWebhookInput {
  /** The exact raw request body. */
  body: Buffer;
  receivedAtMs: number;
  customerKey: string;
  source: { topic: string; partition: number; offset: string };
  /** The raw record's Kafka timestamp (absent: null in the event's times). */
  kafka?: LogTimestamp;
}

/** One parsed callback, with what every trigger needs. */
export interface WebhookContext {
  input: RawWebhookInput;
  root: Obj;
  trigger: Trigger;
  /** The trigger's object (`root[key]`), `{}` for an unknown trigger. */
  inner: Obj;
  /** Who the callback is about, as reported (ids, channel, raw identity). */
  ref: CustomerRef;
}

/** What a trigger adds to the common envelope. */
export type EventDraft = Partial<Omit<ConversationEvent, 'eventId' | 'type' | 'source'>> & {
  type: ConversationEventType;
  /** Sinch ids (and status) that identify the fact; empty ids fall back to the content. */
  idParts: readonly string[];
};

export function buildEvent(ctx: WebhookContext, draft: EventDraft): ConversationEvent {
  const { input, root, inner, trigger, ref } = ctx;
  const time = occurredAtOf(ctx);
  const { idParts, ...fields } = draft;
  const channel = fields.channel ?? ref.channel;
  const conversationId = fields.conversationId ?? ref.conversationId;
  const contactId = fields.contactId ?? ref.contactId;
  const base: ConversationEvent = {
    eventId: eventIdOf([trigger, ref.appId, ...sourceIdentity(ctx, idParts)]),
    type: draft.type,
    occurredAt: msToIso(time.ms),
    occurredAtMs: time.ms,
    occurredAtSource: time.source,
    receivedAt: msToIso(input.receivedAtMs),
    receivedAtMs: input.receivedAtMs,
    customerKey: input.customerKey,
    appId: ref.appId,
    projectId: str(root.project_id),
    conversationId,
    contactId,
    channel,
    sourceChannel: channel,
    sourceConversationId: conversationId,
    sourceContactId: contactId,
    identity: ref.identity ? normalizeIdentity(channel, ref.identity) : '',
    businessNumber: null,
    processingMode: optStr(inner.processing_mode),
    source: { ...input.source, trigger },
    message: null,
    attachedData: null,
    status: null,
    contact: null,
    consent: null,
    correction: null,
    detailsJson: null,
    times: webhookTimesOf(root, inner, input.receivedAtMs, input.kafka),
  };
  return { ...base, ...fields, eventId: base.eventId, type: draft.type };
}

/**
 * Ids when Sinch gave them all; otherwise the canonical JSON of the trigger's object (of
 * the whole body for an unknown trigger), which is equal for a retried callback whatever
 * its whitespace or key order.
 */
function sourceIdentity(ctx: WebhookContext, ids: readonly string[]): readonly string[] {
  if (ids.length > 0 && ids.every((id) => id !== '')) return ids;
  return [canonicalJson(ctx.trigger === 'UNKNOWN' ? ctx.root : ctx.inner)];
}

/** Sinch's time for the event: accept_time, else event_time, else accepted_time, else receive time. */
function occurredAtOf({ root, inner, input }: WebhookContext): {
  ms: number;
  source: OccurredAtSource;
} {
  const candidates: Array<[unknown, OccurredAtSource]> = [
    [inner.accept_time, 'ACCEPT_TIME'],
    [root.event_time, 'EVENT_TIME'],
    [root.accepted_time, 'ACCEPTED_TIME'],
  ];
  for (const [value, source] of candidates) {
    const ms = sinchTimeToMs(value);
    if (ms !== null) return { ms, source };
  }
  return { ms: input.receivedAtMs, source: 'RECEIVED' };
}

/** Normalized business address (`sender_id`), E.164 for phone channels. */
export function businessNumberOf(channel: string, senderId: unknown): string | null {
  const sender = optStr(senderId);
  return sender === null ? null : normalizeIdentity(channel, sender);
}
