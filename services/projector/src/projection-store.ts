import type { Pool, PoolClient } from 'pg';
import { nextDeliveryState, type DeliveryState } from '@cpm/domain';
import { COLUMNS, plans } from './plans';
import { projectionRows, type ProjectedRecord, type ProjectionRows } from './rows';
import { StoredOffsets } from './stored-offsets';

/** Row objects → one array per column, in COLUMNS order, for an unnest(...) statement. */
function columnArrays(
  rows: readonly object[],
  columns: readonly (readonly [string, string])[],
): unknown[][] {
  return columns.map(([name]) => rows.map((r) => (r as Record<string, unknown>)[name] ?? null));
}

/**
 * Writes projections into one schema. `apply` is one transaction per batch of one
 * topic-partition: the rows and the consumed offset commit together (exactly-once), and
 * records the stored offset says are done are skipped, so a re-delivered batch changes nothing.
 */
export class ProjectionStore {
  readonly offsets: StoredOffsets;
  constructor(
    readonly pool: Pool,
    readonly schema: string,
    readonly group: string,
    /** false for rebuilds (StoredOffsets.durable). */
    readonly durable = true,
  ) {
    this.offsets = new StoredOffsets(pool, schema, group, durable);
  }

  storedOffsets(): Promise<Map<string, string>> {
    return this.offsets.read();
  }

  /** `records`: one topic-partition, ascending offsets; `nextOffset`: the offset after the batch. Returns how many were written. */
  async apply(
    topic: string,
    partition: number,
    records: readonly ProjectedRecord[],
    nextOffset: string,
  ): Promise<number> {
    return this.offsets.apply(topic, partition, nextOffset, async (client, isNew) => {
      const fresh = records.filter((r) => isNew(r.position.log_offset));
      if (fresh.length > 0) await this.write(client, projectionRows(fresh));
      return fresh.length;
    });
  }

  private async write(client: PoolClient, rows: ProjectionRows): Promise<void> {
    const s = this.schema;
    const upsert = async (
      sql: string,
      list: readonly object[],
      columns: readonly (readonly [string, string])[],
    ) => {
      if (list.length > 0) await client.query(sql, columnArrays(list, columns));
    };
    await upsert(plans.upsertCustomers(s), rows.customers, COLUMNS.customers);
    await upsert(plans.upsertIdentities(s), rows.identities, COLUMNS.identities);
    await upsert(plans.upsertConversations(s), rows.conversations, COLUMNS.conversations);
    await upsert(plans.upsertMessages(s), rows.messages, COLUMNS.messages);
    await upsert(plans.insertStatuses(s), rows.statuses, COLUMNS.statuses);
    await upsert(plans.upsertAttachments(s), rows.attachments, COLUMNS.attachments);
    await upsert(plans.upsertConsents(s), rows.consents, COLUMNS.consents);
    // A message's status is the fold of its whole report history, in log order: the same
    // whatever the batches were, and a message that arrives after its reports gets them.
    const touched = [
      ...new Set([
        ...rows.statuses.map((r) => r.message_id),
        ...rows.messages.map((r) => r.message_id),
      ]),
    ];
    if (touched.length === 0 || (rows.statuses.length === 0 && rows.messages.length === 0)) return;
    const history = await client.query<{
      message_id: string;
      status: string;
      reason: string | null;
    }>(plans.statusHistory(s), [touched]);
    if (history.rows.length === 0) return;
    const states = new Map<string, DeliveryState>();
    for (const h of history.rows)
      states.set(
        h.message_id,
        nextDeliveryState(states.get(h.message_id), { status: h.status, reason: h.reason }),
      );
    const updates = [...states].map(([message_id, st]) => ({
      message_id,
      status: st.status,
      reason: st.reason,
      delivered: st.delivered,
      switch_reason: st.switchReason,
    }));
    await upsert(plans.updateMessageStatuses(s), updates, COLUMNS.statusUpdates);
  }
}
