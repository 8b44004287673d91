import type { Readable } from 'node:stream';

/** A stored customer file: the storage key is its SHA-256 (hex), so equal bytes are stored once. */
export interface StoredBlob {
  key: string;
  sha256: string;
  size: number;
  contentType: string;
}

/** An agent attachment (MT) published under an unguessable id until it expires. */
export interface PublicAttachment {
  id: string;
  contentType: string;
  fileName: string | null;
  size: number;
  expiresAtMs: number;
}

/** A byte range, `end` inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * An upload in progress: bytes in, then commit (content-addressed), publish (an agent
 * attachment under its own id) or abort.
 */
export interface BlobUpload {
  /** Bytes written so far. */
  readonly size: number;
  /** The first bytes, for sniffing. */
  readonly head: Buffer;
  write(chunk: Buffer): Promise<void>;
  /** Stores the bytes under their SHA-256; `created` is false when they were already there. */
  commit(contentType: string): Promise<StoredBlob & { created: boolean }>;
  /** Stores the bytes as the attachment `meta.id` (each upload its own, deleted once expired). */
  publish(meta: Omit<PublicAttachment, 'size'>): Promise<PublicAttachment>;
  abort(): Promise<void>;
}

/**
 * The media store (docs/ARCHITECTURE.md#storage), shared by every media instance: customer
 * media content-addressed by SHA-256, and agent attachments by id with an expiry. PostgreSQL
 * by default (PgBlobStore), an S3-compatible bucket (S3BlobStore), or a local directory
 * (FsBlobStore, one instance only), chosen by MEDIA_STORE. Bytes are streamed in and out.
 */
export interface BlobStore {
  begin(headBytes: number): Promise<BlobUpload>;
  stat(key: string): Promise<StoredBlob | null>;
  /** The bytes of a stored blob. */
  read(key: string, range?: ByteRange): Readable;
  /** Every storage key in the store (for tests and audits). */
  keys(): Promise<string[]>;
  attachment(id: string): Promise<PublicAttachment | null>;
  /** The bytes of a published attachment. */
  readAttachment(id: string, range?: ByteRange): Readable;
  /**
   * Deletes the attachments expired at `nowMs`, and uploads abandoned for longer than
   * ABANDONED_UPLOAD_MS (a crashed instance's); returns how many attachments were deleted.
   */
  sweep(nowMs: number): Promise<number>;
  close(): Promise<void>;
}

export const STORAGE_KEY = /^[0-9a-f]{64}$/;
export const ATTACHMENT_ID = /^[A-Za-z0-9_-]{32}$/;
/** An upload neither committed nor aborted for this long was left by a crashed instance. */
export const ABANDONED_UPLOAD_MS = 3_600_000;
