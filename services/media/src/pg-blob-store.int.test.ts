import { randomBytes } from 'node:crypto';
import { createPool, migrate } from '@cpm/postgres';
import { createTestEnv, type TestEnv } from '@cpm/testkit';
import { sharedStoreTests } from './blob-store-contract';
import { ABANDONED_UPLOAD_MS } from './blob-store';
import { PgBlobStore } from './pg-blob-store';

const CHUNK = 64 * 1024;
let t: TestEnv;
let a: PgBlobStore;
let b: PgBlobStore;

beforeAll(async () => {
  t = await createTestEnv({ partitions: 1 });
  await migrate(t.databaseUrl);
  // Two stores on two pools: two media instances on one database.
  a = new PgBlobStore(createPool(t.databaseUrl), CHUNK);
  b = new PgBlobStore(createPool(t.databaseUrl), CHUNK);
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await t.cleanup();
});

describe('PgBlobStore', () => {
  sharedStoreTests(() => ({ a, b, partBytes: CHUNK, fileBytes: 5 * CHUNK + 123 }));

  it('writes chunks while the bytes arrive, before the upload is committed, and leaves no unnamed object', async () => {
    const pool = createPool(t.databaseUrl);
    try {
      const chunksNow = async () =>
        (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM media.chunks')).rows[0]!.n;
      const before = await chunksNow();
      const up = await a.begin(16);
      for (let i = 0; i < 3; i++) await up.write(randomBytes(CHUNK));
      expect(await chunksNow()).toBe(before + 3);
      expect(await b.unnamedObjects()).toBe(1);
      await up.commit('audio/ogg');
      expect(await b.unnamedObjects()).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('sweeps an upload abandoned by a crashed instance once it is older than ABANDONED_UPLOAD_MS', async () => {
    const up = await a.begin(16);
    await up.write(randomBytes(CHUNK + 1));
    const young = await a.begin(16);
    await young.write(randomBytes(10));
    const pool = createPool(t.databaseUrl);
    try {
      // The first upload was started long ago and never finished (its instance died).
      await pool.query(
        `UPDATE media.objects SET started_at = now() - make_interval(secs => $1)
          WHERE id = (SELECT min(id) FROM media.objects o
            WHERE NOT EXISTS (SELECT 1 FROM media.blobs b WHERE b.object_id = o.id)
              AND NOT EXISTS (SELECT 1 FROM media.attachments x WHERE x.object_id = o.id))`,
        [ABANDONED_UPLOAD_MS / 1000 + 60],
      );
      expect(await b.unnamedObjects()).toBe(2);
      await b.sweep(Date.now());
      expect(await b.unnamedObjects()).toBe(1); // the young one is still being written
      await young.abort();
      expect(await b.unnamedObjects()).toBe(0);
    } finally {
      await pool.end();
    }
  });
});
