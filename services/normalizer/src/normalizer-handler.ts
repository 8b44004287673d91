import {
  correct,
  Deduplicator,
  emptyMmsState,
  mmsConfig,
  normalizeOutbound,
  normalizeWebhook,
  timeSkewsOf,
  type ConversationEvent,
  type DedupState,
  type MmsConfig,
  type MmsState,
} from '@cpm/domain';
import type { OutboundRecord, RawWebhookRecord } from '@cpm/contracts';
import type { ChangelogList, Emit, ProcessContext } from '@cpm/kafka';
import type { Metrics } from '@cpm/platform';
import type { NormalizerConfig } from './config';

/** The normalizer's state per customer key, restored from its changelog. */
export interface NormalizerState {
  dedup: DedupState;
  mms: MmsState;
}

export const initialNormalizerState = (): NormalizerState => ({
  dedup: { recent: [] },
  mms: emptyMmsState(),
});

/** The remembered event ids go to the changelog one by one: a new event writes its id, not the 256 before it (StateChangelog). */
export const normalizerChangelogLists = [
  {
    name: 'event',
    get: (s) => s.dedup.recent,
    with: (s, recent) => ({ ...s, dedup: { recent } }),
    id: (eventId) => eventId,
  } satisfies ChangelogList<NormalizerState, string>,
];

/**
 * One record of sinch.webhooks.raw.v1 or sinch.outbound.v1 → conversation events: parse
 * (pure), drop what this customer already had (same event id), apply the MMS correction
 * (pure state machine). Deterministic: the output depends on the log only.
 */
export function normalizerHandler(config: {
  mms: MmsConfig;
  dedupCapacity: number;
  metrics: Metrics;
}) {
  return (value: unknown, ctx: ProcessContext<NormalizerState>): Emit[] => {
    const source = { topic: ctx.topic, partition: ctx.partition, offset: ctx.offset };
    let events: ConversationEvent[];
    if (ctx.topic === 'sinch.outbound.v1') {
      events = normalizeOutbound({ record: value as OutboundRecord, source, kafka: ctx.timestamp });
    } else {
      const raw = value as RawWebhookRecord;
      events = normalizeWebhook({
        body: raw.body,
        receivedAtMs: Number(raw.receivedAt),
        customerKey: raw.customerKey || ctx.key,
        source,
        kafka: ctx.timestamp,
      });
      // One observation per callback (its events share the times), duplicates included: the skews are the transport's.
      const times = events[0]?.times;
      if (times)
        for (const skew of timeSkewsOf(times))
          config.metrics.timeSkew.observe({ from: skew.from, to: skew.to }, skew.seconds);
    }
    const state = ctx.state.get(ctx.key);
    const { state: dedup, fresh } = Deduplicator.filterNew(
      state.dedup,
      events,
      config.dedupCapacity,
    );
    for (const dropped of events.filter((e) => !fresh.includes(e)))
      config.metrics.duplicatesDropped.inc({ type: dropped.type });
    let mms = state.mms;
    const out: ConversationEvent[] = [];
    for (const event of fresh) {
      const result = correct(mms, event, config.mms);
      mms = result.state;
      out.push(...result.events);
    }
    for (const e of out)
      if (e.type === 'CHANNEL_CORRECTED')
        config.metrics.corrections.inc({ rule: e.correction?.rule ?? '' });
    if (dedup !== state.dedup || mms !== state.mms) ctx.state.set(ctx.key, { dedup, mms });
    return out.map((e) => ({
      topic: 'conversation.events.v1',
      key: e.customerKey || ctx.key,
      value: e,
      type: e.type,
    }));
  };
}

/** The handler with the settings of a normalizer's configuration (MMS_*, DEDUP_CAPACITY). */
export const normalizerHandlerOf = (config: NormalizerConfig, metrics: Metrics) =>
  normalizerHandler({
    mms: mmsConfig({
      mmsAppIds: config.MMS_APP_IDS,
      mmsBusinessNumbers: config.MMS_BUSINESS_NUMBERS,
      idleTimeoutMs: config.MMS_IDLE_TIMEOUT_MS,
    }),
    dedupCapacity: config.DEDUP_CAPACITY,
    metrics,
  });
