import { KeyedState, type ProcessContext } from '@cpm/kafka';
import { createLogger, createMetrics } from '@cpm/platform';
import type { ConversationEvent } from '@cpm/domain';
import type { AgentEvent } from './agent-event';
import { agentEventsHandler, type AgentEventsHandlerOptions } from './agent-events-handler';
import { initialAgentState, type AgentState } from './agent-state';
import type { LookupAnswer } from '@cpm/contracts';
import { lookupIdOf } from './name-lookup';
import { customerSays, DAY } from '@cpm/testkit';

const view = {
  quoteMaxAgeMs: 3 * DAY,
  quoteMaxTextLength: 200,
  knownMessages: 500,
  knownStatuses: 500,
};

function setup(lookup?: AgentEventsHandlerOptions['lookup']) {
  const metrics = createMetrics('agent-events');
  const handle = agentEventsHandler({
    view,
    mediaBaseUrl: 'http://m',
    outputTopic: 'agent.events.v1.shadow',
    metrics,
    logger: createLogger('test', 'silent'),
    ...(lookup && { lookup }),
  });
  const state = new KeyedState<AgentState>(initialAgentState);
  const ctx = (topic: string, key: string): ProcessContext<AgentState> => ({
    topic,
    partition: 0,
    offset: '0',
    key,
    state,
    commitThen: (effect) => effect(),
  });
  return { handle, state, ctx, metrics };
}

const igEvent = (id: string): ConversationEvent =>
  customerSays({ id, channel: 'INSTAGRAM', identity: '17841400000009' });
const answer = (event: ConversationEvent, displayName: string | null): LookupAnswer => ({
  lookupId: lookupIdOf(event.customerKey, event.eventId),
  kind: 'CHANNEL_PROFILE',
  appId: event.appId,
  contactId: event.contactId,
  channel: event.channel,
  identity: event.identity,
  displayName,
  outcome: displayName === null ? 'NOT_FOUND' : 'FOUND',
  reason: null,
  requestedBy: 'agent-events',
  answeredAt: 1,
});

describe('agentEventsHandler: display-name look-ups (docs/DOMAIN.md#display-names)', () => {
  it('writes the answer to sinch.lookups.v1 before the agent event that uses it, and asks once per customer', async () => {
    const asked: string[] = [];
    const { handle, ctx, state } = setup({
      ask: async (event) => (asked.push(event.eventId), answer(event, 'Ines')),
    });
    const first = igEvent('ig-1');
    const out = await handle(first, ctx('conversation.events.v1', first.customerKey));
    expect(out.map((e) => e.topic)).toEqual(['sinch.lookups.v1', 'agent.events.v1.shadow']);
    expect((out[1]!.value as AgentEvent).customer.label).toBe('Ines');
    state.commit();
    const again = await handle(igEvent('ig-2'), ctx('conversation.events.v1', first.customerKey));
    expect(again.map((e) => e.topic)).toEqual(['agent.events.v1.shadow']);
    expect(asked).toEqual([first.eventId]);
  });

  it('caches a negative answer: the label stays the identity and Sinch is not asked again', async () => {
    let calls = 0;
    const { handle, ctx, state } = setup({ ask: async (event) => (calls++, answer(event, null)) });
    const first = igEvent('ig-3');
    const out = await handle(first, ctx('conversation.events.v1', first.customerKey));
    expect((out.at(-1)!.value as AgentEvent).customer.label).toBe('17841400000009');
    state.commit();
    await handle(igEvent('ig-4'), ctx('conversation.events.v1', first.customerKey));
    expect(calls).toBe(1);
  });

  it('records a failed call but asks again on the next event', async () => {
    let calls = 0;
    const { handle, ctx, state } = setup({
      ask: async (event) => (
        calls++,
        { ...answer(event, null), outcome: 'FAILED', reason: 'UNAVAILABLE' }
      ),
    });
    const first = igEvent('ig-7');
    const out = await handle(first, ctx('conversation.events.v1', first.customerKey));
    expect(out.map((e) => e.topic)).toEqual(['sinch.lookups.v1', 'agent.events.v1.shadow']);
    state.commit();
    await handle(igEvent('ig-8'), ctx('conversation.events.v1', first.customerKey));
    expect(calls).toBe(2);
  });

  it('in a replay, uses the recorded answer and writes no look-up', async () => {
    const first = igEvent('ig-5');
    const { handle, ctx } = setup({
      recorded: new Map([[lookupIdOf(first.customerKey, first.eventId), answer(first, 'Ines')]]),
    });
    const out = await handle(first, ctx('conversation.events.v1', first.customerKey));
    expect(out.map((e) => e.topic)).toEqual(['agent.events.v1.shadow']);
    expect((out[0]!.value as AgentEvent).customer.label).toBe('Ines');
  });

  it('in a replay, ignores sinch.lookups.v1 records: only the answer recorded for the event counts', async () => {
    const first = igEvent('ig-9');
    const { handle, ctx, state } = setup({ recorded: new Map() });
    await handle(answer(first, 'Ines'), ctx('sinch.lookups.v1', first.customerKey));
    state.commit();
    const out = await handle(first, ctx('conversation.events.v1', first.customerKey));
    expect((out[0]!.value as AgentEvent).customer.label).toBe('17841400000009');
  });

  it('learns a name from a sinch.lookups.v1 record read later', async () => {
    const first = igEvent('ig-6');
    const { handle, ctx, state } = setup();
    expect(await handle(answer(first, 'Ines'), ctx('sinch.lookups.v1', first.customerKey))).toEqual(
      [],
    );
    state.commit();
    const out = await handle(first, ctx('conversation.events.v1', first.customerKey));
    expect((out[0]!.value as AgentEvent).customer.label).toBe('Ines');
  });

  it('counts a hidden quote by reason', async () => {
    const { handle, ctx, metrics } = setup();
    const reply = customerSays({
      id: 'q-1',
      channel: 'SMS',
      identity: '15550001234',
      replyTo: 'x',
    });
    await handle(reply, ctx('conversation.events.v1', reply.customerKey));
    expect(await metrics.registry.getSingleMetricAsString('cpm_quotes_hidden_total')).toMatch(
      /reason="CHANNEL_NOT_SUPPORTED".* 1/,
    );
  });
});
