import { createHash, type Hash } from 'node:crypto';

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
