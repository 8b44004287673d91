import { customerName, eventIdOf, type ConversationEvent } from '@cpm/domain';
import type { LookupAnswer } from '@cpm/contracts';
import { SinchApiError, type SinchApi } from '@cpm/sinch-api';
import type { AgentState, KnownLookup } from './agent-state';

/** Channels that have customer names (docs/DOMAIN.md#display-names). */
const NAME_CHANNELS = new Set(['WHATSAPP', 'MESSENGER', 'INSTAGRAM', 'VIBER', 'LINE']);
/** Channels whose name comes from the channel profile rather than the contact. */
const PROFILE_CHANNELS = new Set(['MESSENGER', 'INSTAGRAM', 'VIBER', 'LINE']);
/** Events the agent sees with the customer's label. */
const LABELLED = new Set([
  'CONVERSATION_STARTED',
  'MESSAGE_RECEIVED',
  'UNSUPPORTED_RECEIVED',
  'MESSAGE_SENT',
  'CONSENT_CHANGED',
]);

/** Deterministic: the look-up made for this customer because of this event. */
export const lookupIdOf = (customerKey: string, sourceEventId: string): string =>
  eventIdOf(['LOOKUP', customerKey, sourceEventId]);

/** Whether the agent event of `event` needs a look-up first: no name known, never asked, a channel with names. */
export function needsLookup(event: ConversationEvent, state: AgentState): boolean {
  if (
    !LABELLED.has(event.type) ||
    state.displayName !== null ||
    state.lookup !== null ||
    !NAME_CHANNELS.has(event.channel)
  )
    return false;
  return PROFILE_CHANNELS.has(event.channel) ? event.identity !== '' : event.contactId !== ''; // Get Contact needs the contact id
}

/** The state once a look-up answer is known (from our own call or read back from the log). */
export function applyLookup(state: AgentState, answer: LookupAnswer): AgentState {
  // A failed call (Sinch unavailable) is recorded but not kept: the next event asks again.
  if (state.lookup !== null || answer.outcome === 'FAILED') return state;
  const known: KnownLookup = {
    lookupId: answer.lookupId,
    outcome: answer.outcome,
    displayName: answer.displayName,
  };
  const name =
    answer.outcome === 'FOUND'
      ? customerName(answer.displayName, answer.identity).displayName
      : null;
  return { ...state, lookup: known, displayName: state.displayName ?? name };
}

/**
 * Asks the Conversation API for the customer's name. Sinch not knowing one (404) is a
 * negative answer (NOT_FOUND), kept: never asked again. Any other failure is an answer
 * too (FAILED, with the reason): recorded, so a replay labels the event the same, but
 * not kept, so the customer's next event asks again. It never blocks the pipeline.
 */
export async function lookUpName(
  api: SinchApi,
  event: ConversationEvent,
  customerKey: string,
  now: () => number,
): Promise<LookupAnswer> {
  const profile = PROFILE_CHANNELS.has(event.channel);
  const answer = (
    outcome: string,
    displayName: string | null,
    reason: string | null,
  ): LookupAnswer => ({
    lookupId: lookupIdOf(customerKey, event.eventId),
    kind: profile ? 'CHANNEL_PROFILE' : 'CONTACT',
    appId: event.appId,
    contactId: event.contactId,
    channel: event.channel,
    identity: event.identity,
    displayName,
    outcome,
    reason,
    requestedBy: 'agent-events',
    answeredAt: now(),
  });
  try {
    const name = profile
      ? await api.getChannelProfile({
          appId: event.appId,
          channel: event.channel,
          identity: event.identity,
        })
      : ((await api.getContact(event.contactId)).display_name ?? null);
    const shown = customerName(name, event.identity).displayName;
    return answer(shown === null ? 'NOT_FOUND' : 'FOUND', shown, null);
  } catch (error) {
    // The answer keeps the API's reason (NOT_FOUND, NETWORK_ERROR, ...), as the outbound record does.
    const reason = error instanceof SinchApiError ? error.reason : 'ERROR';
    // Sinch knows no name for this customer (NO_PROFILE_AVAILABLE, unknown contact): a negative answer.
    if (error instanceof SinchApiError && error.apiHttpStatus === 404)
      return answer('NOT_FOUND', null, reason);
    return answer('FAILED', null, `${reason}: ${(error as Error).message}`.slice(0, 500));
  }
}
