import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedStoreTests } from './blob-store-contract';
import { FsBlobStore } from './fs-blob-store';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cpm-media-fs-'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('FsBlobStore', () => {
  // Two stores on one directory: what MEDIA_STORE=fs allows, instances on a shared disk.
  // A file stream reads 64 KiB at a time.
  sharedStoreTests(() => ({
    a: new FsBlobStore(dir),
    b: new FsBlobStore(dir),
    partBytes: 64 * 1024,
    fileBytes: 5 * 64 * 1024 + 123,
  }));
});
