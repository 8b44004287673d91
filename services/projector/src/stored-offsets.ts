import type { Pool, PoolClient } from 'pg';
import { withClient } from '@cpm/postgres';
import { plans } from './plans';

/**
 * The consumed offsets one group keeps in a projection schema (consumer_offsets), and the one
 * transaction shape every writer there uses (ProjectionStore, AuditIndexStore): per batch of
 * one topic-partition, the rows and the partition's next offset commit together, under the
 * schema's shared lock (the swap takes it exclusively), and records below the stored offset
 * are skipped, so a re-delivered batch changes nothing.
 */
export class StoredOffsets {
  constructor(
    readonly pool: Pool,
    readonly schema: string,
    readonly group: string,
    /**
     * false for rebuilds: commits do not wait for the WAL flush (synchronous_commit off).
     * Rows and offsets still commit together, so a crash loses at most the last batches,
     * which the rebuild redoes from the stored offsets; the swap's own commit is durable
     * and flushes every earlier one. The live projector keeps the default (true).
     */
    readonly durable = true,
  ) {}

  /** `topic:partition` → next offset to read. */
  async read(): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{
      topic: string;
      partition: number;
      next_offset: string;
    }>(plans.readOffsets(this.schema), [this.group]);
    return new Map(rows.map((r) => [`${r.topic}:${r.partition}`, r.next_offset]));
  }

  /**
   * One transaction: `write` gets the client and whether a record at an offset is not done
   * yet, writes what is new and returns how many it wrote; then the offset moves to
   * `nextOffset` (never back) and all of it commits.
   */
  async apply(
    topic: string,
    partition: number,
    nextOffset: string,
    write: (client: PoolClient, isNew: (logOffset: string) => boolean) => Promise<number>,
  ): Promise<number> {
    return withClient(this.pool, async (client) => {
      try {
        await client.query(this.durable ? 'BEGIN' : 'BEGIN; SET LOCAL synchronous_commit = off');
        await client.query(plans.lockShared, [plans.lockKey(this.schema)]);
        const stored = (
          await client.query<{ next_offset: string }>(plans.readOffset(this.schema), [
            this.group,
            topic,
            partition,
          ])
        ).rows[0]?.next_offset;
        const from = stored === undefined ? null : BigInt(stored);
        const written = await write(client, (o) => from === null || BigInt(o) >= from);
        if (from === null || BigInt(nextOffset) > from)
          await client.query(plans.writeOffset(this.schema), [
            this.group,
            topic,
            partition,
            nextOffset,
          ]);
        await client.query('COMMIT');
        return written;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }
}
