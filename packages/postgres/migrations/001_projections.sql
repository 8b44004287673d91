-- Up Migration
-- The projections of conversation.events.v1 and conversation.media.v1. Every row says which
-- log position it reflects (log_topic, log_partition, log_offset), and the projector stores
-- its consumed offsets in consumer_offsets in the same transaction as the rows.

CREATE TABLE consumer_offsets (
  consumer_group text NOT NULL,
  topic text NOT NULL,
  partition int NOT NULL,
  next_offset bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition)
);

CREATE TABLE customers (
  customer_key text PRIMARY KEY,
  app_id text NOT NULL,
  contact_id text NOT NULL DEFAULT '',
  display_name text,
  first_seen_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  log_topic text NOT NULL,
  log_partition int NOT NULL,
  log_offset bigint NOT NULL
);

CREATE TABLE customer_identities (
  customer_key text NOT NULL,
  channel text NOT NULL,
  identity text NOT NULL,
  first_seen_at timestamptz NOT NULL,
  PRIMARY KEY (customer_key, channel, identity)
);

CREATE TABLE conversations (
  conversation_id text PRIMARY KEY,
  app_id text NOT NULL,
  contact_id text NOT NULL DEFAULT '',
  customer_key text NOT NULL,
  channel text NOT NULL DEFAULT '',
  source_channel text NOT NULL DEFAULT '',
  state text NOT NULL DEFAULT 'ACTIVE',
  started_at timestamptz,
  ended_at timestamptz,
  last_event_at timestamptz NOT NULL,
  attached_data jsonb NOT NULL DEFAULT '{}'::jsonb,
  log_topic text NOT NULL,
  log_partition int NOT NULL,
  log_offset bigint NOT NULL
);
CREATE INDEX conversations_customer_idx ON conversations (customer_key, last_event_at DESC);

CREATE TABLE messages (
  message_id text PRIMARY KEY,
  conversation_id text NOT NULL DEFAULT '',
  customer_key text NOT NULL,
  direction text NOT NULL,
  author text NOT NULL,
  channel text NOT NULL DEFAULT '',
  source_channel text NOT NULL DEFAULT '',
  kind text NOT NULL,
  text text,
  content jsonb NOT NULL DEFAULT '{}'::jsonb,
  reply_to_message_id text,
  status text,
  status_reason text,
  occurred_at timestamptz NOT NULL,
  log_topic text NOT NULL,
  log_partition int NOT NULL,
  log_offset bigint NOT NULL
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, occurred_at, message_id);

CREATE TABLE message_statuses (
  event_id text PRIMARY KEY,
  message_id text NOT NULL,
  status text NOT NULL,
  reason text,
  occurred_at timestamptz NOT NULL,
  log_offset bigint NOT NULL
);
CREATE INDEX message_statuses_message_idx ON message_statuses (message_id, occurred_at);

CREATE TABLE attachments (
  attachment_id text PRIMARY KEY,
  message_id text NOT NULL,
  status text NOT NULL,
  source_url text,
  content_type text,
  file_name text,
  size_bytes bigint,
  sha256 text,
  storage_key text,
  reason text,
  updated_at timestamptz NOT NULL
);
CREATE INDEX attachments_message_idx ON attachments (message_id);

CREATE TABLE consents (
  customer_key text NOT NULL,
  channel text NOT NULL,
  kind text NOT NULL,
  status text NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (customer_key, channel)
);

-- Down Migration
DROP TABLE consents;
DROP TABLE attachments;
DROP TABLE message_statuses;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE customer_identities;
DROP TABLE customers;
DROP TABLE consumer_offsets;
