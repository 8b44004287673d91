/**
 * The SQL of the replay tool, by name (docs/CONVENTIONS.md#sql-in-one-module-per-store): schema versions, the blue-green
 * swap, and the row-by-row diff of two projection schemas. The projection writes themselves
 * are the projector's (services/projector/src/plans.ts).
 */
import { quoteIdent } from '@cpm/postgres';

/** The projection tables compared by verify, with their keys (consumer_offsets is not compared: it says how far each side read). */
export const COMPARED_TABLES: readonly { table: string; key: readonly string[] }[] = [
  { table: 'customers', key: ['customer_key'] },
  { table: 'customer_identities', key: ['customer_key', 'channel', 'identity'] },
  { table: 'conversations', key: ['conversation_id'] },
  { table: 'messages', key: ['message_id'] },
  { table: 'message_statuses', key: ['event_id'] },
  { table: 'attachments', key: ['attachment_id'] },
  { table: 'consents', key: ['customer_key', 'channel'] },
];

export const replayPlans = {
  schemaNames: `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 || '%'`,
  schemaExists: `SELECT 1 FROM pg_namespace WHERE nspname = $1`,
  dropSchema: (s: string) => `DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE`,
  renameSchema: (from: string, to: string) =>
    `ALTER SCHEMA ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`,
  /** Partitions where the candidate has read less than the live projector, for the groups in $1 (text[]). */
  behindLive: (live: string, candidate: string) =>
    `SELECT l.topic, l.partition, l.next_offset AS live, c.next_offset AS candidate
     FROM ${quoteIdent(live)}.consumer_offsets l LEFT JOIN ${quoteIdent(candidate)}.consumer_offsets c USING (consumer_group, topic, partition)
     WHERE l.consumer_group = ANY($1::text[]) AND (c.next_offset IS NULL OR c.next_offset < l.next_offset)`,
  offsets: (s: string) =>
    `SELECT topic, partition, next_offset FROM ${quoteIdent(s)}.consumer_offsets WHERE consumer_group = $1`,
  /**
   * Rows that differ between two schemas, by key. Only the part of the log both sides have
   * read is compared: a row whose log position is at or past the smaller of the two stored
   * offsets of its partition (the live projector kept going) is left out on both sides.
   */
  diff: (live: string, scratch: string, table: string, key: readonly string[]) => {
    const L = quoteIdent(live);
    const S = quoteIdent(scratch);
    const beyond = (alias: string) =>
      `EXISTS (SELECT 1 FROM lim WHERE lim.topic = ${alias}.log_topic AND lim.partition = ${alias}.log_partition AND ${alias}.log_offset >= lim.upto)`;
    return `WITH lim AS (
        SELECT l.topic, l.partition, LEAST(l.next_offset, s.next_offset) AS upto
        FROM ${L}.consumer_offsets l JOIN ${S}.consumer_offsets s USING (consumer_group, topic, partition) WHERE l.consumer_group = $1)
      SELECT json_build_object(${key.map((k) => `'${k}', COALESCE(l.${k}, s.${k})`).join(', ')}) AS key,
        CASE WHEN l.${key[0]} IS NULL THEN 'MISSING_IN_LIVE' WHEN s.${key[0]} IS NULL THEN 'NOT_IN_REBUILD' ELSE 'DIFFERENT' END AS kind,
        to_jsonb(l) AS live, to_jsonb(s) AS rebuilt
      FROM ${L}.${table} l FULL JOIN ${S}.${table} s ON ${key.map((k) => `l.${k} = s.${k}`).join(' AND ')}
      WHERE to_jsonb(l) IS DISTINCT FROM to_jsonb(s)
        AND NOT (l.${key[0]} IS NOT NULL AND ${beyond('l')}) AND NOT (s.${key[0]} IS NOT NULL AND ${beyond('s')})
      ORDER BY 1::text LIMIT 1000`;
  },
} as const;
