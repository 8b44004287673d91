/**
 * The SQL of the replay tool, by name (docs/CONVENTIONS.md#sql-in-one-module-per-store): schema versions, the blue-green
 * swap, and the row-by-row diff of two projection schemas. The projection writes themselves
 * are the projector's (services/projector/src/plans.ts).
 */
import { quoteIdent } from '@cpm/postgres';

/**
 * The tables compared by verify, with their keys and where each row came from in the log
 * (its position columns, read by the group whose stored offsets bound the comparison).
 * consumer_offsets is not compared: it says how far each side read. audit_conversations is
 * not either: its rows carry no log position, so a row the live side read past the
 * rebuild's end could not be told from a wrong one.
 */
export interface ComparedTable {
  table: string;
  key: readonly string[];
  /** Columns of the row's log position: topic, partition, offset. */
  position: readonly [string, string, string];
  /** The consumer group that wrote it: the projector's own, or its audit indexer. */
  writer: 'projections' | 'audit-index';
}

const PROJECTED: readonly [string, string, string] = ['log_topic', 'log_partition', 'log_offset'];

export const COMPARED_TABLES: readonly ComparedTable[] = [
  { table: 'customers', key: ['customer_key'], position: PROJECTED, writer: 'projections' },
  {
    table: 'customer_identities',
    key: ['customer_key', 'channel', 'identity'],
    position: PROJECTED,
    writer: 'projections',
  },
  { table: 'conversations', key: ['conversation_id'], position: PROJECTED, writer: 'projections' },
  { table: 'messages', key: ['message_id'], position: PROJECTED, writer: 'projections' },
  { table: 'message_statuses', key: ['event_id'], position: PROJECTED, writer: 'projections' },
  { table: 'attachments', key: ['attachment_id'], position: PROJECTED, writer: 'projections' },
  {
    table: 'consents',
    key: ['customer_key', 'channel'],
    position: PROJECTED,
    writer: 'projections',
  },
  {
    table: 'audit_positions',
    key: ['customer_key', 'topic', 'partition', 'log_offset'],
    position: ['topic', 'partition', 'log_offset'],
    writer: 'audit-index',
  },
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
   * offsets of its partition (the live projector kept going), or in a partition one side has
   * not read at all (a live audit indexer that is off or behind), is left out on both sides.
   */
  diff: (live: string, scratch: string, { table, key, position }: ComparedTable) => {
    const L = quoteIdent(live);
    const S = quoteIdent(scratch);
    const [topic, partition, offset] = position;
    const within = (alias: string) =>
      `EXISTS (SELECT 1 FROM lim WHERE lim.topic = ${alias}.${topic} AND lim.partition = ${alias}.${partition} AND ${alias}.${offset} < lim.upto)`;
    return `WITH lim AS (
        SELECT l.topic, l.partition, LEAST(l.next_offset, s.next_offset) AS upto
        FROM ${L}.consumer_offsets l JOIN ${S}.consumer_offsets s USING (consumer_group, topic, partition) WHERE l.consumer_group = $1)
      SELECT json_build_object(${key.map((k) => `'${k}', COALESCE(l.${k}, s.${k})`).join(', ')}) AS key,
        CASE WHEN l.${key[0]} IS NULL THEN 'MISSING_IN_LIVE' WHEN s.${key[0]} IS NULL THEN 'NOT_IN_REBUILD' ELSE 'DIFFERENT' END AS kind,
        to_jsonb(l) AS live, to_jsonb(s) AS rebuilt
      FROM ${L}.${table} l FULL JOIN ${S}.${table} s ON ${key.map((k) => `l.${k} = s.${k}`).join(' AND ')}
      WHERE to_jsonb(l) IS DISTINCT FROM to_jsonb(s)
        AND (l.${key[0]} IS NULL OR ${within('l')}) AND (s.${key[0]} IS NULL OR ${within('s')})
      ORDER BY 1::text LIMIT 1000`;
  },
} as const;
