import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
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
import { talliedUpload, UploadTally } from './upload-tally';

export interface S3StoreOptions {
  bucket: string;
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** Prefix of every object key ('' or segments ending in '/'). */
  prefix: string;
}

/** S3's smallest multipart part: an upload buffers at most this much (one part) at a time. */
const PART_BYTES = 5 * 1024 * 1024;

const notFound = (error: unknown): boolean => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};

const contentTypeOf = (head: HeadObjectCommandOutput): string =>
  head.Metadata?.['content-type'] ?? head.ContentType ?? 'application/octet-stream';

/**
 * BlobStore in an S3-compatible bucket (MEDIA_STORE=s3), through the AWS SDK v3: every
 * instance on the same bucket serves every file. Keys (under `prefix`): `tmp/<random>` while
 * an upload streams in (lib-storage, one part at a time), then copied inside the bucket to
 * `blobs/<sha256>` (content type on the object) or `public/<id>` (type, name and expiry as
 * object metadata, the type also), and the temporary object deleted. Two instances storing the same bytes
 * at once both copy them to the same key, which is harmless. A crashed instance's
 * multipart uploads are not visible as objects: a bucket lifecycle rule
 * (AbortIncompleteMultipartUpload) removes them; its finished `tmp/` objects are swept.
 */
export class S3BlobStore implements BlobStore {
  private readonly s3: S3Client;

