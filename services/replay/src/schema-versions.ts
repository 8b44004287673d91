import type { Pool } from 'pg';
import { replayPlans } from './plans';

/** The next free `<live>_<n>` (n counts rebuilds; retired and scratch schemas keep their number). */
export async function nextSchemaVersion(pool: Pool, live: string): Promise<number> {
  const { rows } = await pool.query<{ nspname: string }>(replayPlans.schemaNames, [`${live}_`]);
  const used = rows
    .map((r) => /^_(\d+)/.exec(r.nspname.slice(live.length))?.[1])
    .filter((n): n is string => n !== undefined);
  return used.reduce((max, n) => Math.max(max, Number(n)), 0) + 1;
}

export async function schemaExists(pool: Pool, schema: string): Promise<boolean> {
  return (await pool.query(replayPlans.schemaExists, [schema])).rowCount === 1;
}
