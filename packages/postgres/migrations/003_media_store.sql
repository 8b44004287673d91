-- Up Migration
-- The media store (services/media, MEDIA_STORE=postgres): customer media and agent attachments
-- as rows of chunks, so every media instance serves what any of them stored, and a file is
-- streamed in and out one chunk at a time. These tables live in their own schema `media`,
-- not in the projection schema this migration runs for: a projection rebuild renames its
-- schema away (blue-green), while stored files must stay. Running the migrations for a
-- second projection schema therefore finds them in place (IF NOT EXISTS).

CREATE SCHEMA IF NOT EXISTS media;

-- One stored byte sequence. Written chunk by chunk before it has a name; a blob (content
-- address) or an attachment (random id) then refers to it. An object that neither refers to
-- is an upload in progress, or one abandoned by a crashed instance (swept after an hour).
CREATE TABLE IF NOT EXISTS media.objects (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chunk_size int NOT NULL CHECK (chunk_size > 0),
  started_at timestamptz NOT NULL DEFAULT now()
);

-- Chunk `seq` holds bytes [seq * chunk_size, (seq + 1) * chunk_size) of its object.
CREATE TABLE IF NOT EXISTS media.chunks (
  object_id bigint NOT NULL REFERENCES media.objects (id) ON DELETE CASCADE,
  seq int NOT NULL CHECK (seq >= 0),
  data bytea NOT NULL,
  PRIMARY KEY (object_id, seq)
);
-- Media is compressed already: store chunks out of line without trying to compress them,
-- which also makes reading a byte range of a chunk cheap.
ALTER TABLE media.chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Customer media, content-addressed: the key is the SHA-256 of the bytes (hex).
CREATE TABLE IF NOT EXISTS media.blobs (
  key text PRIMARY KEY CHECK (key ~ '^[0-9a-f]{64}$'),
  object_id bigint NOT NULL UNIQUE REFERENCES media.objects (id),
  size bigint NOT NULL CHECK (size >= 0),
  content_type text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Agent attachments published under an unguessable id until they expire.
CREATE TABLE IF NOT EXISTS media.attachments (
  id text PRIMARY KEY,
  object_id bigint NOT NULL UNIQUE REFERENCES media.objects (id),
  content_type text NOT NULL,
  file_name text,
  size bigint NOT NULL CHECK (size >= 0),
  expires_at_ms bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_expiry_idx ON media.attachments (expires_at_ms);

-- Down Migration
-- Deliberately empty: the media schema is shared by every projection schema and holds
-- customer files that cannot be rebuilt from the logs. Rolling back a projection schema must
-- not delete them; drop the `media` schema by hand if that is really meant.
SELECT 1;
