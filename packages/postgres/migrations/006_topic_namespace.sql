-- Up Migration
-- Which topic namespace (TOPIC_NAMESPACE) this schema projects. The stored offsets
-- (consumer_offsets) and the audit index name topics without their namespace, so a schema
-- holds the state of one namespace only: the projector records its namespace here at start
-- and refuses a schema that holds another one; replay's rebuild, verify and audit check it
-- before they trust the schema's offsets (packages/postgres/src/topic-namespace.ts).
-- At most one row.

CREATE TABLE topic_namespace (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  namespace text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE topic_namespace;
