import { Kafka } from 'kafkajs';
import {
  cacheCoordinators,
  COORDINATOR_TTL_MS,
  producerWithCachedCoordinators,
} from './coordinator-cache';

function fakeCluster() {
  const broker = { connected: true, isConnected: () => broker.connected };
  const lookups: string[] = [];
  let fail = false;
  const cluster = {
    findGroupCoordinator: async ({
      groupId,
      coordinatorType,
    }: {
      groupId: string;
      coordinatorType?: number;
    }) => {
      lookups.push(`${coordinatorType ?? 0}:${groupId}`);
      if (fail) throw new Error('coordinator not available');
      return broker;
    },
  };
  return { cluster, broker, lookups, failNext: (v: boolean) => (fail = v) };
}

describe('cacheCoordinators', () => {
  it('asks once per coordinator while the connection holds and the TTL runs', async () => {
    let t = 0;
    const { cluster, lookups } = fakeCluster();
    cacheCoordinators(cluster, () => t);
    for (let i = 0; i < 5; i++)
      await cluster.findGroupCoordinator({ groupId: 'txn-1', coordinatorType: 1 });
    await cluster.findGroupCoordinator({ groupId: 'group-1' });
    expect(lookups).toEqual(['1:txn-1', '0:group-1']);
    t = COORDINATOR_TTL_MS;
    await cluster.findGroupCoordinator({ groupId: 'txn-1', coordinatorType: 1 });
    expect(lookups).toEqual(['1:txn-1', '0:group-1', '1:txn-1']);
  });

  it('asks again when the cached broker lost its connection or the lookup failed', async () => {
    const { cluster, broker, lookups, failNext } = fakeCluster();
    cacheCoordinators(cluster, () => 0);
    await cluster.findGroupCoordinator({ groupId: 'g' });
    broker.connected = false;
    await cluster.findGroupCoordinator({ groupId: 'g' });
    expect(lookups).toHaveLength(2);
    broker.connected = true;
    failNext(true);
    await expect(cluster.findGroupCoordinator({ groupId: 'h' })).rejects.toThrow(
      'coordinator not available',
    );
    failNext(false);
    await cluster.findGroupCoordinator({ groupId: 'h' });
    expect(lookups).toEqual(['0:g', '0:g', '0:h', '0:h']);
  });
});

it('producerWithCachedCoordinators finds the kafkajs hook it needs, and leaves the Kafka object as it was', () => {
  const kafka = new Kafka({ brokers: ['127.0.0.1:1'], clientId: 'hook-check' });
  const key = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  expect(key).toBeDefined(); // if kafkajs renames it, the cache silently stops: this says so
  const before = (kafka as unknown as Record<symbol, unknown>)[key!];
  const producer = producerWithCachedCoordinators(kafka, {
    transactionalId: 'x',
    idempotent: true,
    maxInFlightRequests: 1,
  });
  expect(typeof producer.transaction).toBe('function');
  expect((kafka as unknown as Record<symbol, unknown>)[key!]).toBe(before);
});
