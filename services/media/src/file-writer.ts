import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { BlobStoreError } from './media-error';
import { UploadTally } from './upload-tally';

/**
 * Bytes streamed into a temporary file while their SHA-256 and size are computed, and the
 * first bytes kept for type sniffing. The owner renames the file into place or aborts.
 */
export class FileWriter {
  readonly tempPath: string;
  private readonly stream: WriteStream;
  private readonly tally: UploadTally;

  private constructor(tempDir: string, headBytes: number) {
    this.tally = new UploadTally(headBytes);
    this.tempPath = join(tempDir, `${Date.now()}-${randomBytes(8).toString('hex')}.part`);
    this.stream = createWriteStream(this.tempPath, { flags: 'wx' });
  }

  static async open(tempDir: string, headBytes = 64): Promise<FileWriter> {
    await mkdir(tempDir, { recursive: true }).catch((e) => {
      throw new BlobStoreError(`cannot create ${tempDir}`, e);
    });
    return new FileWriter(tempDir, headBytes);
  }

  /** The first bytes written (up to headBytes). */
  get head(): Buffer {
    return this.tally.head;
  }

  get size(): number {
    return this.tally.size;
  }

  async write(chunk: Buffer): Promise<void> {
    this.tally.add(chunk);
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  /** Flushes the file; returns its SHA-256 (hex). */
  async finish(): Promise<string> {
    this.stream.end();
    await once(this.stream, 'close').catch((e) => {
      throw new BlobStoreError(`cannot write ${this.tempPath}`, e);
    });
    return this.tally.sha256();
  }

  async abort(): Promise<void> {
    // The file is opened asynchronously: removing it before the stream has closed can run
    // before the open, which then leaves a stray .part behind (seen in the media int test).
    const closed = this.stream.closed
      ? Promise.resolve()
      : once(this.stream, 'close').then(
          () => undefined,
          () => undefined,
        );
    this.stream.destroy();
    await closed;
    await rm(this.tempPath, { force: true });
  }
}