  constructor(private readonly o: S3StoreOptions) {
    this.s3 = new S3Client({
      endpoint: o.endpoint,
      region: o.region,
      forcePathStyle: o.forcePathStyle,
      credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
      // Checksums only where S3 requires them: S3-compatible servers do not all accept the
      // SDK's default trailing CRC32 on streamed bodies.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new BlobStoreError(`${what}: ${(error as Error).message}`, error);
    }
  }

  private async head(key: string): Promise<HeadObjectCommandOutput | null> {
    try {
      return await this.s3.send(new HeadObjectCommand({ Bucket: this.o.bucket, Key: key }));
    } catch (error) {
      if (notFound(error)) return null;
      throw new BlobStoreError(`cannot look up ${key}: ${(error as Error).message}`, error);
    }
  }

  private async moveTo(
    from: string,
    to: string,
    contentType: string,
    metadata: Record<string, string> = {},
  ): Promise<void> {
    await this.call(`cannot store ${to}`, () =>
      this.s3.send(
        new CopyObjectCommand({
          Bucket: this.o.bucket,
          Key: to,
          CopySource: `${this.o.bucket}/${from}`,
          MetadataDirective: 'REPLACE',
          ContentType: contentType,
          // Also as user metadata, which is what this store reads back: S3Mock 3.12 keeps the
          // source's type on a copy even with MetadataDirective REPLACE (seen in its test).
          Metadata: { ...metadata, 'content-type': contentType },
        }),
      ),
    );
    await this.delete(from);
  }

  private delete(key: string): Promise<unknown> {
    return this.call(`cannot delete ${key}`, () =>
      this.s3.send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: key })),
    );
  }

  async begin(headBytes: number): Promise<BlobUpload> {
    const tempKey = `${this.o.prefix}tmp/${Date.now()}-${randomBytes(8).toString('hex')}`;
    const body = new PassThrough();
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.o.bucket, Key: tempKey, Body: body },
      partSize: PART_BYTES,
      queueSize: 1,
    });
    const done = upload.done().then(
      () => undefined,
      (error: Error) => {
        throw new BlobStoreError(`cannot upload ${tempKey}: ${error.message}`, error);
      },
    );
    done.catch(() => undefined); // observed by write, finish and abort
    const tally = new UploadTally(headBytes);
    const finish = async () => {
      body.end();
      await done;
    };
    return talliedUpload(tally, {
      write: async (chunk) => {
        if (!body.write(chunk))
          await Promise.race([
            once(body, 'drain'),
            done.then(() => {
              throw new BlobStoreError(`the upload of ${tempKey} ended early`);
            }),
          ]);
      },
      abort: async () => {
        body.destroy();
        await upload.abort().catch(() => undefined);
        await done.catch(() => undefined);
        await this.delete(tempKey).catch(() => undefined); // else swept as abandoned
      },
      commit: async (contentType) => {
        await finish();
        const sha256 = tally.sha256();
        const existing = await this.stat(sha256);
        if (existing) {
          await this.delete(tempKey);
          return { ...existing, created: false };
        }
        await this.moveTo(tempKey, this.blobKey(sha256), contentType);
        return { key: sha256, sha256, size: tally.size, contentType, created: true };
      },
      publish: async (meta) => {
        await finish();
        const attachment: PublicAttachment = { ...meta, size: tally.size };
        await this.moveTo(tempKey, this.attachmentKey(meta.id), meta.contentType, {
          'expires-at-ms': String(meta.expiresAtMs),
          ...(meta.fileName === null ? {} : { 'file-name': encodeURIComponent(meta.fileName) }),
        });
        return attachment;
      },
    });
  }

  private blobKey(key: string): string {
    if (!STORAGE_KEY.test(key)) throw new BlobStoreError(`not a storage key: ${key}`);
    return `${this.o.prefix}blobs/${key}`;
  }

  private attachmentKey(id: string): string {
    if (!ATTACHMENT_ID.test(id)) throw new BlobStoreError(`not an attachment id: ${id}`);
    return `${this.o.prefix}public/${id}`;
  }

  async stat(key: string): Promise<StoredBlob | null> {
    if (!STORAGE_KEY.test(key)) return null;
    const head = await this.head(this.blobKey(key));
    return head
      ? {
          key,
          sha256: key,
          size: head.ContentLength ?? 0,
          contentType: contentTypeOf(head),
        }
      : null;
  }

  read(key: string, range?: ByteRange): Readable {
    return this.get(this.blobKey(key), range);
  }

  /** Every key under `prefix` (paged by the SDK), with when it was last written. */
  private async *list(prefix: string): AsyncGenerator<{ key: string; modifiedMs: number }> {
    const pages = paginateListObjectsV2(
      { client: this.s3 },
      { Bucket: this.o.bucket, Prefix: `${this.o.prefix}${prefix}` },
    );
    try {
      for await (const page of pages)
        for (const item of page.Contents ?? [])
          if (item.Key)
            yield { key: item.Key, modifiedMs: item.LastModified?.getTime() ?? Date.now() };
    } catch (error) {
      throw new BlobStoreError(`cannot list ${prefix}: ${(error as Error).message}`, error);
    }
  }

  async keys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const { key } of this.list('blobs/')) keys.push(key.slice(key.lastIndexOf('/') + 1));
    return keys.sort();
  }

  async attachment(id: string): Promise<PublicAttachment | null> {
    if (!ATTACHMENT_ID.test(id)) return null;
    const head = await this.head(this.attachmentKey(id));
    const meta = head?.Metadata ?? {};
    if (!head || meta['expires-at-ms'] === undefined) return null;
    return {
      id,
      contentType: contentTypeOf(head),
      fileName: meta['file-name'] === undefined ? null : decodeURIComponent(meta['file-name']),
      size: head.ContentLength ?? 0,
      expiresAtMs: Number(meta['expires-at-ms']),
    };
  }

  readAttachment(id: string, range?: ByteRange): Readable {
    return this.get(this.attachmentKey(id), range);
  }

  async sweep(nowMs: number): Promise<number> {
    let deleted = 0;
    for await (const { key } of this.list('public/')) {
      const meta = await this.attachment(key.slice(key.lastIndexOf('/') + 1));
      if (meta && meta.expiresAtMs > nowMs) continue;
      await this.delete(key);
      deleted++;
    }
    for await (const { key, modifiedMs } of this.list('tmp/'))
      if (modifiedMs < Date.now() - ABANDONED_UPLOAD_MS) await this.delete(key);
    return deleted;
  }

  async close(): Promise<void> {
    this.s3.destroy();
  }

  /** The object's bytes as a stream that starts once S3 answers. */
  private get(key: string, range?: ByteRange): Readable {
    const out = new PassThrough();
    void (async () => {
      const answer = await this.s3.send(
        new GetObjectCommand({
          Bucket: this.o.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      await pipeline(answer.Body as Readable, out);
    })().catch((error: Error) =>
      out.destroy(
        error instanceof BlobStoreError
          ? error
          : new BlobStoreError(`cannot read ${key}: ${error.message}`, error),
      ),
    );
    return out;
  }
}
