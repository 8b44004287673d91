import {
  acceptLink,
  CONTACT_LINKED,
  correct,
  Deduplicator,
  emptyLinkState,
  isPhoneKey,
  emptyMmsState,
  linksFrom,
  rekeyed,
  routeContactEvent,
  mmsConfig,
  normalizeOutbound,
  normalizeWebhook,
  type ConversationEvent,
  type DedupState,
  type LinkState,
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
  /** Contact ↔ phone key links (docs/ARCHITECTURE.md#contact-links); absent in older changelogs. */
  links?: LinkState;
}

export const initialNormalizerState = (): NormalizerState => ({
  dedup: { recent: [] },
  mms: emptyMmsState(),
  links: emptyLinkState(),
});

/** The internal topic that carries link records and re-keyed callbacks between keys. */
export const REPARTITION_TOPIC = 'normalizer.repartition.v1';

const eventOut = (e: ConversationEvent, key: string): Emit => ({
  topic: 'conversation.events.v1',
  key,
  value: e,
  type: e.type,
});
const repartition = (e: ConversationEvent, key: string): Emit => ({
  topic: REPARTITION_TOPIC,
  key,
  value: e,
  type: e.type,
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
 * (pure state machine), then route by contact links: a phone key's events link their
 * contacts, a contact key's contact and SMS/MMS conversation callbacks go on to the linked
 * phone keys through normalizer.repartition.v1, whose records come back here: a link on
 * the contact's key, a re-keyed callback on the phone key (processed like the key's own).
 * Deterministic: the output depends on the log only (but for where a re-keyed callback
 * falls among the phone key's own events: docs/ARCHITECTURE.md#contact-links).
 */
export function normalizerHandler(config: {
  mms: MmsConfig;
  dedupCapacity: number;
  metrics: Metrics;
}) {
  return (value: unknown, ctx: ProcessContext<NormalizerState>): Emit[] => {
    const source = { topic: ctx.topic, partition: ctx.partition, offset: ctx.offset };
    let events: ConversationEvent[];
    if (ctx.topic === REPARTITION_TOPIC) {
      const event = value as ConversationEvent;
      if (event.type === CONTACT_LINKED) {
        const state = ctx.state.get(ctx.key);
        const links = state.links ?? emptyLinkState();
        const accepted = acceptLink(links, event.customerKey);
        if (accepted.state !== links) ctx.state.set(ctx.key, { ...state, links: accepted.state });
        return accepted.flush.map((e) =>
          repartition(rekeyed(e, event.customerKey), event.customerKey),
        );
      }
      events = [event];
    } else if (ctx.topic === 'sinch.outbound.v1') {
      events = normalizeOutbound({ record: value as OutboundRecord, source });
    } else {
      const raw = value as RawWebhookRecord;
      events = normalizeWebhook({
        body: raw.body,
        receivedAtMs: Number(raw.receivedAt),
        customerKey: raw.customerKey || ctx.key,
        source,
      });
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
    const emits: Emit[] = [];
    const linksBefore = state.links ?? emptyLinkState();
    let links = linksBefore;
    for (const e of out) {
      const key = e.customerKey || ctx.key;
      if (isPhoneKey(e.appId, ctx.key)) {
        emits.push(eventOut(e, key));
        const linked = linksFrom(links, ctx.key, e);
        links = linked.state;
        for (const link of linked.links) emits.push(repartition(link.event, link.contactKey));
        continue;
      }
      const route = routeContactEvent(links, e);
      links = route.state;
      if (route.direct) emits.push(eventOut(e, key));
      for (const phoneKey of route.to)
        for (const x of [...route.released, e])
          emits.push(repartition(rekeyed(x, phoneKey), phoneKey));
    }
    if (dedup !== state.dedup || mms !== state.mms || links !== linksBefore)
      ctx.state.set(ctx.key, { dedup, mms, links });
    return emits;
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
