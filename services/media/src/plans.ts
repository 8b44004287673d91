/**
 * Every SQL statement of the PostgreSQL media store, by name
 * (docs/CONVENTIONS.md#sql-in-one-module-per-store). The tables are in the schema `media`
 * (packages/postgres/migrations/003_media_store.sql): objects written chunk by chunk, named
 * by a blob (content address) or an attachment (random id).
 */
export const mediaPlans = {
  beginObject: 'INSERT INTO media.objects (chunk_size) VALUES ($1) RETURNING id',
  writeChunk: 'INSERT INTO media.chunks (object_id, seq, data) VALUES ($1, $2, $3)',
  dropObject: 'DELETE FROM media.objects WHERE id = $1',
  /** Names an object by its SHA-256; no row back when those bytes are stored already. */
  commitBlob: `INSERT INTO media.blobs (key, object_id, size, content_type) VALUES ($1, $2, $3, $4)
    ON CONFLICT (key) DO NOTHING RETURNING key`,
  publishAttachment: `INSERT INTO media.attachments (id, object_id, content_type, file_name, size, expires_at_ms)
    VALUES ($1, $2, $3, $4, $5, $6)`,
  statBlob: 'SELECT key, size, content_type FROM media.blobs WHERE key = $1',
  blobKeys: 'SELECT key FROM media.blobs ORDER BY key',
  blobObject: `SELECT b.object_id, b.size, o.chunk_size FROM media.blobs b
    JOIN media.objects o ON o.id = b.object_id WHERE b.key = $1`,
  attachment:
    'SELECT id, content_type, file_name, size, expires_at_ms FROM media.attachments WHERE id = $1',
  attachmentObject: `SELECT a.object_id, a.size, o.chunk_size FROM media.attachments a
    JOIN media.objects o ON o.id = a.object_id WHERE a.id = $1`,
  /** The bytes [from, from + length) of one chunk (1-based `from`, as SQL's substring). */
  readChunk:
    'SELECT substring(data FROM $3::int FOR $4::int) AS data FROM media.chunks WHERE object_id = $1 AND seq = $2',
  /** Deletes the attachments expired at $1 with their bytes; returns how many. */
  sweepAttachments: `WITH expired AS (DELETE FROM media.attachments WHERE expires_at_ms <= $1 RETURNING object_id),
    freed AS (DELETE FROM media.objects WHERE id IN (SELECT object_id FROM expired))
    SELECT count(*)::int AS deleted FROM expired`,
  /** Deletes the objects nothing names that were started more than $1 ms ago (crashed uploads). */
  sweepAbandoned: `DELETE FROM media.objects o
    WHERE o.started_at < now() - make_interval(secs => $1::double precision / 1000)
      AND NOT EXISTS (SELECT 1 FROM media.blobs b WHERE b.object_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM media.attachments a WHERE a.object_id = o.id)`,
  /** Objects nothing names yet: uploads in progress or abandoned (for tests and audits). */
  unnamedObjects: `SELECT count(*)::int AS n FROM media.objects o
    WHERE NOT EXISTS (SELECT 1 FROM media.blobs b WHERE b.object_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM media.attachments a WHERE a.object_id = o.id)`,
} as const;
