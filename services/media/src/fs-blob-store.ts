import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  ABANDONED_UPLOAD_MS,
  ATTACHMENT_ID,
  STORAGE_KEY,
  type BlobStore,
  type BlobUpload,
  type ByteRange,
  type PublicAttachment,
  type StoredBlob,
} from './blob-store';
import { FileWriter } from './file-writer';
import { BlobStoreError } from './media-error';

/**
 * BlobStore on a local directory, for one instance alone (or instances sharing the
 * directory): `<dir>/blobs/<first 2 hex>/<sha256>` with a `<sha256>.json` sidecar (type,
 * size), agent attachments in `<dir>/public/<id>` with a sidecar (type, name, expiry). Bytes
 * are written to a temp file first and renamed into place, so a reader never sees half a file.
 */
export class FsBlobStore implements BlobStore {
  private readonly publicDir: string;

  constructor(readonly dir: string) {
    this.publicDir = join(dir, 'public');
  }

  private pathOf(key: string): string {
    if (!STORAGE_KEY.test(key)) throw new BlobStoreError(`not a storage key: ${key}`);
    return join(this.dir, 'blobs', key.slice(0, 2), key);
  }

  private attachmentPath(id: string): string {
    if (!ATTACHMENT_ID.test(id)) throw new BlobStoreError(`not an attachment id: ${id}`);
    return join(this.publicDir, id);
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
      publish: async (meta) => {
        await writer.finish();
        const attachment: PublicAttachment = { ...meta, size: writer.size };
        const path = this.attachmentPath(meta.id);
        try {
          await mkdir(this.publicDir, { recursive: true });
          await rename(writer.tempPath, path);
          await writeFile(`${path}.json`, JSON.stringify(attachment));
          return attachment;
        } catch (error) {
          await writer.abort();
          throw new BlobStoreError(`cannot publish ${meta.id}`, error);
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

  read(key: string, range?: ByteRange): Readable {
    return createReadStream(this.pathOf(key), range ? { start: range.start, end: range.end } : {});
  }

  async keys(): Promise<string[]> {
    const root = join(this.dir, 'blobs');
    const shards = await readdir(root).catch(() => [] as string[]);
    const names = await Promise.all(shards.map((s) => readdir(join(root, s))));
    return names.flat().filter((n) => STORAGE_KEY.test(n));
  }

  async attachment(id: string): Promise<PublicAttachment | null> {
    if (!ATTACHMENT_ID.test(id)) return null;
    try {
      return JSON.parse(
        await readFile(`${this.attachmentPath(id)}.json`, 'utf8'),
      ) as PublicAttachment;
    } catch {
      return null;
    }
  }

  readAttachment(id: string, range?: ByteRange): Readable {
    return createReadStream(this.attachmentPath(id), range ?? {});
  }

  async sweep(nowMs: number): Promise<number> {
    const names = await readdir(this.publicDir).catch(() => [] as string[]);
    let deleted = 0;
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const id = name.slice(0, -5);
      const meta = await this.attachment(id);
      if (meta && meta.expiresAtMs > nowMs) continue;
      await rm(join(this.publicDir, id), { force: true });
      await rm(join(this.publicDir, name), { force: true });
      deleted++;
    }
    const tmp = join(this.dir, 'tmp');
    for (const name of await readdir(tmp).catch(() => [] as string[])) {
      const started = await stat(join(tmp, name)).catch(() => null);
      if (started && started.mtimeMs < nowMs - ABANDONED_UPLOAD_MS)
        await rm(join(tmp, name), { force: true });
    }
    return deleted;
  }

  async close(): Promise<void> {}
}
