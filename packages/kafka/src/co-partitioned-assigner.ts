import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * Partition numbers per member: number n of every input goes to one member, numbers dealt in
 * turn to the members sorted by id (the first `count % members` members get one more).
 * Exported for its unit test.
 */
export function assignPartitionNumbers(
  memberIds: string[],
  numbers: number[],
): Map<string, number[]> {
  const members = [...memberIds].sort();
  const out = new Map(members.map((m) => [m, [] as number[]]));
  [...new Set(numbers)]
    .sort((a, b) => a - b)
    .forEach((n, i) => out.get(members[i % members.length]!)!.push(n));
  return out;
}

/**
 * The assignor of TransactionalProcessor's groups: partition n of every input topic to the
 * same member. kafkajs's default (RoundRobinAssigner) deals the topic-partitions of all
 * topics in one sequence, so with several inputs of 12 partitions and, say, 5 members,
 * partition 0 of the second input lands on another member than partition 0 of the first:
 * the state of a customer would then be restored and written by two members, and the
 * producers of partition number n (one transactional id per number) would fence each other
 * in turn. A group's members must all use this assignor (the broker refuses a join with no
 * protocol in common: INCONSISTENT_GROUP_PROTOCOL).
 */
export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'CoPartitionedAssigner',
  version: 0,
  async assign({ members, topics }) {
    const numbers = topics.flatMap((topic) =>
      cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId),
    );
    const byMember = assignPartitionNumbers(
      members.map((m) => m.memberId),
      numbers,
    );
    return [...byMember].map(([memberId, mine]) => {
      const assignment: Record<string, number[]> = {};
      for (const topic of topics) {
        const exists = new Set(cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId));
        const partitions = mine.filter((n) => exists.has(n));
        if (partitions.length > 0) assignment[topic] = partitions;
      }
      return {
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment,
          userData: Buffer.alloc(0),
        }),
      };
    });
  },
  protocol({ topics }) {
    return {
      name: 'CoPartitionedAssigner',
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: 0,
        topics,
        userData: Buffer.alloc(0),
      }),
    };
  },
});
