-- Up Migration
-- Log positions on every projection row (001 had them on customers, conversations and
-- messages only), the rest of the delivery state of a message (nextDeliveryState), and the
-- quote shown with a reply.

ALTER TABLE customer_identities
  ADD COLUMN log_topic text NOT NULL DEFAULT '',
  ADD COLUMN log_partition int NOT NULL DEFAULT 0,
  ADD COLUMN log_offset bigint NOT NULL DEFAULT 0;

ALTER TABLE messages
  ADD COLUMN delivered boolean NOT NULL DEFAULT false,
  ADD COLUMN switch_reason text,
  ADD COLUMN attached_data jsonb;

ALTER TABLE message_statuses
  ADD COLUMN log_topic text NOT NULL DEFAULT '',
  ADD COLUMN log_partition int NOT NULL DEFAULT 0;

ALTER TABLE attachments
  ADD COLUMN log_topic text NOT NULL DEFAULT '',
  ADD COLUMN log_partition int NOT NULL DEFAULT 0,
  ADD COLUMN log_offset bigint NOT NULL DEFAULT 0;

ALTER TABLE consents
  ADD COLUMN log_topic text NOT NULL DEFAULT '',
  ADD COLUMN log_partition int NOT NULL DEFAULT 0,
  ADD COLUMN log_offset bigint NOT NULL DEFAULT 0;

CREATE INDEX messages_reply_to_idx ON messages (reply_to_message_id) WHERE reply_to_message_id IS NOT NULL;

-- Down Migration
DROP INDEX messages_reply_to_idx;
ALTER TABLE consents DROP COLUMN log_topic, DROP COLUMN log_partition, DROP COLUMN log_offset;
ALTER TABLE attachments DROP COLUMN log_topic, DROP COLUMN log_partition, DROP COLUMN log_offset;
ALTER TABLE message_statuses DROP COLUMN log_topic, DROP COLUMN log_partition;
ALTER TABLE messages DROP COLUMN delivered, DROP COLUMN switch_reason, DROP COLUMN attached_data;
ALTER TABLE customer_identities DROP COLUMN log_topic, DROP COLUMN log_partition, DROP COLUMN log_offset;
