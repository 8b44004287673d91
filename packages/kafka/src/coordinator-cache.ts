import type { Kafka, Producer, ProducerConfig } from 'kafkajs';

/** How long a coordinator found once is used without asking again (while its connection holds). */
export const COORDINATOR_TTL_MS = 10_000;

interface CoordinatorLookup {
  groupId: string;
  coordinatorType?: number;
}
interface BrokerLike {
  isConnected(): boolean;
}
interface ClusterLike {
  findGroupCoordinator(lookup: CoordinatorLookup): Promise<BrokerLike>;
}
type CreateCluster = (options: Record<string, unknown>) => ClusterLike;

/**
 * A transactional producer that asks for its coordinators once, not before every request.
 *
 * kafkajs 2.2.4 sends FindCoordinator before each AddPartitionsToTxn, AddOffsetsToTxn,
 * TxnOffsetCommit and EndTxn (src/producer/eosManager/index.js), so a transaction of one
 * produce request costs nine round trips to the broker, one after the other, and a
 * consumer downstream waits for all of them. Here the cluster object of this one producer
 * remembers each coordinator for COORDINATOR_TTL_MS while its connection is up: five round
 * trips. If a coordinator moves, the next request to the old one fails, the transaction
 * fails, and RenewableTransactionalProducer replaces the producer, cache and all.
 *
 * kafkajs offers no hook for this: the cluster is built by a private method of the Kafka
 * object, wrapped here for the one synchronous `kafka.producer()` call. If a kafkajs
 * version no longer has that method, the producer is made as usual, without the cache.
 */
export function producerWithCachedCoordinators(
  kafka: Kafka,
  config: ProducerConfig,
  now: () => number = Date.now,
): Producer {
  const holder = kafka as unknown as Record<symbol, CreateCluster>;
  const key = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const original = key ? holder[key] : undefined;
  if (!key || typeof original !== 'function') return kafka.producer(config);
  holder[key] = (options) => cacheCoordinators(original(options), now);
  try {
    return kafka.producer(config);
  } finally {
    holder[key] = original;
  }
}

/** Wraps `cluster.findGroupCoordinator` with a per-cluster cache (exported for its unit test). */
export function cacheCoordinators<C extends ClusterLike>(
  cluster: C,
  now: () => number = Date.now,
): C {
  const find = cluster.findGroupCoordinator.bind(cluster);
  const cache = new Map<string, { broker: Promise<BrokerLike>; at: number }>();
  cluster.findGroupCoordinator = async (lookup: CoordinatorLookup) => {
    const id = `${lookup.coordinatorType ?? 0}:${lookup.groupId}`;
    const hit = cache.get(id);
    if (hit && now() - hit.at < COORDINATOR_TTL_MS) {
      const broker = await hit.broker.catch(() => null);
      if (broker?.isConnected()) return broker;
    }
    const broker = find(lookup);
    const entry = { broker, at: now() };
    cache.set(id, entry);
    // A failed lookup is forgotten, unless a newer lookup has replaced it meanwhile.
    broker.catch(() => cache.get(id) === entry && cache.delete(id));
    return broker;
  };
  return cluster;
}
