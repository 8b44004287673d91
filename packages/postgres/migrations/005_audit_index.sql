-- Up Migration
-- The audit index (services/replay audit): where each record of a customer is in the topics
-- the audit reads (sinch.webhooks.raw.v1, conversation.events.v1, agent.events.v1), and which
-- customer keys a conversation id was seen under. Written by the projector's audit indexer
-- (services/projector/src/audit-index*.ts) with its offsets in consumer_offsets under the
-- group `<PROJECTOR_GROUP>.audit-index`, in the same transaction; rebuilt from the log by
-- `replay rebuild` like every other table here.

CREATE TABLE audit_positions (
  customer_key text NOT NULL,
  topic text NOT NULL,
  partition int NOT NULL,
  log_offset bigint NOT NULL,
  PRIMARY KEY (customer_key, topic, partition, log_offset)
);

CREATE TABLE audit_conversations (
  conversation_id text NOT NULL,
  customer_key text NOT NULL,
  PRIMARY KEY (conversation_id, customer_key)
);

-- Down Migration
DROP TABLE audit_conversations;
DROP TABLE audit_positions;
