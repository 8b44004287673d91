import { assignByPartitionNumber } from './co-partitioned-assigner';

describe('assignByPartitionNumber', () => {
  it("gives every topic's partition n to the same member, where round robin over topic-partitions would not", () => {
    // 3 partitions, 2 members: round robin over [c0 c1 c2 e0 e1 e2] gives c0 and e0 to different members.
    const assignment = assignByPartitionNumber(
      ['member-b', 'member-a'],
      new Map([
        ['commands', [0, 1, 2]],
        ['events', [2, 1, 0]],
      ]),
    );
    expect(Object.fromEntries(assignment)).toEqual({
      'member-a': { commands: [0, 2], events: [0, 2] },
      'member-b': { commands: [1], events: [1] },
    });
  });

  it('assigns every partition once, whatever the counts', () => {
    const partitions = new Map([
      ['a', [0, 1, 2, 3, 4]],
      ['b', [0, 1, 2, 3, 4]],
      ['c', [0, 1, 2]],
    ]);
    for (const count of [1, 2, 3, 4, 7]) {
      const members = Array.from({ length: count }, (_, i) => `m${i}`);
      const assignment = assignByPartitionNumber(members, partitions);
      for (const [topic, list] of partitions) {
        const owners = list.map((p) =>
          [...assignment].filter(([, a]) => a[topic]?.includes(p)).map(([m]) => m),
        );
        expect(owners.every((o) => o.length === 1)).toBe(true);
        // the owner of partition n is the same for every topic that has it
        for (const p of list)
          expect(owners[list.indexOf(p)]).toEqual(
            [...assignment].filter(([, a]) => a.a?.includes(p)).map(([m]) => m),
          );
      }
    }
  });
});
