import type { Pool } from 'pg';
import { AppError } from '@cpm/platform';
import { quoteIdent } from './pool';

/**
 * A projection schema holds the state of one topic namespace (migration 006): its stored
 * offsets and audit index name topics without their namespace, so offsets of another
 * namespace would be read as this one's (records skipped, or an audit that finds nothing).
 */
export class SchemaOfOtherNamespaceError extends AppError<'CPM_ERR_SCHEMA_OF_OTHER_NAMESPACE'> {
  constructor(
    readonly schema: string,
    readonly holds: string,
    readonly wanted: string,
  ) {
    super(
      'CPM_ERR_SCHEMA_OF_OTHER_NAMESPACE',
      `schema ${schema} projects topic namespace ${JSON.stringify(holds)}, not ${JSON.stringify(wanted)}: ` +
        'give each TOPIC_NAMESPACE a PROJECTION_SCHEMA (or a database) of its own, or drop the schema if it is left over',
    );
  }
}

const q = quoteIdent;

/**
 * The namespace the schema projects: null when nothing claimed it yet, or when the schema
 * (or its table, before migration 006) does not exist.
 */
export async function topicNamespaceOf(pool: Pool, schema: string): Promise<string | null> {
  try {
    const { rows } = await pool.query<{ namespace: string }>(
      `SELECT namespace FROM ${q(schema)}.topic_namespace`,
    );
    return rows[0]?.namespace ?? null;
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return null; // undefined_table
    throw error;
  }
}

/**
 * Records that the schema projects `namespace`, unless it already does; throws
 * SchemaOfOtherNamespaceError when it projects another one. Call after migrating.
 */
export async function claimTopicNamespace(
  pool: Pool,
  schema: string,
  namespace: string,
): Promise<void> {
  await pool.query(
    `INSERT INTO ${q(schema)}.topic_namespace (namespace) VALUES ($1) ON CONFLICT (only_row) DO NOTHING`,
    [namespace],
  );
  const holds = await topicNamespaceOf(pool, schema);
  if (holds !== namespace) throw new SchemaOfOtherNamespaceError(schema, holds ?? '', namespace);
}

/** Throws SchemaOfOtherNamespaceError when the schema projects another namespace (unclaimed is fine). */
export async function expectTopicNamespace(
  pool: Pool,
  schema: string,
  namespace: string,
): Promise<void> {
  const holds = await topicNamespaceOf(pool, schema);
  if (holds !== null && holds !== namespace)
    throw new SchemaOfOtherNamespaceError(schema, holds, namespace);
}
