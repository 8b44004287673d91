import type { KnownOffer } from './agent-content';
import type { DeliveryState } from './delivery-status';
import type { KnownMessage } from './quoting';

/** The answer of a display-name look-up (sinch.lookups.v1), as the state keeps it. */
export interface KnownLookup {
  lookupId: string;
  outcome: string;
  displayName: string | null;
}

/**
 * What agent-events knows of one customer (key = customer key), restored from its
 * changelog. Small and JSON-serializable: bounded lists, quoted texts cut to what quoting
 * shows.
 */
export interface AgentState {
  /** From CONTACT_CREATED/UPDATED (placeholder `Unknown` ignored), else from a look-up. */
  displayName: string | null;
  /** The look-up answer already used for this customer (negative ones too): never asked again. */
  lookup: KnownLookup | null;
  /** The last channel view of the customer, for media outcomes (which carry no channel). */
  identity: string;
  channel: string;
  sourceChannel: string;
  /** Recent messages, oldest first, both directions (a customer's own message is known, and refused). */
  messages: KnownMessage[];
  /** Delivery state per agent message id, oldest first. */
  statuses: [string, DeliveryState][];
  /** The options of recent app messages that offered choices, oldest first (MESSAGE_SUBMITTED). */
  offers: KnownOffer[];
  /** Conversations already shown as ended, oldest first: a second stop of one is dropped. */
  endedConversations: string[];
}

export const initialAgentState = (): AgentState => ({
  displayName: null,
  lookup: null,
  identity: '',
  channel: '',
  sourceChannel: '',
  messages: [],
  statuses: [],
  offers: [],
  endedConversations: [],
});
