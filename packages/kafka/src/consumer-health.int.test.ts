import express from 'express';
import {
  createLogger,
  createMetrics,
  listen,
  opsRoutes,
  type HttpListener,
  type Metrics,
} from '@cpm/platform';
import { createTestEnv, loadEvent, type TestEnv } from '@cpm/testkit';
import { ensureTopics } from './admin';
import { changelogSpec, topicName } from './topics';
import { TransactionalProcessor, type ProcessContext } from './transactional-processor';

const NAME = 'health-test';
const INPUT = 'conversation.events.v1';
let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv({ partitions: 2, database: false });
  await ensureTopics(t.kafka, t.namespace, 2, [
    changelogSpec(`${NAME}-crash`),
    changelogSpec(`${NAME}-stall`),
  ]);
});
afterAll(() => t.cleanup());

interface Running {
  processor: TransactionalProcessor<number>;
  metrics: Metrics;
  http: HttpListener;
  stop(): Promise<void>;
}

/** A processor behind the shared ops routes, as a service mounts them; `handle` decides what a record does. */
async function serve(
  name: string,
  handle: (ctx: ProcessContext<number>) => Promise<void> | void,
): Promise<Running> {
  const metrics = createMetrics('test');
  const processor = new TransactionalProcessor<number>({
    name,
    kafka: t.kafka,
    codec: t.codec,
    namespace: t.namespace,
    inputs: [INPUT],
    dlqTopic: `${INPUT}.dlq`,
    initialState: () => 0,
    handle: async (_value, ctx) => {
      await handle(ctx);
      ctx.state.set(ctx.key, ctx.state.get(ctx.key) + 1);
      return [];
    },
    logger: createLogger('test', 'silent'),
    metrics,
    health: { fetchStallMs: 1_500, lagIntervalMs: 60_000 }, // the test measures the lag itself (refreshLag)
  });
  const http = await listen(
    express().use(opsRoutes(metrics.registry, async () => processor.health.check())),
    0,
  );
  return {
    processor,
    metrics,
    http,
    async stop() {
      await processor.stop();
      await http.close();
    },
  };
}

async function readyz(
  url: string,
): Promise<{ status: number; body: { ready: boolean; reason?: string } }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; reason?: string } };
}

/** Polls `check` until it returns a value, or fails with `what` after `timeoutMs`. */
async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let sent = 0;
/** Writes `n` events in one transaction: the partitions it touches get a commit marker after the records. */
async function produce(n: number): Promise<void> {
  const producer = t.kafka.producer({
    transactionalId: `health-test-writer-${t.namespace}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const tx = await producer.transaction();
    const messages = await Promise.all(
      Array.from({ length: n }, async () => {
        const e = loadEvent(sent++, 4);
        return { key: e.customerKey, value: await t.codec.encode(INPUT, e) };
      }),
    );
    await tx.send({ topic: topicName(t.namespace, INPUT), acks: -1, messages });
    await tx.commit();
  } finally {
    await producer.disconnect();
  }
}

async function totalLag(running: Running): Promise<{ total: number; partitions: number }> {
  await running.processor.health.refreshLag();
  const { values } = await running.metrics.consumerLag.get();
  return { total: values.reduce((sum, v) => sum + v.value, 0), partitions: values.length };
}

it('/readyz answers 503 before the group is joined, 200 once the state is restored, and 503 after a crash until a new consumer runs', async () => {
  let failing = false;
  const running = await serve(`${NAME}-crash`, () => {
    // A retriable failure fails the batch's transaction, which crashes the consumer (TransactionalProcessor).
    if (failing) throw Object.assign(new Error('a dependency is away'), { retriable: true });
  });
  try {
    expect(await readyz(running.http.url)).toEqual({
      status: 503,
      body: {
        status: 'not ready',
        ready: false,
        reason: 'the consumer has not joined its group yet',
      },
    });
    await running.processor.start();
    await until('ready', async () =>
      (await readyz(running.http.url)).status === 200 ? true : undefined,
    );
    expect((await readyz(running.http.url)).body).toEqual({ status: 'ready', ready: true });

    failing = true;
    await produce(1);
    const crashed = await until('a crash', async () => {
      const { status, body } = await readyz(running.http.url);
      return status === 503 && /crashed/.test(body.reason ?? '') ? body : undefined;
    });
    expect(crashed).toEqual({
      status: 'not ready',
      ready: false,
      reason: expect.stringContaining('a dependency is away'),
    });

    failing = false;
    await until(
      'ready again',
      async () => ((await readyz(running.http.url)).status === 200 ? true : undefined),
      60_000,
    );
    await until('the record processed: lag 0', async () =>
      (await totalLag(running)).total === 0 ? true : undefined,
    );
  } finally {
    await running.stop();
  }
  expect(running.processor.health.check()).toEqual({
    ready: false,
    reason: 'the consumer stopped',
  });
}, 120_000);

it('while the consumer is stalled the lag grows with every record and /readyz says it stopped fetching; once it catches up, lag 0 and ready', async () => {
  let release: () => void = () => undefined;
  const stalled = new Promise<void>((r) => (release = r));
  let stall = false;
  const running = await serve(`${NAME}-stall`, () => (stall ? stalled : undefined));
  try {
    await running.processor.start();
    await until('ready', async () =>
      (await readyz(running.http.url)).status === 200 ? true : undefined,
    );
    // Caught up with the record of the test before (its transaction marker skipped too): lag 0 on both partitions.
    await until('lag 0', async () => ((await totalLag(running)).total === 0 ? true : undefined));
    expect(await totalLag(running)).toEqual({ total: 0, partitions: 2 });

    stall = true;
    await produce(1); // its batch waits in the handler; kafkajs fetches nothing more meanwhile
    await produce(5);
    const first = (await totalLag(running)).total;
    await produce(5);
    const second = (await totalLag(running)).total;
    expect(first).toBeGreaterThanOrEqual(6);
    expect(second).toBeGreaterThanOrEqual(first + 5);
    const stuck = await until('a stall', async () => {
      const { status, body } = await readyz(running.http.url);
      return status === 503 ? body : undefined;
    });
    expect(stuck.reason).toMatch(/^no fetch answered for \d+ ms \(more than 1500 ms\)$/);

    stall = false;
    release();
    // Caught up: the committed offsets plus the transaction markers skipped after them reach the end.
    await until('lag 0', async () => ((await totalLag(running)).total === 0 ? true : undefined));
    await until('ready again', async () =>
      (await readyz(running.http.url)).status === 200 ? true : undefined,
    );
  } finally {
    release();
    await running.stop();
  }
}, 120_000);
