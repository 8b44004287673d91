import type { Pool } from 'pg';
import { auditIndexGroup } from '@cpm/projector';
import { COMPARED_TABLES, replayPlans } from './plans';

export interface RowDifference {
  table: string;
  key: Record<string, unknown>;
  kind: 'MISSING_IN_LIVE' | 'NOT_IN_REBUILD' | 'DIFFERENT';
  /** Columns whose values differ (all of them when the row is on one side only). */
  columns: string[];
  live: Record<string, unknown> | null;
  rebuilt: Record<string, unknown> | null;
}

/** Every row of the compared tables that differs between the live schema and a rebuilt one. */
export async function diffSchemas(
  pool: Pool,
  live: string,
  scratch: string,
  group: string,
): Promise<RowDifference[]> {
  const out: RowDifference[] = [];
  for (const compared of COMPARED_TABLES) {
    const { table } = compared;
    const writer = compared.writer === 'audit-index' ? auditIndexGroup(group) : group;
    const { rows } = await pool.query<Omit<RowDifference, 'table' | 'columns'>>(
      replayPlans.diff(live, scratch, compared),
      [writer],
    );
    for (const r of rows) {
      const names = new Set([...Object.keys(r.live ?? {}), ...Object.keys(r.rebuilt ?? {})]);
      const columns = [...names].filter(
        (c) => JSON.stringify(r.live?.[c]) !== JSON.stringify(r.rebuilt?.[c]),
      );
      out.push({ table, ...r, columns });
    }
  }
  return out;
}
