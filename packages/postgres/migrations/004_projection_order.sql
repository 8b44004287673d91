-- Up Migration
-- The order of "newest wins" in the projections (services/projector/src/rows.ts, orderKey):
-- a row's columns come from the newest record by time then log position, never from the order
-- in which the projector saw the partitions, so a rebuild gives the live rows. `order_key` is
-- the key of the record the row's newest-wins columns come from (the earliest record's, for an
-- identity); each `*_key` the key of the newest record that carried that column. Rows written
-- before this migration have '' (older than any record): the next record wins, a rebuild
-- (`npm run replay -- rebuild`) gives every key.

ALTER TABLE customers
  ADD COLUMN order_key text NOT NULL DEFAULT '',
  ADD COLUMN contact_key text NOT NULL DEFAULT '',
  ADD COLUMN display_name_key text NOT NULL DEFAULT '';

ALTER TABLE customer_identities ADD COLUMN order_key text NOT NULL DEFAULT '';

ALTER TABLE conversations
  ADD COLUMN order_key text NOT NULL DEFAULT '',
  ADD COLUMN contact_key text NOT NULL DEFAULT '',
  ADD COLUMN channel_key text NOT NULL DEFAULT '',
  ADD COLUMN state_key text NOT NULL DEFAULT '',
  ADD COLUMN attached_key text NOT NULL DEFAULT '';

ALTER TABLE messages ADD COLUMN order_key text NOT NULL DEFAULT '';
ALTER TABLE attachments ADD COLUMN order_key text NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN order_key text NOT NULL DEFAULT '';

-- Down Migration
ALTER TABLE consents DROP COLUMN order_key;
ALTER TABLE attachments DROP COLUMN order_key;
ALTER TABLE messages DROP COLUMN order_key;
ALTER TABLE conversations DROP COLUMN order_key, DROP COLUMN contact_key, DROP COLUMN channel_key, DROP COLUMN state_key, DROP COLUMN attached_key;
ALTER TABLE customer_identities DROP COLUMN order_key;
ALTER TABLE customers DROP COLUMN order_key, DROP COLUMN contact_key, DROP COLUMN display_name_key;
