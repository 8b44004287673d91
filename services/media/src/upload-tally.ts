import { createHash, type Hash } from 'node:crypto';
import type { BlobUpload } from './blob-store';

/**
 * What every store's upload keeps of the bytes passing through: their size, their SHA-256,
 * and the first `headBytes` for type sniffing. Never the bytes themselves.
 */
export class UploadTally {
  size = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;

  constructor(private readonly headBytes: number) {}

  add(chunk: Buffer): void {
    this.size += chunk.length;
    this.hash.update(chunk);
    if (this.headLength < this.headBytes) {
      const part = chunk.subarray(0, this.headBytes - this.headLength);
      this.headChunks.push(part);
      this.headLength += part.length;
    }
  }

  /** The first bytes written (up to headBytes). */
  get head(): Buffer {
    return Buffer.concat(this.headChunks);
  }

  /** The SHA-256 (hex) of everything added; call once, at the end. */
  sha256(): string {
    return this.hash.digest('hex');
  }
}

/**
 * A BlobUpload whose size and head come from `tally`, which sees every chunk before the
 * store's own `write` gets it.
 */
export function talliedUpload(
  tally: UploadTally,
  store: Pick<BlobUpload, 'write' | 'commit' | 'publish' | 'abort'>,
): BlobUpload {
  return {
    get size() {
      return tally.size;
    },
    get head() {
      return tally.head;
    },
    write: async (chunk) => {
      tally.add(chunk);
      await store.write(chunk);
    },
    commit: (contentType) => store.commit(contentType),
    publish: (meta) => store.publish(meta),
    abort: () => store.abort(),
  };
}
