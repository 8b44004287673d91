import { Readable } from 'node:stream';
import type { Pool, QueryResultRow } from 'pg';
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
import { BlobStoreError } from './media-error';
import { mediaPlans } from './plans';
import { talliedUpload, UploadTally } from './upload-tally';

/** 256 KiB: a 16 MiB file is 64 rows; a reader holds one chunk at a time. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

/** Where an object's bytes are, as a reader needs to know. */
interface ObjectPlace {
  object_id: string;
  size: string;
  chunk_size: number;
}

/**
 * BlobStore in PostgreSQL (the default, MEDIA_STORE=postgres): every instance on the same
 * database serves every file. Bytes go in as rows of `chunkBytes` (media.chunks) while they
 * arrive, under an object that is named once complete: by its SHA-256 (a blob) or by an
 * attachment id. A read fetches one chunk, or the part of it a byte range needs, at a time.
 * Neither direction ever holds more than a chunk (and the piece being written) in memory.
 * Chunks rather than PostgreSQL large objects: plain rows need no extra library, a range
 * is one indexed row and a substring, and deleting an object deletes its chunks (ON DELETE
 * CASCADE), where large objects are left behind unless unlinked one by one.
 */
export class PgBlobStore implements BlobStore {
  constructor(
    private readonly pool: Pool,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {}

  private async query<R extends QueryResultRow>(
    what: string,
    sql: string,
    params: unknown[],
  ): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (error) {
      throw new BlobStoreError(`${what}: ${(error as Error).message}`, error);
    }
  }

  async begin(headBytes: number): Promise<BlobUpload> {
    const [object] = await this.query<{ id: string }>(
      'cannot start an upload',
      mediaPlans.beginObject,
      [this.chunkBytes],
    );
    const objectId = object!.id;
    const tally = new UploadTally(headBytes);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let seq = 0;
    /** Writes every full chunk, and the last partial one when the upload ends. */
    const flush = async (end: boolean) => {
      while (pendingBytes >= this.chunkBytes || (end && pendingBytes > 0)) {
        const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        const piece = all.subarray(0, this.chunkBytes);
        await this.query('cannot write a chunk', mediaPlans.writeChunk, [objectId, seq, piece]);
        seq++;
        const rest = all.subarray(piece.length);
        pending = rest.length ? [rest] : [];
        pendingBytes = rest.length;
      }
    };
    const drop = () =>
      // Best effort: what is left behind is swept as an abandoned upload.
      this.pool.query(mediaPlans.dropObject, [objectId]).then(
        () => undefined,
        () => undefined,
      );
    /** A commit or publish that fails leaves nothing behind either. */
    const dropOnError = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        await drop();
        throw error;
      }
    };
    return talliedUpload(tally, {
      write: async (chunk) => {
        pending.push(chunk);
        pendingBytes += chunk.length;
        await flush(false);
      },
      abort: drop,
      commit: async (contentType) => {
        const sha256 = tally.sha256();
        const named = await dropOnError(async () => {
          await flush(true);
          return this.query('cannot store a blob', mediaPlans.commitBlob, [
            sha256,
            objectId,
            tally.size,
            contentType,
          ]);
        });
        if (named.length === 1)
          return { key: sha256, sha256, size: tally.size, contentType, created: true };
        await drop();
        const existing = await this.stat(sha256);
        if (!existing) throw new BlobStoreError(`${sha256} vanished while being stored`);
        return { ...existing, created: false };
      },
      publish: async (meta) => {
        await dropOnError(async () => {
          await flush(true);
          await this.query('cannot publish an attachment', mediaPlans.publishAttachment, [
            meta.id,
            objectId,
            meta.contentType,
            meta.fileName,
            tally.size,
            meta.expiresAtMs,
          ]);
        });
        return { ...meta, size: tally.size };
      },
    });
  }

  async stat(key: string): Promise<StoredBlob | null> {
    if (!STORAGE_KEY.test(key)) return null;
    const [row] = await this.query<{ key: string; size: string; content_type: string }>(
      'cannot look up a blob',
      mediaPlans.statBlob,
      [key],
    );
    return row
      ? { key: row.key, sha256: row.key, size: Number(row.size), contentType: row.content_type }
      : null;
  }

  read(key: string, range?: ByteRange): Readable {
    return this.readObject(`stored file ${key}`, mediaPlans.blobObject, key, range);
  }

  async keys(): Promise<string[]> {
    const rows = await this.query<{ key: string }>('cannot list blobs', mediaPlans.blobKeys, []);
    return rows.map((r) => r.key);
  }

  async attachment(id: string): Promise<PublicAttachment | null> {
    if (!ATTACHMENT_ID.test(id)) return null;
    const [row] = await this.query<{
      id: string;
      content_type: string;
      file_name: string | null;
      size: string;
      expires_at_ms: string;
    }>('cannot look up an attachment', mediaPlans.attachment, [id]);
    return row
      ? {
          id: row.id,
          contentType: row.content_type,
          fileName: row.file_name,
          size: Number(row.size),
          expiresAtMs: Number(row.expires_at_ms),
        }
      : null;
  }

  readAttachment(id: string, range?: ByteRange): Readable {
    return this.readObject(`attachment ${id}`, mediaPlans.attachmentObject, id, range);
  }

  async sweep(nowMs: number): Promise<number> {
    const [swept] = await this.query<{ deleted: number }>(
      'cannot delete expired attachments',
      mediaPlans.sweepAttachments,
      [nowMs],
    );
    await this.query('cannot delete abandoned uploads', mediaPlans.sweepAbandoned, [
      ABANDONED_UPLOAD_MS,
    ]);
    return swept?.deleted ?? 0;
  }

  /** Objects nothing names yet: uploads in progress or abandoned (for tests and audits). */
  async unnamedObjects(): Promise<number> {
    const [row] = await this.query<{ n: number }>(
      'cannot count uploads',
      mediaPlans.unnamedObjects,
      [],
    );
    return row?.n ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** A stream of the object named `name`, fetched one chunk (or the part a range needs) at a time. */
  private readObject(what: string, locate: string, name: string, range?: ByteRange): Readable {
    const query = this.query.bind(this);
    async function* chunks(): AsyncGenerator<Buffer> {
      const [place] = await query<ObjectPlace>(`cannot find ${what}`, locate, [name]);
      if (!place) throw new BlobStoreError(`no ${what}`);
      const size = Number(place.size);
      const end = Math.min(range?.end ?? size - 1, size - 1);
      for (let at = range?.start ?? 0; at <= end;) {
        const seq = Math.floor(at / place.chunk_size);
        const offset = at - seq * place.chunk_size;
        const length = Math.min(place.chunk_size - offset, end - at + 1);
        const [row] = await query<{ data: Buffer }>(`cannot read ${what}`, mediaPlans.readChunk, [
          place.object_id,
          seq,
          offset + 1,
          length,
        ]);
        if (row?.data.length !== length)
          throw new BlobStoreError(`${what}: chunk ${seq} is missing or short`);
        yield row.data;
        at += length;
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }
}
