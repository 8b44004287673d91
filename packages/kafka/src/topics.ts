/**
 * Every topic of the system, declared once (docs/ARCHITECTURE.md#topics). Created idempotently
 * by `ensureTopics`; documented for upstream consumers by `npm run topics:doc`.
 * Names are prefixed by a namespace (default none) so deployments and test files can
 * share a cluster.
 */
export type TopicKind = 'record' | 'quarantine' | 'derived' | 'dlq' | 'changelog' | 'repartition';

export interface TopicSpec {
  name: string;
  kind: TopicKind;
  /** Avro schema file in schemas/, registered under `<topic>-value`. */
  valueSchema: string;
  purpose: string;
  producedBy: string;
  config: Record<string, string>;
}

const UNLIMITED = { 'retention.ms': '-1', 'retention.bytes': '-1' };
const DLQ_RETENTION = { 'retention.ms': String(30 * 24 * 3600 * 1000) };

const specs: TopicSpec[] = [];

function declare(spec: TopicSpec, withDlq = false): void {
  specs.push(spec);
  if (withDlq) {
    specs.push({
      name: `${spec.name}.dlq`,
      kind: 'dlq',
      valueSchema: 'dead-letter.v1.avsc',
      purpose: `Records that ${spec.producedBy} could not process while deriving ${spec.name}, with the error and their source topic/partition/offset.`,
      producedBy: spec.producedBy,
      config: DLQ_RETENTION,
    });
  }
}

declare({
  name: 'sinch.webhooks.raw.v1',
  kind: 'record',
  valueSchema: 'sinch.webhooks.raw.v1.avsc',
  purpose:
    'Every verified Conversation API callback, byte for byte, with its signature headers. Log of record.',
  producedBy: 'ingress',
  // The broker stamps each record when it appends it: the receipt → append step of
  // docs/DOMAIN.md#times is then measured against the broker's clock, not the ingress's.
  config: { ...UNLIMITED, 'message.timestamp.type': 'LogAppendTime' },
});
declare({
  name: 'sinch.webhooks.rejected.v1',
  kind: 'quarantine',
  valueSchema: 'sinch.webhooks.rejected.v1.avsc',
  purpose:
    'Requests refused at the ingress (bad signature, signed non-JSON), size-bounded, to recover callbacks lost to a misconfigured secret.',
  producedBy: 'ingress',
  config: {
    'retention.ms': String(14 * 24 * 3600 * 1000),
    'retention.bytes': String(1024 * 1024 * 1024),
    'max.message.bytes': String(2 * 1024 * 1024),
  },
});
declare({
  name: 'agent.commands.v1',
  kind: 'record',
  valueSchema: 'agent.commands.v1.avsc',
  purpose:
    'What agents ask the system to do (send text, media, choices, a WhatsApp template; end a conversation; register an opt-in or opt-out). Log of record.',
  producedBy: 'agent console / Contact Pro connector',
  config: UNLIMITED,
});
declare({
  name: 'sinch.outbound.v1',
  kind: 'record',
  valueSchema: 'sinch.outbound.v1.avsc',
  purpose:
    'The outcome of every command sent to the Conversation API: Sinch message id and time, or the failure. Log of record.',
  producedBy: 'outbound',
  config: UNLIMITED,
});
declare({
  name: 'sinch.lookups.v1',
  kind: 'record',
  valueSchema: 'sinch.lookups.v1.avsc',
  purpose:
    'Answers of Conversation API look-ups (display names), recorded before use so a replay never calls Sinch. Log of record.',
  producedBy: 'agent-events',
  config: UNLIMITED,
});
declare({
  name: 'sinch.templates.v1',
  kind: 'record',
  valueSchema: 'sinch.templates.v1.avsc',
  purpose:
    "The project's WhatsApp templates, as the Template Management API listed them at the last refresh; compacted, one record per project. The console offers agents these.",
  producedBy:
    'outbound (at start, every `OUTBOUND_TEMPLATES_REFRESH_MS`, and `npm run refresh-templates -w @cpm/outbound`)',
  config: { 'cleanup.policy': 'compact', 'retention.ms': '-1' },
});
declare(
  {
    name: 'conversation.events.v1',
    kind: 'derived',
    valueSchema: 'conversation.events.v1.avsc',
    purpose:
      'Typed conversation events from every callback and outbound result, after de-duplication and the MMS channel correction.',
    producedBy: 'normalizer',
    config: UNLIMITED,
  },
  true,
);
declare({
  name: 'normalizer.repartition.v1',
  kind: 'repartition',
  valueSchema: 'conversation.events.v1.avsc',
  purpose:
    'Internal to the normalizer: contact links (CONTACT_LINKED, keyed by the contact key, naming the phone key its SMS/MMS messages use) and contact or conversation callbacks re-keyed from the contact key to a linked phone key (docs/ARCHITECTURE.md#contact-links).',
  producedBy: 'normalizer',
  config: UNLIMITED,
});
declare(
  {
    name: 'conversation.media.v1',
    kind: 'derived',
    valueSchema: 'conversation.media.v1.avsc',
    purpose:
      'Customer media downloaded into the internal store (READY) or not (FAILED, with the reason).',
    producedBy: 'media',
    config: UNLIMITED,
  },
  true,
);
declare(
  {
    name: 'agent.events.v1',
    kind: 'derived',
    valueSchema: 'agent.events.v1.avsc',
    purpose: 'The Contact Pro view: one record per thing an agent must see. The product contract.',
    producedBy: 'agent-events',
    config: UNLIMITED,
  },
  true,
);

declare({
  name: 'replay.redrives.v1',
  kind: 'record',
  valueSchema: 'replay.redrives.v1.avsc',
  purpose:
    'Dead letters put back on their source topic by `replay redrive`, keyed by DLQ position, each written in the transaction that put it back: a position found here is not redriven again.',
  producedBy: 'replay',
  config: { 'cleanup.policy': 'compact', 'retention.ms': '-1' },
});

export const TOPICS: readonly TopicSpec[] = specs;

/** `ns` is the deployment's namespace: `acme` gives `acme.sinch.webhooks.raw.v1`. */
export function topicName(namespace: string, name: string): string {
  return namespace ? `${namespace}.${name}` : name;
}

export function topicSpec(name: string): TopicSpec {
  const spec = specs.find((s) => s.name === name);
  if (!spec) throw new Error(`unknown topic ${name}; declare it in packages/kafka/src/topics.ts`);
  return spec;
}

/** A compacted changelog for a stateful service's state (Kafka Streams style). */
export function changelogSpec(service: string): TopicSpec {
  return {
    name: `${service}.state.v1`,
    kind: 'changelog',
    valueSchema: '',
    purpose: `State of ${service}, keyed by customer key; restored on start. Keys starting with U+0000 are bookkeeping (the input offsets each transaction covered, restore seals), not state.`,
    producedBy: service,
    config: {
      'cleanup.policy': 'compact',
      'min.compaction.lag.ms': '0',
      'segment.ms': String(3600 * 1000),
    },
  };
}

// Appended by the outbound service: commands it cannot decode (the command log has no DLQ twin of its own).
specs.push({
  name: 'sinch.outbound.v1.dlq',
  kind: 'dlq',
  valueSchema: 'dead-letter.v1.avsc',
  purpose:
    'agent.commands.v1 records the outbound service could not decode, with the error and their source topic/partition/offset.',
  producedBy: 'outbound',
  config: DLQ_RETENTION,
});
