import {
  agentView,
  mediaView,
  type AgentViewOptions,
  type ConversationEvent,
  type MediaOutcome,
} from '@cpm/domain';
import type { Emit, ProcessContext } from '@cpm/kafka';
import type { Logger, Metrics } from '@cpm/platform';
import type { AgentState } from './agent-state';
import type { LookupAnswer } from '@cpm/contracts';
import { applyLookup, lookupIdOf, needsLookup } from './name-lookup';

export interface AgentEventsHandlerOptions {
  view: AgentViewOptions;
  mediaBaseUrl: string;
  /** Catalogue name of the output: `agent.events.v1`, or its shadow in a replay. */
  outputTopic: string;
  /**
   * Display-name look-ups: `ask` calls Sinch (live), `recorded` answers from the log
   * (replay: never calls Sinch), absent: no look-ups.
   */
  lookup?:
    | { ask: (event: ConversationEvent, customerKey: string) => Promise<LookupAnswer | null> }
    | { recorded: ReadonlyMap<string, LookupAnswer> };
  metrics: Metrics;
  logger: Logger;
}

/**
 * One record of conversation.events.v1, conversation.media.v1 or sinch.lookups.v1 → agent
 * events (and, live, the look-up answer they use, written before them in the same
 * transaction). The rules are pure (agent-view.ts, media-view.ts); this is the shell.
 */
export function agentEventsHandler(o: AgentEventsHandlerOptions) {
  const emit = (value: { customerKey: string; type: string }, key: string): Emit => ({
    topic: o.outputTopic,
    key: value.customerKey || key,
    value,
    type: value.type,
  });
  return async (value: unknown, ctx: ProcessContext<AgentState>): Promise<Emit[]> => {
    const state = ctx.state.get(ctx.key);
    if (ctx.topic === 'sinch.lookups.v1') {
      // A replay knows every answer by look-up id: applying them in topic order could label an event the live run did not.
      if (o.lookup && 'recorded' in o.lookup) return [];
      const next = applyLookup(state, value as LookupAnswer);
      if (next !== state) ctx.state.set(ctx.key, next);
      return [];
    }
    if (ctx.topic === 'conversation.media.v1')
      return [emit(mediaView(value as MediaOutcome, state, o.mediaBaseUrl), ctx.key)];
    const event = value as ConversationEvent;
    const out: Emit[] = [];
    let before = state;
    if (o.lookup && needsLookup(event, state)) {
      const key = event.customerKey || ctx.key;
      const answer =
        'ask' in o.lookup
          ? await o.lookup.ask(event, key)
          : o.lookup.recorded.get(lookupIdOf(key, event.eventId));
      if (answer) {
        o.metrics.sinchLookups.inc({
          kind: answer.kind,
          outcome: answer.outcome,
          mode: 'ask' in o.lookup ? 'live' : 'replay',
        });
        before = applyLookup(state, answer);
        if ('ask' in o.lookup)
          out.push({ topic: 'sinch.lookups.v1', key, value: answer, type: answer.outcome });
      }
    }
    const result = agentView(event, before, o.view);
    if (result.quoteHidden) {
      o.metrics.quotesHidden.inc({ reason: result.quoteHidden });
      o.logger.info({ eventId: event.eventId, reason: result.quoteHidden }, 'quote not shown');
    }
    if (result.attachedDataInvalid) o.metrics.attachedDataInvalid.inc();
    if (result.statusUnchanged) o.metrics.duplicatesDropped.inc({ type: 'MESSAGE_STATUS' });
    if (result.endRepeated) o.metrics.duplicatesDropped.inc({ type: 'CONVERSATION_ENDED' });
    if (result.state !== state) ctx.state.set(ctx.key, result.state);
    for (const e of result.events) out.push(emit(e, ctx.key));
    return out;
  };
}
