import type { Pool } from 'pg';
import { withClient } from '@cpm/postgres';
import { auditIndexGroup, plans } from '@cpm/projector';
import { replayPlans } from './plans';
import { schemaExists } from './schema-versions';

export type SwapOutcome =
  | { swapped: true; retired: string | null }
  | {
      swapped: false;
      behind: { topic: string; partition: number; live: string; candidate: string | null }[];
    };

/**
 * Blue-green swap in one transaction: the live schema is renamed to `retired`, the
 * candidate takes the live name. The exclusive advisory lock waits for the live
 * projector's batch in flight and holds the next one until the swap commits, so every
 * projector transaction sees either the old tables or the new ones, never both. The swap
 * is refused while the candidate has read less than the live projector on any partition
 * (the caller catches up and tries again); the live projector then skips what the
 * candidate already holds, from the offsets stored in it.
 */
export async function swapSchemas(
  pool: Pool,
  o: { live: string; candidate: string; retired: string; group: string },
): Promise<SwapOutcome> {
  return withClient(pool, async (client): Promise<SwapOutcome> => {
    try {
      await client.query('BEGIN');
      await client.query(plans.lockExclusive, [plans.lockKey(o.live)]);
      const liveExists = await schemaExists(pool, o.live);
      if (liveExists) {
        // The projections and the audit index alike: each has its offsets under its own group.
        const behind = await client.query(replayPlans.behindLive(o.live, o.candidate), [
          [o.group, auditIndexGroup(o.group)],
        ]);
        if (behind.rows.length > 0) {
          await client.query('ROLLBACK');
          return { swapped: false, behind: behind.rows };
        }
        await client.query(replayPlans.renameSchema(o.live, o.retired));
      }
      await client.query(replayPlans.renameSchema(o.candidate, o.live));
      await client.query('COMMIT');
      return { swapped: true, retired: liveExists ? o.retired : null };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}
