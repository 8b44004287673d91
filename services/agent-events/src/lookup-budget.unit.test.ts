import { LookupBudget } from './lookup-budget';

describe('LookupBudget', () => {
  it('allows `perSecond` look-ups per app, refuses more without waiting, and refills with time', () => {
    let now = 0;
    const budget = new LookupBudget(2, () => now);
    expect([budget.tryTake('a'), budget.tryTake('a'), budget.tryTake('a')]).toEqual([
      true,
      true,
      false,
    ]);
    expect(budget.tryTake('b')).toBe(true); // per app
    now += 500;
    expect([budget.tryTake('a'), budget.tryTake('a')]).toEqual([true, false]);
  });
});
