import type { AgentState, DeliveryState, KnownMessage, KnownOffer } from '@cpm/domain';
import type { ChangelogList } from '@cpm/kafka';

// The state itself is the pure agent view's, so it lives in @cpm/domain; how the changelog keeps it is this service's.
export { initialAgentState, type AgentState, type KnownLookup } from '@cpm/domain';

/**
 * The lists the changelog keeps item by item: a new message writes itself, not the 500
 * before it (StateChangelog).
 */
export const agentStateChangelogLists = [
  {
    name: 'message',
    get: (s) => s.messages,
    with: (s, messages) => ({ ...s, messages }),
    id: (m) => m.messageId,
  } satisfies ChangelogList<AgentState, KnownMessage>,
  {
    name: 'status',
    get: (s) => s.statuses,
    with: (s, statuses) => ({ ...s, statuses }),
    id: ([id]) => id,
  } satisfies ChangelogList<AgentState, [string, DeliveryState]>,
  {
    name: 'offer',
    // A header written before offers were kept has none.
    get: (s) => s.offers ?? [],
    with: (s, offers) => ({ ...s, offers }),
    id: (o) => o.messageId,
  } satisfies ChangelogList<AgentState, KnownOffer>,
];
