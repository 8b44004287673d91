import { toE164 } from '@cpm/sinch-webhooks';
import type { ConversationEvent, CorrectionRule } from '@cpm/contracts';
import { eventIdOf } from './event-id';
import type { MmsConfig } from './mms-config';

/**
 * An MMS-bound thread: the customer number and business number of MMS traffic, and the
 * MMS conversation it belongs to. `businessNumber` is null while unknown: delivery
 * reports, submits and our own sends carry no `sender_id`; the first event that has one
 * fills it in.
 */
export interface MmsBinding {
  appId: string;
  customerNumber: string;
  businessNumber: string | null;
  conversationId: string;
  contactId: string;
  /** Sinch time (occurredAtMs) of the last MMS or corrected event of the thread. */
  lastActivityMs: number;
}

/** Plain JSON, keyed by `appId|customerNumber|businessNumber` (`*` for unknown). */
export interface MmsState {
  bindings: Record<string, MmsBinding>;
}

export const emptyMmsState = (): MmsState => ({ bindings: {} });

const ENDING_TYPES = new Set(['CONVERSATION_STOPPED', 'CONVERSATION_DELETED']);
const LIFECYCLE_TYPES = new Set(['CONVERSATION_STARTED', ...ENDING_TYPES]);

/**
 * The MMS channel correction (docs/DOMAIN.md#mms-channel-correction), a pure state machine: one event in, the
 * event (corrected or not) out, plus a CHANNEL_CORRECTED audit event when corrected.
 * - MMS traffic binds (or refreshes) the thread (app, customer number, business number).
 * - An SMS event of a bound thread becomes MMS, attached to the MMS conversation's ids;
 *   `source*` fields keep what Sinch reported.
 * - Without a binding, SMS of an app or business number configured as MMS becomes MMS
 *   (ids unchanged: no MMS conversation is known).
 * - A binding ends when its conversation stops or is deleted (if that event reaches this
 *   state: see README) or after `idleTimeoutMs` without activity.
 * Input state is never mutated; equal inputs give deep-equal outputs.
 */
export function correct(
  state: MmsState,
  event: ConversationEvent,
  config: MmsConfig,
): { state: MmsState; events: ConversationEvent[] } {
  const live = withoutExpired(state, event.occurredAtMs, config.idleTimeoutMs);
  if (LIFECYCLE_TYPES.has(event.type)) return lifecycle(live, event);
  if (event.identity === '' || (event.channel !== 'MMS' && event.channel !== 'SMS'))
    return { state: live, events: [event] };

  const found = findBinding(live, event);
  if (event.channel === 'MMS') {
    // A failed send reached nobody: it does not make the thread MMS.
    if (event.type === 'MESSAGE_SEND_FAILED') return { state: live, events: [event] };
    return { state: upsert(live, found, bindingFrom(event, found)), events: [event] };
  }
  if (found) {
    const touched: MmsBinding = {
      ...found.binding,
      businessNumber: found.binding.businessNumber ?? event.businessNumber,
      lastActivityMs: Math.max(found.binding.lastActivityMs, event.occurredAtMs),
    };
    const corrected = toMms(
      event,
      'MMS_THREAD',
      found.binding.conversationId || event.conversationId,
      found.binding.contactId || event.contactId,
    );
    return { state: upsert(live, found, touched), events: [corrected, auditOf(corrected, event)] };
  }
  const rule = configuredRule(event, config);
  if (rule === null) return { state: live, events: [event] };
  const corrected = toMms(event, rule, event.conversationId, event.contactId);
  return { state: live, events: [corrected, auditOf(corrected, event)] };
}

/**
 * A conversation's start, stop or delete: the stop or delete of a bound MMS conversation ends
 * its binding. An SMS conversation of a bound thread (the handset's SMS side, under another
 * contact: it reaches this state with the customer's number, docs/ARCHITECTURE.md#contact-links)
 * is shown on MMS, with its own ids; it neither binds nor ends the thread.
 */
