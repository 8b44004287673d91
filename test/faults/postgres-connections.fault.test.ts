import { Client } from 'pg';
import { topicName } from '@cpm/kafka';
import { createTestEnv, type TestEnv, loadEvent } from '@cpm/testkit';
import {
  eventually,
  freePort,
  startService,
  verifyProjections,
  type ServiceProcess,
} from './service-process';

/**
 * Guarantee 2 for the projector when PostgreSQL goes away. The machine's PostgreSQL is
 * shared, so it is not restarted: every connection to this test's own database is
 * terminated (pg_terminate_backend), repeatedly, while events keep arriving. The projector
 * must resume by itself (same process) and end with every message row, once, and rows that
 * `replay verify` rebuilds from the log alike.
 * FAULT_MODE=long: 10 rounds of terminations instead of 4.
 */
const LONG = process.env.FAULT_MODE === 'long';
const ROUNDS = LONG ? 10 : 4;
const PER_ROUND = 250;
let t: TestEnv;
let projector: ServiceProcess | undefined;
beforeAll(async () => {
  t = await createTestEnv({ database: true, partitions: 3 });
});
afterAll(async () => {
  await projector?.kill('SIGTERM');
  await t?.cleanup();
});

it(`loses nothing and resumes by itself across ${ROUNDS} rounds of terminated connections`, async () => {
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  const db = new Client({ connectionString: t.databaseUrl });
  const dbName = new URL(t.databaseUrl).pathname.slice(1);
  const terminate = async (): Promise<number> => {
    const killed = await admin.query<{ ok: boolean }>(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [dbName],
    );
    return killed.rows.filter((r) => r.ok).length;
  };
  try {
    const port = await freePort();
    projector = startService('projector', 'services/projector/src/main.ts', {
      ...t.env,
      PROJECTOR_HTTP_PORT: String(port),
      CONSUMER_LAG_INTERVAL_MS: '200',
      LOG_LEVEL: 'warn',
    });
    // Connections are cut from the first moment: while the projector migrates and starts,
    // and while it writes. Then rounds of events, each followed by another cut.
    let terminated = 0;
    const startupCuts = Date.now() + 5_000;
    while (Date.now() < startupCuts) {
      terminated += await terminate();
      await new Promise((r) => setTimeout(r, 40));
    }
    let sent = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const messages = await Promise.all(
        Array.from({ length: PER_ROUND }, async (_, i) => {
          const event = loadEvent(sent + i);
          return {
            key: event.customerKey,
            value: await t.codec.encode('conversation.events.v1', event),
          };
        }),
      );
      sent += PER_ROUND;
      await producer.send({
        topic: topicName(t.namespace, 'conversation.events.v1'),
        acks: -1,
        messages,
      });
      for (const pause of [50, 200, 450]) {
        await new Promise((r) => setTimeout(r, pause));
        terminated += await terminate();
      }
    }
    expect(terminated).toBeGreaterThan(0); // the projector's connections were really cut

    await db.connect();
    const count = async (): Promise<number> =>
      Number(
        (
          await db
            .query<{ n: string }>(
              `SELECT count(*) AS n FROM projection.messages WHERE message_id LIKE 'm-%'`,
            )
            .catch(() => ({ rows: [{ n: '0' }] }))
        ).rows[0]!.n,
      );
    const complete = await eventually(async () => (await count()) >= sent, 90_000, 500);
    if (!complete || !projector.alive())
      console.error(`projector output (tail):\n${projector.output().slice(-6000)}`);
    expect({ complete, rows: await count(), sent, projectorAlive: projector.alive() }).toEqual({
      complete: true,
      rows: sent,
      sent,
      projectorAlive: true,
    });
    const ids = await db.query<{ message_id: string }>(
      `SELECT message_id FROM projection.messages WHERE message_id LIKE 'm-%'`,
    );
    const missing = Array.from({ length: sent }, (_, i) => `m-${i}`).filter(
      (id) => !ids.rows.some((r) => r.message_id === id),
    );
    expect(missing).toEqual([]);
    await verifyProjections(t.env, {
      partitions: t.partitions,
      projectorUrl: `http://127.0.0.1:${port}`,
    });
    const retries = projector.output().split('PostgreSQL connection lost; retrying').length - 1;
    console.log(
      `postgres fault: ${ROUNDS} rounds, ${terminated} backends terminated (${retries} start-up retries), ${sent} events → ${ids.rows.length} rows, projector never restarted`,
    );
  } finally {
    await db.end().catch(() => undefined);
    await producer.disconnect();
    await admin.end();
  }
}, 180_000);
