import { assignPartitionNumbers } from './co-partitioned-assigner';

describe('assignPartitionNumbers (partition n of every input to one member)', () => {
  it('deals every number once, evenly, whatever the member count (also where 12 topic-partitions per topic do not divide)', () => {
    const numbers = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    for (const count of [1, 2, 3, 5, 7, 12, 13]) {
      const members = Array.from({ length: count }, (_, i) => `m${i}`);
      // Three co-partitioned inputs: each number appears three times, and is still dealt once.
      const out = assignPartitionNumbers(members, [...numbers, ...numbers, ...numbers]);
      const dealt = [...out.values()].flat();
      expect(dealt.sort((a, b) => a - b)).toEqual(numbers);
      const sizes = [...out.values()].map((l) => l.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('gives the same answer whatever order the members come in', () => {
    const a = assignPartitionNumbers(['b', 'a', 'c'], [0, 1, 2, 3]);
    const b = assignPartitionNumbers(['c', 'b', 'a'], [3, 2, 1, 0]);
    expect([...a]).toEqual([...b]);
    expect(a.get('a')).toEqual([0, 3]);
  });
});
