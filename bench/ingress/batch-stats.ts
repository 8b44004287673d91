/** Kafka sends of the ingress, read from its /metrics (cpm_webhook_batch_size). */
export interface BatchCounters {
  batches: number;
  records: number;
}

export async function readBatchCounters(opsUrl: string | null): Promise<BatchCounters | null> {
  if (!opsUrl) return null;
  try {
    const text = await (await fetch(`${opsUrl}/metrics`)).text();
    const value = (name: string): number =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    return {
      batches: value('cpm_webhook_batch_size_count'),
      records: value('cpm_webhook_batch_size_sum'),
    };
  } catch {
    return null;
  }
}

/** Batches per second and records per batch between two readings. */
export function batchRate(
  before: BatchCounters | null,
  after: BatchCounters | null,
  seconds: number,
): { perSecond: number; meanSize: number } | null {
  if (!before || !after) return null;
  const batches = after.batches - before.batches;
  return {
    perSecond: batches / seconds,
    meanSize: batches > 0 ? (after.records - before.records) / batches : 0,
  };
}
