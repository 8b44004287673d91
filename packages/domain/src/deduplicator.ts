import type { ConversationEvent } from '@cpm/contracts';

/**
 * De-duplication state of ONE customer key: the ids of its most recent events, oldest
 * first. Plain JSON, so a service can keep it in a changelog (or a table) keyed by the
 * customer key and restore it after a restart.
 *
 * Bounded by count, not by time: a Sinch retry or the copy sent to a second webhook
 * arrives within the next few hundred events of the same customer, and a count bound
 * needs no clock. Default capacity 1000 ids (~65 kB of JSON per active customer).
 */
export interface DedupState {
  recent: string[];
}

export const DEFAULT_DEDUP_CAPACITY = 1000;

export const Deduplicator = {
  empty(): DedupState {
    return { recent: [] };
  },

  seen(state: DedupState, eventId: string): boolean {
    return state.recent.includes(eventId);
  },

  /** The state with `eventId` remembered (the oldest ids dropped beyond capacity). */
  remember(
    state: DedupState,
    eventId: string,
    capacity: number = DEFAULT_DEDUP_CAPACITY,
  ): DedupState {
    if (Deduplicator.seen(state, eventId)) return state;
    const recent = [...state.recent, eventId];
    return { recent: recent.length > capacity ? recent.slice(recent.length - capacity) : recent };
  },

  /** Keeps the events not seen before (nor earlier in the same batch), and remembers them. */
  filterNew(
    state: DedupState,
    events: readonly ConversationEvent[],
    capacity: number = DEFAULT_DEDUP_CAPACITY,
  ): { state: DedupState; fresh: ConversationEvent[] } {
    // One look-up per event and one copy of the ids per call, not two per event: this runs
    // for every callback, with up to `capacity` ids (bench/RESULTS.md "Profiles").
    const fresh: ConversationEvent[] = [];
    const added: string[] = [];
    for (const event of events) {
      if (state.recent.includes(event.eventId) || added.includes(event.eventId)) continue;
      fresh.push(event);
      added.push(event.eventId);
    }
    if (added.length === 0) return { state, fresh };
    const recent = state.recent.concat(added);
    return {
      state: { recent: recent.length > capacity ? recent.slice(recent.length - capacity) : recent },
      fresh,
    };
  },
};
