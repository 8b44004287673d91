import { MAX_ROUNDS, rangeRounds } from './audit';

describe('rangeRounds: indexed positions → bounded range reads', () => {
  it('puts positions closer than the gap in one range, [first, last + 1)', () => {
    const rounds = rangeRounds(new Map([['t:0', [5n, 7n, 30n, 9n]]]), 10n);
    expect(rounds).toEqual([new Map([['t:0', [5n, 10n]]]), new Map([['t:0', [30n, 31n]]])]);
  });

  it('reads the i-th range of every partition in round i', () => {
    const rounds = rangeRounds(
      new Map([
        ['a:1', [0n, 100n]],
        ['b:1', [50n]],
      ]),
      10n,
    );
    expect(rounds).toEqual([
      new Map([
        ['a:1', [0n, 1n]],
        ['b:1', [50n, 51n]],
      ]),
      new Map([['a:1', [100n, 101n]]]),
    ]);
  });

  it('merges nearby ranges when a partition would need more than MAX_ROUNDS reads, never losing a position', () => {
    const offsets = Array.from({ length: 100 }, (_, i) => BigInt(i * 1000));
    const rounds = rangeRounds(new Map([['t:0', offsets]]), 10n);
    expect(rounds.length).toBeLessThanOrEqual(MAX_ROUNDS);
    for (const x of offsets)
      expect(rounds.some((r) => r.get('t:0')![0] <= x && x < r.get('t:0')![1])).toBe(true);
  });
});
