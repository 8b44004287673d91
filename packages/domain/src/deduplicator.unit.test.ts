import { Deduplicator } from './deduplicator';
import { normalizeWebhook } from './normalize';
import { callbackFixture, rawInput } from '@cpm/testkit';

describe('Deduplicator', () => {
  it('remembers ids without mutating the state, and stays JSON', () => {
    const empty = Deduplicator.empty();
    const state = Deduplicator.remember(empty, 'a');
    expect(Deduplicator.seen(state, 'a')).toBe(true);
    expect(Deduplicator.seen(empty, 'a')).toBe(false);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('forgets the oldest ids beyond its capacity', () => {
    let state = Deduplicator.empty();
    for (const id of ['a', 'b', 'c', 'd']) state = Deduplicator.remember(state, id, 3);
    expect(state.recent).toEqual(['b', 'c', 'd']);
    expect(Deduplicator.seen(state, 'a')).toBe(false);
  });

  it('drops a callback delivered twice (Sinch retry, or a second webhook with another nonce)', () => {
    const body = callbackFixture('message-delivery.json');
    const events = [
      ...normalizeWebhook(rawInput(body, '1')),
      ...normalizeWebhook(rawInput(body, '2')),
    ];
    const { state, fresh } = Deduplicator.filterNew(Deduplicator.empty(), events);
    expect(fresh).toHaveLength(1);
    expect(Deduplicator.filterNew(state, events).fresh).toEqual([]);
  });
});
