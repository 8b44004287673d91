import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestEnv, type TestEnv } from '@cpm/testkit';
import { createPool } from './pool';
import { migrate, migrateCommand } from './migrate';

let t: TestEnv;
const allMigrations = readdirSync(join(__dirname, '..', 'migrations'))
  .filter((f) => f.endsWith('.sql'))
  .sort()
  .map((f) => f.replace(/\.sql$/, ''));
beforeAll(async () => {
  t = await createTestEnv();
});
afterAll(() => t.cleanup());

describe('migrations', () => {
  it('run on a fresh database, write nothing the second time, and give tables that take and return a row', async () => {
    expect(allMigrations[0]).toBe('001_projections');
    expect(await migrate(t.databaseUrl)).toEqual(allMigrations);
    expect(await migrate(t.databaseUrl)).toEqual([]);
    const pool = createPool(t.databaseUrl);
    try {
      await pool.query(
        `INSERT INTO projection.conversations (conversation_id, app_id, customer_key, last_event_at, attached_data, log_topic, log_partition, log_offset)
         VALUES ('conv-1', 'app', 'app:c1', now(), '{"orderId":"42"}', 'conversation.events.v1', 0, 7)`,
      );
      const { rows } = await pool.query(
        'SELECT conversation_id, state, attached_data, log_offset FROM projection.conversations',
      );
      expect(rows).toEqual([
        {
          conversation_id: 'conv-1',
          state: 'ACTIVE',
          attached_data: { orderId: '42' },
          log_offset: '7',
        },
      ]);
    } finally {
      await pool.end();
    }
  });

  it('can build the same tables in another schema (for blue-green rebuilds)', async () => {
    expect(await migrate(t.databaseUrl, 'projection_v2')).toEqual(allMigrations);
  });

  it('run from the bundled build (npm run build), without a TypeScript loader', async () => {
    await promisify(execFile)('npm', ['run', '-s', 'build'], {
      cwd: join(__dirname, '..', '..', '..'),
    });
    const [program, script] = migrateCommand(true);
    expect(program).toBe(process.execPath);
    expect(await migrate(t.databaseUrl, 'projection_bundled', [program, script])).toEqual(
      allMigrations,
    );
  });
});
