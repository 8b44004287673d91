import { KeyedState } from './keyed-state';

describe('KeyedState scopes (one per partition batch)', () => {
  it('commits or rolls back one batch without touching another batch under way', () => {
    const state = new KeyedState<number>(() => 0);
    const a = state.scope();
    const b = state.scope();
    a.set('k1', 1);
    b.set('k2', 2);
    expect(a.changes()).toEqual([['k1', 1, undefined]]);
    expect(b.changes()).toEqual([['k2', 2, undefined]]);
    a.commit();
    b.rollback();
    expect(state.get('k1')).toBe(1);
    expect(state.get('k2')).toBe(0);
    expect(state.changes()).toEqual([]);
  });

  it('reads its own staged writes before they commit, and a rolled-back write is gone', () => {
    const state = new KeyedState<string[]>(() => []);
    const s = state.scope();
    s.set('k', [...s.get('k'), 'x']);
    s.set('k', [...s.get('k'), 'y']);
    expect(s.get('k')).toEqual(['x', 'y']);
    s.rollback();
    expect(state.get('k')).toEqual([]);
  });
});
