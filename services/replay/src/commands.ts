import { claimTopicNamespace, expectTopicNamespace, migrate } from '@cpm/postgres';
import { SwapNotCaughtUpError } from './errors';
import { replayPlans } from './plans';
import { Progress } from './progress';
import { rebuildInto, type RebuildResult } from './rebuild';
import type { ReplayContext } from './replay-context';
import { nextSchemaVersion } from './schema-versions';
import { swapSchemas } from './swap';
import { diffSchemas, type RowDifference } from './verify';

const SWAP_ATTEMPTS = 5;

function rebuildOptions(ctx: ReplayContext, schema: string, json: boolean) {
  return {
    kafka: ctx.kafka,
    codec: ctx.codec,
    pool: ctx.pool,
    namespace: ctx.config.TOPIC_NAMESPACE,
    schema,
    group: ctx.config.PROJECTOR_GROUP,
    maxBytesPerPartition: ctx.config.REPLAY_MAX_BYTES_PER_PARTITION,
    progress: (total: number) => new Progress(`rebuild ${schema}`, total, json),
  };
}

export interface RebuildReport extends RebuildResult {
  schema: string;
  retired: string | null;
  attempts: number;
  eventsPerSecond: number;
}

/**
 * `rebuild`: projects the whole log into `<live>_<n>`, then swaps it in (swap.ts). If the
 * live projector moved on meanwhile, the new schema catches up from where it stopped and
 * the swap is tried again.
 */
export async function rebuildAndSwap(ctx: ReplayContext, json: boolean): Promise<RebuildReport> {
  const live = ctx.config.PROJECTION_SCHEMA;
  const n = await nextSchemaVersion(ctx.pool, live);
  const schema = `${live}_${n}`;
  // Swapping in a rebuild of this namespace over another namespace's live schema would take
  // that deployment's projections away.
  await expectTopicNamespace(ctx.pool, live, ctx.config.TOPIC_NAMESPACE);
  await migrate(ctx.config.DATABASE_URL, schema);
  await claimTopicNamespace(ctx.pool, schema, ctx.config.TOPIC_NAMESPACE);
  const total: RebuildResult = {
    records: 0,
    indexed: 0,
    indexSeconds: 0,
    skipped: 0,
    seconds: 0,
    decodeSeconds: 0,
    writeSeconds: 0,
  };
  for (let attempt = 1; attempt <= SWAP_ATTEMPTS; attempt++) {
    const pass = await rebuildInto(rebuildOptions(ctx, schema, json));
    total.records += pass.records;
    total.indexed += pass.indexed;
    total.indexSeconds += pass.indexSeconds;
    total.skipped += pass.skipped;
    total.seconds += pass.seconds;
    total.decodeSeconds += pass.decodeSeconds;
    total.writeSeconds += pass.writeSeconds;
    const outcome = await swapSchemas(ctx.pool, {
      live,
      candidate: schema,
      retired: `${live}_${n}_retired`,
      group: ctx.config.PROJECTOR_GROUP,
    });
    if (outcome.swapped) {
      return {
        ...total,
        schema,
        retired: outcome.retired,
        attempts: attempt,
        eventsPerSecond: total.seconds > 0 ? Math.round(total.records / total.seconds) : 0,
      };
    }
    ctx.logger.info(
      { behind: outcome.behind, attempt },
      'live projector moved on during the rebuild: catching up before the swap',
    );
  }
  throw new SwapNotCaughtUpError(
    `${schema} could not catch up with ${live} in ${SWAP_ATTEMPTS} attempts; it is kept: run rebuild again when the load is lower`,
  );
}

export interface VerifyReport {
  scratch: string;
  records: number;
  differences: RowDifference[];
}

/** `verify`: rebuilds into a scratch schema, diffs it against the live one, drops it (unless kept). */
export async function verifyLive(
  ctx: ReplayContext,
  json: boolean,
  keep = false,
): Promise<VerifyReport> {
  const live = ctx.config.PROJECTION_SCHEMA;
  const scratch = `${live}_${await nextSchemaVersion(ctx.pool, live)}_verify`;
  await expectTopicNamespace(ctx.pool, live, ctx.config.TOPIC_NAMESPACE);
  await migrate(ctx.config.DATABASE_URL, scratch);
  try {
    await claimTopicNamespace(ctx.pool, scratch, ctx.config.TOPIC_NAMESPACE);
    const result = await rebuildInto(rebuildOptions(ctx, scratch, json));
    const differences = await diffSchemas(ctx.pool, live, scratch, ctx.config.PROJECTOR_GROUP);
    return { scratch, records: result.records, differences };
  } finally {
    if (!keep) await ctx.pool.query(replayPlans.dropSchema(scratch));
  }
}
