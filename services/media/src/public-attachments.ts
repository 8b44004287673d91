import { randomBytes } from 'node:crypto';
import { AppError } from '@cpm/platform';
import type { BlobStore, PublicAttachment } from './blob-store';
import type { ContentSniffer } from './content-sniffer';

export class UploadRefused extends AppError<
  'CPM_ERR_MEDIA_TOO_LARGE' | 'CPM_ERR_MEDIA_TYPE_NOT_ALLOWED'
> {}

/**
 * Agent attachments (MT) published for the channels to fetch (docs/DOMAIN.md#agent-attachments):
 * one stored file per upload in the media store, under an unguessable id (192 random bits)
 * with its type, name and expiry. Uploads over the size limit or of a type not allowed are
 * refused and leave nothing behind; the store's `sweep` deletes what has expired.
 */
export class PublicAttachments {
  constructor(
    private readonly store: BlobStore,
    private readonly o: {
      sniffer: ContentSniffer;
      allowedTypes: readonly string[];
      maxBytes: number;
      retentionMs: number;
    },
  ) {}

  async save(
    body: AsyncIterable<Buffer>,
    fileName: string | null,
    nowMs: number,
  ): Promise<PublicAttachment> {
    const upload = await this.store.begin(this.o.sniffer.headBytes);
    let contentType: string | null;
    try {
      for await (const chunk of body) {
        if (upload.size + chunk.length > this.o.maxBytes)
          throw new UploadRefused('CPM_ERR_MEDIA_TOO_LARGE', `more than ${this.o.maxBytes} bytes`);
        await upload.write(chunk);
      }
      contentType = this.o.sniffer.sniff(upload.head);
      if (!contentType || !this.o.allowedTypes.includes(contentType)) {
        throw new UploadRefused(
          'CPM_ERR_MEDIA_TYPE_NOT_ALLOWED',
          `content is ${contentType ?? 'of an unknown type'}`,
        );
      }
    } catch (error) {
      await upload.abort();
      throw error;
    }
    return upload.publish({
      id: randomBytes(24).toString('base64url'),
      contentType,
      fileName,
      expiresAtMs: nowMs + this.o.retentionMs,
    });
  }

  get(id: string): Promise<PublicAttachment | null> {
    return this.store.attachment(id);
  }
}
