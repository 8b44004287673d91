import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { STORAGE_KEY, type BlobStore, type BlobUpload, type StoredBlob } from './blob-store';
import { FileWriter } from './file-writer';
import { BlobStoreError } from './media-error';

/**
 * BlobStore on a local directory: `<dir>/blobs/<first 2 hex>/<sha256>` with a
 * `<sha256>.json` sidecar (type, size), written to a temp file first and renamed into place,
 * so a reader never sees half a file.
 */
export class FsBlobStore implements BlobStore {
  constructor(readonly dir: string) {}

  private pathOf(key: string): string {
    if (!STORAGE_KEY.test(key)) throw new BlobStoreError(`not a storage key: ${key}`);
    return join(this.dir, 'blobs', key.slice(0, 2), key);
  }

  async begin(headBytes: number): Promise<BlobUpload> {
    const writer = await FileWriter.open(join(this.dir, 'tmp'), headBytes);
    return {
      get size() {
        return writer.size;
      },
      get head() {
        return writer.head;
      },
      write: (chunk) => writer.write(chunk),
      abort: () => writer.abort(),
      commit: async (contentType) => {
        const sha256 = await writer.finish();
        const path = this.pathOf(sha256);
        const existing = await this.stat(sha256);
        try {
          await mkdir(dirname(path), { recursive: true });
          if (existing) {
            await rm(writer.tempPath, { force: true });
            return { ...existing, created: false };
          }
          const blob: StoredBlob = { key: sha256, sha256, size: writer.size, contentType };
          await rename(writer.tempPath, path);
          await writeFile(`${path}.json.part`, JSON.stringify(blob));
          await rename(`${path}.json.part`, `${path}.json`);
          return { ...blob, created: true };
        } catch (error) {
          await writer.abort();
          throw new BlobStoreError(`cannot store ${sha256}`, error);
        }
      },
    };
  }

  async stat(key: string): Promise<StoredBlob | null> {
    if (!STORAGE_KEY.test(key)) return null;
    const path = this.pathOf(key);
    try {
      await stat(path);
      return JSON.parse(await readFile(`${path}.json`, 'utf8')) as StoredBlob;
    } catch {
      return null;
    }
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.pathOf(key), range ? { start: range.start, end: range.end } : {});
  }

  /** Every storage key in the store (for tests and audits). */
  async keys(): Promise<string[]> {
    const root = join(this.dir, 'blobs');
    const shards = await readdir(root).catch(() => [] as string[]);
    const names = await Promise.all(shards.map((s) => readdir(join(root, s))));
    return names.flat().filter((n) => STORAGE_KEY.test(n));
  }
}
