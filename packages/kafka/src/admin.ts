import { Partitioners, type Admin, type Kafka } from 'kafkajs';
import { TOPICS, topicName, type TopicSpec } from './topics';

/** Runs `work` with a connected admin client, disconnected afterwards whatever happens. */
export async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** The offsets of one partition: where its log starts and where a read_committed reader's end is. */
export interface PartitionEnds {
  low: bigint;
  /** kafkajs asks ListOffsets with read_committed: the last stable offset. */
  high: bigint;
}

/** Both ends of every partition of `topics` (full names), as `topic:partition` → ends. */
export async function partitionEnds(
  admin: Admin,
  topics: readonly string[],
): Promise<Map<string, PartitionEnds>> {
  const ends = new Map<string, PartitionEnds>();
  for (const topic of topics) {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic))
      ends.set(`${topic}:${partition}`, { low: BigInt(low), high: BigInt(high) });
  }
  return ends;
}

/**
 * The partition a record with this key goes to, out of `partitions`: what kafkajs's default
 * partitioner (the one every producer here uses) chooses, so where a customer's records are.
 */
export function partitionOfKey(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  return Partitioners.DefaultPartitioner()({
    topic: '',
    partitionMetadata,
    message: { key, value: null },
  });
}

/** A consumer group's committed offsets on `topics` (full names), as `topic:partition` → next offset; partitions without one are left out. */
export async function groupOffsets(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<Map<string, bigint>> {
  const offsets = new Map<string, bigint>();
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
    for (const { partition, offset } of partitions)
      if (Number(offset) >= 0) offsets.set(`${topic}:${partition}`, BigInt(offset));
  }
  return offsets;
}

/**
 * Creates missing topics (idempotent). Every topic gets the same partition count, so the
 * topics a service reads together are co-partitioned (docs/ARCHITECTURE.md#keys-and-partitioning).
 */
export async function ensureTopics(
  kafka: Kafka,
  namespace: string,
  partitions: number,
  specs: readonly TopicSpec[] = TOPICS,
): Promise<string[]> {
  // A topic created a moment ago can still be unknown to the metadata the broker serves;
  // creating is idempotent, so a failed attempt is simply made again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureTopicsOnce(kafka, namespace, partitions, specs);
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}

async function ensureTopicsOnce(
  kafka: Kafka,
  namespace: string,
  partitions: number,
  specs: readonly TopicSpec[],
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(topicName(namespace, s.name)));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: topicName(namespace, s.name),
          numPartitions: partitions,
          replicationFactor: -1,
          configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    return missing.map((s) => topicName(namespace, s.name));
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopicsWithPrefix(kafka: Kafka, prefix: string): Promise<void> {
  if (!prefix) throw new Error('refusing to delete topics without a prefix');
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