function lifecycle(live: MmsState, event: ConversationEvent) {
  if (ENDING_TYPES.has(event.type) && event.conversationId !== '') {
    const ended = withoutConversation(live, event.conversationId);
    if (ended !== live) return { state: ended, events: [event] };
  }
  const found = event.channel === 'SMS' && event.identity !== '' ? findBinding(live, event) : null;
  if (!found) return { state: live, events: [event] };
  const corrected: ConversationEvent = {
    ...event,
    channel: 'MMS',
    correction: { rule: 'MMS_THREAD', boundConversationId: found.binding.conversationId },
  };
  return { state: live, events: [corrected, auditOf(corrected, event)] };
}

type Found = { key: string; binding: MmsBinding } | null;

/**
 * The thread of an event: same app and customer number, and the same business number;
 * a binding or an event whose business number is unknown matches any, when only one does.
 */
function findBinding(state: MmsState, event: ConversationEvent): Found {
  const candidates = Object.entries(state.bindings).filter(
    ([, b]) => b.appId === event.appId && b.customerNumber === event.identity,
  );
  const exact = candidates.find(
    ([, b]) => event.businessNumber !== null && b.businessNumber === event.businessNumber,
  );
  const compatible = exact
    ? [exact]
    : candidates.filter(([, b]) => b.businessNumber === null || event.businessNumber === null);
  const [only] = compatible;
  return compatible.length === 1 && only ? { key: only[0], binding: only[1] } : null;
}

function bindingFrom(event: ConversationEvent, found: Found): MmsBinding {
  const previous = found?.binding;
  return {
    appId: event.appId,
    customerNumber: event.identity,
    businessNumber: event.businessNumber ?? previous?.businessNumber ?? null,
    // A new MMS conversation (after a stop) replaces the old one's ids.
    conversationId: event.conversationId || previous?.conversationId || '',
    contactId: event.contactId || previous?.contactId || '',
    lastActivityMs: Math.max(previous?.lastActivityMs ?? event.occurredAtMs, event.occurredAtMs),
  };
}

const keyOf = (b: MmsBinding): string =>
  `${b.appId}|${b.customerNumber}|${b.businessNumber ?? '*'}`;

function upsert(state: MmsState, found: Found, binding: MmsBinding): MmsState {
  const bindings = { ...state.bindings };
  if (found) delete bindings[found.key];
  bindings[keyOf(binding)] = binding;
  return { bindings };
}

function withoutExpired(state: MmsState, nowMs: number, idleTimeoutMs: number): MmsState {
  return filterBindings(state, (b) => nowMs - b.lastActivityMs <= idleTimeoutMs);
}

function withoutConversation(state: MmsState, conversationId: string): MmsState {
  return filterBindings(state, (b) => b.conversationId !== conversationId);
}

function filterBindings(state: MmsState, keep: (b: MmsBinding) => boolean): MmsState {
  const entries = Object.entries(state.bindings);
  const kept = entries.filter(([, b]) => keep(b));
  return kept.length === entries.length ? state : { bindings: Object.fromEntries(kept) };
}

function configuredRule(event: ConversationEvent, config: MmsConfig): CorrectionRule | null {
  if (config.mmsAppIds.includes(event.appId)) return 'MMS_APP';
  if (
    event.businessNumber !== null &&
    config.mmsBusinessNumbers.map(toE164).includes(toE164(event.businessNumber))
  )
    return 'MMS_SENDER';
  return null;
}

function toMms(
  event: ConversationEvent,
  rule: CorrectionRule,
  conversationId: string,
  contactId: string,
): ConversationEvent {
  return {
    ...event,
    channel: 'MMS',
    conversationId,
    contactId,
    correction: { rule, boundConversationId: conversationId },
  };
}

/** The audit record of one correction: the corrected envelope, no content, the original named in detailsJson. */
function auditOf(corrected: ConversationEvent, original: ConversationEvent): ConversationEvent {
  return {
    ...corrected,
    eventId: eventIdOf(['CHANNEL_CORRECTED', original.eventId]),
    type: 'CHANNEL_CORRECTED',
    message: null,
    attachedData: null,
    status: null,
    contact: null,
    consent: null,
    detailsJson: JSON.stringify({
      correctedEventId: original.eventId,
      correctedEventType: original.type,
      reportedChannel: original.channel,
    }),
  };
}
