import { startTestS3, type TestS3 } from '@cpm/testkit';
import { sharedStoreTests } from './blob-store-contract';
import { loadMediaConfig } from './config';
import { openBlobStore } from './media';
import { S3BlobStore } from './s3-blob-store';
import { createLogger } from '@cpm/platform';

const PART = 5 * 1024 * 1024; // lib-storage's part: S3's smallest
let s3: TestS3;
let a: S3BlobStore;
let b: S3BlobStore;

beforeAll(async () => {
  // A real S3-compatible server (S3Mock from Maven Central), this test's own.
  s3 = await startTestS3(Number(process.env.TEST_S3_PORT ?? 19490));
  // Two stores opened from the settings an operator gives: two media instances on one bucket.
  const open = async () => {
    const config = loadMediaConfig({
      MEDIA_AGENT_TOKEN: 'agent-token-0123456789',
      MEDIA_URL_SECRET: 'test-url-secret-0123456789abcdef0123',
      MEDIA_STORE: 's3',
      MEDIA_S3_BUCKET: s3.bucket,
      MEDIA_S3_ENDPOINT: s3.endpoint,
      MEDIA_S3_ACCESS_KEY_ID: 'test-key',
      MEDIA_S3_SECRET_ACCESS_KEY: 'test-secret',
      MEDIA_S3_FORCE_PATH_STYLE: 'true',
      MEDIA_S3_PREFIX: 'cpm/',
    });
    const store = await openBlobStore(config, createLogger('media-test', 'silent'));
    expect(store).toBeInstanceOf(S3BlobStore);
    return store as S3BlobStore;
  };
  a = await open();
  b = await open();
}, 180_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await s3?.stop();
});

describe('S3BlobStore', () => {
  sharedStoreTests(() => ({ a, b, partBytes: PART, fileBytes: 2 * PART + 123_457 }));
});
