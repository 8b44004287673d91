import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ContentSniffer } from './content-sniffer';
import { FileWriter } from './file-writer';
import { AppError } from '@cpm/platform';

export interface PublicAttachment {
  id: string;
  contentType: string;
  fileName: string | null;
  size: number;
  expiresAtMs: number;
}

export class UploadRefused extends AppError<
  'CPM_ERR_MEDIA_TOO_LARGE' | 'CPM_ERR_MEDIA_TYPE_NOT_ALLOWED'
> {}

const ID = /^[A-Za-z0-9_-]{32}$/;

/**
 * Agent attachments (MT) published for the channels to fetch (docs/DOMAIN.md#agent-attachments): one file per
 * upload under an unguessable id (192 random bits) in `<dir>/public`, with a sidecar
 * holding its type, name and expiry. `sweep` deletes what has expired.
 */
export class PublicAttachments {
  private readonly dir: string;

  constructor(
    storeDir: string,
    private readonly o: {
      sniffer: ContentSniffer;
      allowedTypes: readonly string[];
      maxBytes: number;
      retentionMs: number;
    },
  ) {
    this.dir = join(storeDir, 'public');
  }

  async save(
    body: AsyncIterable<Buffer>,
    fileName: string | null,
    nowMs: number,
  ): Promise<PublicAttachment> {
    const writer = await FileWriter.open(join(this.dir, 'tmp'), this.o.sniffer.headBytes);
    let contentType: string | null;
    try {
      for await (const chunk of body) {
        if (writer.size + chunk.length > this.o.maxBytes)
          throw new UploadRefused('CPM_ERR_MEDIA_TOO_LARGE', `more than ${this.o.maxBytes} bytes`);
        await writer.write(chunk);
      }
      await writer.finish();
      contentType = this.o.sniffer.sniff(writer.head);
      if (!contentType || !this.o.allowedTypes.includes(contentType)) {
        throw new UploadRefused(
          'CPM_ERR_MEDIA_TYPE_NOT_ALLOWED',
          `content is ${contentType ?? 'of an unknown type'}`,
        );
      }
    } catch (error) {
      await writer.abort();
      throw error;
    }
    const id = randomBytes(24).toString('base64url');
    const meta: PublicAttachment = {
      id,
      contentType,
      fileName,
      size: writer.size,
      expiresAtMs: nowMs + this.o.retentionMs,
    };
    await rename(writer.tempPath, join(this.dir, id));
    await writeFile(join(this.dir, `${id}.json`), JSON.stringify(meta));
    return meta;
  }

  async get(id: string): Promise<PublicAttachment | null> {
    if (!ID.test(id)) return null;
    try {
      return JSON.parse(await readFile(join(this.dir, `${id}.json`), 'utf8')) as PublicAttachment;
    } catch {
      return null;
    }
  }

  read(id: string, range?: { start: number; end: number }): Readable {
    return createReadStream(join(this.dir, id), range ?? {});
  }

  /** Deletes every expired attachment (file, then sidecar); returns how many. */
  async sweep(nowMs: number): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    let deleted = 0;
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const id = name.slice(0, -5);
      const meta = await this.get(id);
      if (meta && meta.expiresAtMs > nowMs) continue;
      await rm(join(this.dir, id), { force: true });
      await rm(join(this.dir, name), { force: true });
      deleted++;
    }
    return deleted;
  }
}
