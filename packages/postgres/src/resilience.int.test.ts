import { Client } from 'pg';
import { createTestEnv, type TestEnv } from '@cpm/testkit';
import { createPool } from './pool';
import {
  DatabaseUnavailableError,
  isTransientPgError,
  retryTransient,
  withClient,
} from './resilience';

let t: TestEnv;
let admin: Client;
beforeAll(async () => {
  t = await createTestEnv();
  admin = new Client({ connectionString: t.databaseUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await t.cleanup();
});

const terminate = (pid: number) => admin.query('SELECT pg_terminate_backend($1)', [pid]);

describe('withClient', () => {
  it('survives the backend of a checked-out client being terminated between two queries, and the pool goes on', async () => {
    const pool = createPool(t.databaseUrl, { max: 1 });
    pool.on('error', () => undefined);
    try {
      const outcome = await withClient(pool, async (client) => {
        const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!
          .pid;
        await terminate(pid);
        await new Promise((r) => setTimeout(r, 200)); // the 'error' event arrives while no query runs
        return client.query('SELECT 1').then(
          () => 'answered',
          (error: Error) => error,
        );
      });
      expect(outcome).toBeInstanceOf(Error);
      expect(isTransientPgError(outcome)).toBe(true);
      // The broken client was destroyed, not handed out again: the only slot gives a working one.
      expect((await pool.query<{ n: number }>('SELECT 2 AS n')).rows[0]!.n).toBe(2);
    } finally {
      await pool.end();
    }
  });
});

describe('retryTransient', () => {
  it('retries a step whose connection is terminated, and returns its result once it goes through', async () => {
    let attempts = 0;
    const result = await retryTransient('test step', async () => {
      attempts++;
      const client = new Client({ connectionString: t.databaseUrl });
      client.on('error', () => undefined);
      await client.connect();
      try {
        if (attempts === 1)
          await terminate(
            (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid,
          );
        return (await client.query<{ n: number }>('SELECT 42 AS n')).rows[0]!.n;
      } finally {
        await client.end().catch(() => undefined);
      }
    });
    expect({ result, attempts }).toEqual({ result: 42, attempts: 2 });
  });

  it('throws a non-transient error at once', async () => {
    let attempts = 0;
    const pool = createPool(t.databaseUrl);
    try {
      await expect(
        retryTransient('bad SQL', async () => {
          attempts++;
          return pool.query('SELEC 1');
        }),
      ).rejects.toMatchObject({ code: '42601' });
      expect(attempts).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('gives up with a typed error that says what to check when PostgreSQL stays unreachable', async () => {
    const unreachable = new URL(t.databaseUrl);
    unreachable.port = '1';
    const error = await retryTransient(
      'migrations',
      async () => {
        const client = new Client({ connectionString: unreachable.toString() });
        try {
          await client.connect();
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      { waitMs: 700 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error).toMatchObject({ code: 'CPM_ERR_DATABASE_UNAVAILABLE', retriable: true });
    expect((error as Error).message).toMatch(
      /migrations: PostgreSQL did not answer .*ECONNREFUSED.*DATABASE_URL/,
    );
  });
});
