import { AssignerProtocol, type Admin, type Kafka } from 'kafkajs';

/** A consumer group now: its state and, per member, its client id and the partitions of `topic` it holds. */
export async function groupMembers(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<{ state: string; members: { clientId: string; partitions: number[] }[] }> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  if (!group) return { state: 'Dead', members: [] };
  return {
    state: group.state,
    members: group.members.map((m) => {
      const decoded =
        m.memberAssignment.length > 0
          ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment)
          : null;
      return { clientId: m.clientId, partitions: decoded?.assignment[topic] ?? [] };
    }),
  };
}

/** The subset of kafkajs's Cluster used here (not in its public types). */
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number }[];
  fetchTopicsOffset(
    topics: { topic: string; fromBeginning: boolean; partitions: { partition: number }[] }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/**
 * The partitions of `topic` where a transaction is open now, each with its last stable
 * offset: the first offset of the oldest open transaction there, which read_committed
 * readers cannot pass until it is committed or aborted.
 *
 * An open transaction is records past the last stable offset, i.e. a high watermark above
 * it. kafkajs's admin asks ListOffsets with read_committed only (its `high` is the last
 * stable offset), and has no DescribeTransactions; the high watermark is asked with
 * read_uncommitted by a cluster client of kafkajs's own, made by the factory it keeps under
 * a private symbol (kafkajs 2.2). Test code only.
 */
export async function openTransactions(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const factory = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  if (!factory)
    throw new Error(
      'kafkajs no longer keeps its cluster factory under private:Kafka:createCluster: openTransactions needs another way to ask for high watermarks',
    );
  const createCluster = (
    kafka as unknown as Record<symbol, (o: { isolationLevel: number }) => KafkajsCluster>
  )[factory]!;
  const cluster = createCluster({ isolationLevel: 0 }); // READ_UNCOMMITTED: ListOffsets answers the high watermark
  const admin = kafka.admin();
  await Promise.all([cluster.connect(), admin.connect()]);
  try {
    await cluster.addTargetTopic(topic);
    const partitions = cluster
      .findTopicPartitionMetadata(topic)
      .map((p) => ({ partition: p.partitionId }));
    // Two reads one after the other: a transaction that commits between them can show as
    // open here. A caller that needs certainty asks again and keeps what stayed the same.
    const stable = new Map(
      (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.offset)]),
    );
    const [high] = await cluster.fetchTopicsOffset([{ topic, fromBeginning: false, partitions }]);
    const open = new Map<number, bigint>();
    for (const { partition, offset } of high?.partitions ?? []) {
      const lso = stable.get(partition);
      if (lso !== undefined && BigInt(offset) > lso) open.set(partition, lso);
    }
    return open;
  } finally {
    await Promise.all([cluster.disconnect(), admin.disconnect()]);
  }
}
