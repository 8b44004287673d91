import type { Readable } from 'node:stream';

/** A stored customer file: the storage key is its SHA-256 (hex), so equal bytes are stored once. */
export interface StoredBlob {
  key: string;
  sha256: string;
  size: number;
  contentType: string;
}

/** An upload in progress: bytes in, then commit (content-addressed) or abort. */
export interface BlobUpload {
  /** Bytes written so far. */
  readonly size: number;
  /** The first bytes, for sniffing. */
  readonly head: Buffer;
  write(chunk: Buffer): Promise<void>;
  /** Stores the bytes under their SHA-256; `created` is false when they were already there. */
  commit(contentType: string): Promise<StoredBlob & { created: boolean }>;
  abort(): Promise<void>;
}

/**
 * The internal media store (docs/ARCHITECTURE.md#storage): content-addressed by SHA-256. A local
 * directory by default (FsBlobStore); an object store (S3, GCS, ...) implements the same
 * interface.
 */
export interface BlobStore {
  begin(headBytes: number): Promise<BlobUpload>;
  stat(key: string): Promise<StoredBlob | null>;
  /** The bytes of a stored blob, `end` inclusive. */
  read(key: string, range?: { start: number; end: number }): Readable;
}

export const STORAGE_KEY = /^[0-9a-f]{64}$/;
