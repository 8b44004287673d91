import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

const NAME = 'CoPartitionedAssigner';

/**
 * Pure: which partitions each member gets when every topic's partition _n_ must go to the
 * same member (co-partitioned inputs: partition _n_ of each holds the same customers, whose
 * state one member keeps). Partition numbers go round robin over the members sorted by id.
 */
export function assignByPartitionNumber(
  memberIds: readonly string[],
  partitionsByTopic: ReadonlyMap<string, readonly number[]>,
): Map<string, Record<string, number[]>> {
  const members = [...memberIds].sort();
  const numbers = [...new Set([...partitionsByTopic.values()].flat())].sort((a, b) => a - b);
  const owner = new Map(numbers.map((n, i) => [n, members[i % members.length]!]));
  const assignment = new Map(members.map((m) => [m, {} as Record<string, number[]>]));
  for (const [topic, partitions] of partitionsByTopic)
    for (const p of [...partitions].sort((a, b) => a - b))
      (assignment.get(owner.get(p)!)![topic] ??= []).push(p);
  return assignment;
}

/**
 * The consumer-group assigner of TransactionalProcessor. kafkajs's default (round robin over
 * every topic-partition) gives partition _n_ of two inputs to different members unless the
 * partition count is a multiple of the member count: a member would then process the
 * events of customers whose state another member holds, and their changelog writes would
 * overwrite each other. Listed before round robin, so that a group whose older members
 * know only round robin still agrees on a protocol during a rolling upgrade (it switches
 * once every member knows this one).
 */
export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: NAME,
  version: 0,
  assign({ members, topics }) {
    const partitions = new Map(
      topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).map((m) => m.partitionId)]),
    );
    const assignment = assignByPartitionNumber(
      members.map((m) => m.memberId),
      partitions,
    );
    return Promise.resolve(
      [...assignment].map(([memberId, topicPartitions]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: topicPartitions,
          userData: Buffer.alloc(0),
        }),
      })),
    );
  },
  protocol({ topics }) {
    return {
      name: NAME,
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: 0,
        topics,
        userData: Buffer.alloc(0),
      }),
    };
  },
});
