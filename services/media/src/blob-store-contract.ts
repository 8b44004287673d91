import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobStore } from './blob-store';

/** Two stores on the same backing storage, as two media instances have them. */
export interface SharedStores {
  a: BlobStore;
  b: BlobStore;
  /** The unit the store writes and reads in (a chunk, an S3 part). */
  partBytes: number;
  /** Size of the test file: several parts. */
  fileBytes: number;
}

async function collect(stream: Readable): Promise<Buffer[]> {
  const pieces: Buffer[] = [];
  for await (const piece of stream) pieces.push(piece as Buffer);
  return pieces;
}

async function upload(store: BlobStore, bytes: Buffer, pieceBytes = 64 * 1024) {
  const up = await store.begin(16);
  for (let at = 0; at < bytes.length; at += pieceBytes)
    await up.write(bytes.subarray(at, at + pieceBytes));
  return up;
}

/**
 * What every BlobStore must do for media instances to share it; run by each store's
 * integration test against its real backing storage.
 */
export function sharedStoreTests(stores: () => SharedStores): void {
  it('serves from one instance, byte for byte and streamed, what the other stored, and stores equal bytes once', async () => {
    const { a, b, partBytes, fileBytes } = stores();
    const file = randomBytes(fileBytes);
    const sha256 = createHash('sha256').update(file).digest('hex');
    expect(fileBytes).toBeGreaterThan(2 * partBytes);

    const up = await upload(a, file);
    expect(up.size).toBe(file.length);
    expect(up.head).toEqual(file.subarray(0, 16));
    expect(await up.commit('image/png')).toEqual({
      key: sha256,
      sha256,
      size: file.length,
      contentType: 'image/png',
      created: true,
    });

    expect(await b.stat(sha256)).toEqual({
      key: sha256,
      sha256,
      size: file.length,
      contentType: 'image/png',
    });
    const pieces = await collect(b.read(sha256));
    expect(Buffer.concat(pieces).equals(file)).toBe(true);
    // Streamed out: in several pieces, none larger than a part.
    expect(pieces.length).toBeGreaterThan(2);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(partBytes);
    // A range across part boundaries.
    const range = { start: partBytes - 10, end: 2 * partBytes + 5 };
    const ranged = Buffer.concat(await collect(b.read(sha256, range)));
    expect(ranged.equals(file.subarray(range.start, range.end + 1))).toBe(true);

    const again = await upload(b, file);
    expect(await again.commit('image/png')).toMatchObject({ key: sha256, created: false });
    expect((await a.keys()).filter((k) => k === sha256)).toEqual([sha256]);
    expect(await a.stat('0'.repeat(64))).toBeNull();
  });

  it('serves from one instance an attachment the other published, until a sweep deletes it once expired', async () => {
    const { a, b } = stores();
    const file = randomBytes(100_000);
    const id = randomBytes(24).toString('base64url');
    const meta = {
      id,
      contentType: 'application/pdf',
      fileName: 'Offer ü "1".pdf',
      expiresAtMs: 5_000,
    };
    expect(await (await upload(a, file)).publish(meta)).toEqual({ ...meta, size: file.length });
    expect(await b.attachment(id)).toEqual({ ...meta, size: file.length });
    expect(Buffer.concat(await collect(b.readAttachment(id))).equals(file)).toBe(true);
    const part = Buffer.concat(await collect(b.readAttachment(id, { start: 7, end: 70_006 })));
    expect(part.equals(file.subarray(7, 70_007))).toBe(true);

    expect(await b.sweep(4_999)).toBe(0);
    expect(await a.attachment(id)).not.toBeNull();
    expect(await b.sweep(5_000)).toBe(1);
    expect(await a.attachment(id)).toBeNull();
  });

  it('keeps nothing of an aborted upload', async () => {
    const { a, b } = stores();
    const file = randomBytes(50_000);
    const sha256 = createHash('sha256').update(file).digest('hex');
    const before = await a.keys();
    await (await upload(a, file, 10_000)).abort();
    expect(await b.stat(sha256)).toBeNull();
    expect(await b.keys()).toEqual(before);
  });
}
