import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import type { AgentEvent } from '@cpm/contracts';
import {
  agentEventsHandler,
  initialAgentState,
  readLookupLog,
  type AgentState,
} from '@cpm/agent-events';
import type { AgentViewOptions } from '@cpm/domain';
import {
  KeyedState,
  partitionOfKey,
  readToEnd,
  topicName,
  withAdmin,
  type SchemaCodec,
} from '@cpm/kafka';
import { createMetrics, isRetriable, type Logger } from '@cpm/platform';
import { ReplayUsageError } from './errors';

/** What the live agent-events service reads; sinch.lookups.v1 is read apart (readLookupLog). */
const INPUTS = ['conversation.events.v1', 'conversation.media.v1'] as const;
const OUTPUT = 'agent.events.v1';

export interface AgentViewAtOptions {
  kafka: Kafka;
  codec: SchemaCodec;
  pool: Pool;
  namespace: string;
  /** The live projection schema, to find a conversation id's customer. */
  projectionSchema: string;
  /** The live service's view settings (agentViewSettings of @cpm/agent-events). */
  settings: { view: AgentViewOptions; mediaBaseUrl: string };
  logger: Logger;
}

/** One agent event rebuilt, with the input record it came from. */
export interface ViewedEvent {
  input: { topic: string; partition: number; offset: string; at: string };
  event: AgentEvent;
}

export interface AgentViewAt {
  customerKey: string;
  partition: number;
  /** The point: a time, and the input offsets (exclusive) read up to. */
  at: string;
  readUpTo: Record<string, string>;
  events: ViewedEvent[];
  /** Input records the live service could not process either (they went to its DLQ). */
  skipped: { topic: string; offset: string; error: string }[];
  /** The customer as the agent saw them then. */
  view: {
    displayName: string | null;
    label: string | null;
    identity: string;
    channel: string;
    sourceChannel: string;
    /** What agent-events remembers for quotes: an agent's message with its text, any other by id. */
    messages: AgentState['messages'];
    statuses: AgentState['statuses'];
    /** Of the conversation's last event that carried them. */
    attachedData: Record<string, string> | null;
  };
}

/** `<topic>:<partition>:<offset>`: a catalogue topic name, or the full one. */
const POSITION = /^(.+):(\d+):(\d+)$/;

/**
 * What the agent saw for a customer (key, or a conversation id found in the projection) at
 * a time, or at a log position: the customer's partition of agent-events' inputs read from
 * the start up to that point, through the live service's own handler (agentEventsHandler,
 * with the view settings of AGENT_EVENTS_*), its state kept as the service keeps it.
 * Look-ups are answered from sinch.lookups.v1 (never from Sinch), as a replay of the
 * service does.
 *
 * Up to a time: the input records written at or before it. Up to a position: that record
 * included, and in the other inputs the records written at or before its time. The inputs
 * are applied in the order they were written (record time; ties: events before media
 * outcomes), the order the live service meets them when it keeps up.
 */
export async function agentViewAt(
  o: AgentViewAtOptions,
  subject: string,
  at: string,
): Promise<AgentViewAt> {
  const customerKey = await customerKeyOf(o, subject);
  const full = (topic: string) => topicName(o.namespace, topic);
  const partitions = await withAdmin(
    o.kafka,
    async (admin) => (await admin.fetchTopicOffsets(full(INPUTS[0]))).length,
  );
  const partition = partitionOfKey(customerKey, partitions);
  const { atMs, exact } = await pointOf(o, at);
  const ends = new Map<string, string>();
  await withAdmin(o.kafka, async (admin) => {
    for (const topic of [...INPUTS, 'sinch.lookups.v1']) {
      const offsets = await admin.fetchTopicOffsetsByTimestamp(full(topic), atMs + 1);
      ends.set(
        `${full(topic)}:${partition}`,
        offsets.find((p) => p.partition === partition)!.offset,
      );
    }
  });
  if (exact) ends.set(`${exact.topic}:${exact.partition}`, (BigInt(exact.offset) + 1n).toString());
  const only = new Set([partition]);

  const recorded = await readLookupLog(o.kafka, o.codec, o.namespace, {
    partitions: only,
    endOffsets: ends,
  });
  const records: { topic: string; message: KafkaMessage }[] = [];
  const readUpTo = await readToEnd(
    o.kafka,
    INPUTS.map(full),
    (batch) => {
      for (const message of batch.messages)
        if (message.key?.toString() === customerKey)
          records.push({ topic: batch.topic.slice(full('').length), message });
    },
    { partitions: only, endOffsets: ends, groupPrefix: 'replay-agent-view' },
  );
  const rank = (topic: string) => INPUTS.indexOf(topic as (typeof INPUTS)[number]);
  records.sort(
    (a, b) =>
      Number(a.message.timestamp) - Number(b.message.timestamp) ||
      rank(a.topic) - rank(b.topic) ||
      Number(BigInt(a.message.offset) - BigInt(b.message.offset)),
  );

  const handle = agentEventsHandler({
    ...o.settings,
    outputTopic: OUTPUT,
    lookup: { recorded },
    metrics: createMetrics('replay'),
    logger: o.logger,
  });
  const state = new KeyedState<AgentState>(initialAgentState);
  const result: AgentViewAt = {
    customerKey,
    partition,
    at: new Date(atMs).toISOString(),
    readUpTo: Object.fromEntries([...readUpTo].map(([k, v]) => [k.slice(full('').length), v])),
    events: [],
    skipped: [],
    view: {} as AgentViewAt['view'],
  };
  let attachedData: Record<string, string> | null = null;
  for (const { topic, message } of records) {
    const scope = state.scope();
    try {
      const value = await o.codec.decode(message.value);
      const emits = await handle(value, {
        topic,
        partition,
        offset: message.offset,
        key: customerKey,
        state: scope,
        // A view of the past: nothing is committed, and no side effect runs again.
        commitThen: () => Promise.reject(new Error('a replay runs no side effects')),
      });
      state.commit(scope.keys);
      for (const emit of emits) {
        if (emit.topic !== OUTPUT) continue;
        const event = emit.value as AgentEvent;
        if (event.attachedData) attachedData = event.attachedData;
        result.events.push({
          input: {
            topic,
            partition,
            offset: message.offset,
            at: new Date(Number(message.timestamp)).toISOString(),
          },
          event,
        });
      }
    } catch (error) {
      // As the live service: a record that cannot be processed changes nothing (its DLQ).
      if (isRetriable(error)) throw error;
      state.rollback(scope.keys);
      result.skipped.push({ topic, offset: message.offset, error: (error as Error).message });
    }
  }
  const s = state.get(customerKey);
  const last = result.events.at(-1)?.event;
  result.view = {
    displayName: s.displayName,
    label: last?.customer.label ?? null,
    identity: s.identity,
    channel: s.channel,
    sourceChannel: s.sourceChannel,
    messages: s.messages,
    statuses: s.statuses,
    attachedData,
  };
  return result;
}

/** A conversation id known to the projection → its customer key; anything else is taken as a customer key. */
async function customerKeyOf(o: AgentViewAtOptions, subject: string): Promise<string> {
  const found = await o.pool
    .query<{ customer_key: string }>(
      `SELECT customer_key FROM ${o.projectionSchema}.conversations WHERE conversation_id = $1`,
      [subject],
    )
    .catch(() => ({ rows: [] as { customer_key: string }[] }));
  return found.rows[0]?.customer_key ?? subject;
}

/** `--at`: a time (ISO-8601 or epoch ms), or `<topic>:<partition>:<offset>` (that record's time, the record included). */
async function pointOf(
  o: AgentViewAtOptions,
  at: string,
): Promise<{
  atMs: number;
  exact: { topic: string; partition: number; offset: string } | null;
}> {
  const position = POSITION.exec(at);
  if (!position) {
    const atMs = /^\d+$/.test(at) ? Number(at) : Date.parse(at);
    if (Number.isNaN(atMs))
      throw new ReplayUsageError(
        `--at must be an ISO-8601 time, epoch milliseconds or <topic>:<partition>:<offset>, got ${JSON.stringify(at)}`,
      );
    return { atMs, exact: null };
  }
  const [, name, partition, offset] = position;
  const topic = name!.startsWith(topicName(o.namespace, ''))
    ? name!
    : topicName(o.namespace, name!);
  let atMs: number | null = null;
  await readToEnd(
    o.kafka,
    [topic],
    (batch) => {
      const m = batch.messages.find((x) => x.offset === offset);
      if (m) atMs = Number(m.timestamp);
    },
    {
      partitions: new Set([Number(partition)]),
      startOffsets: new Map([[`${topic}:${partition}`, offset!]]),
      endOffsets: new Map([[`${topic}:${partition}`, (BigInt(offset!) + 1n).toString()]]),
      groupPrefix: 'replay-agent-view',
    },
  ).catch((error: unknown) => {
    throw new ReplayUsageError(`cannot read ${at}: ${(error as Error).message}`);
  });
  if (atMs === null) throw new ReplayUsageError(`no record at ${at}`);
  return { atMs, exact: { topic, partition: Number(partition), offset: offset! } };
}

/** Readable: the agent events in order, then the view they left. */
export function formatAgentView(r: AgentViewAt): string {
  const lines = [
    `${r.customerKey} (partition ${r.partition}) as the agent saw it at ${r.at}; inputs read up to ${Object.entries(
      r.readUpTo,
    )
      .map(([k, v]) => `${k}@${v}`)
      .join(', ')}`,
  ];
  for (const { input, event: e } of r.events) {
    const m = e.message;
    const what = m
      ? ` ${m.direction} ${m.id}${m.text !== null ? ` ${JSON.stringify(m.text)}` : ''}${m.attachments.length > 0 ? ` attachments ${m.attachments.map((a) => `${a.id} ${a.status}`).join(', ')}` : ''}${m.quoted ? ` quoting ${m.quoted.messageId}` : ''}`
      : e.status
        ? ` ${e.status.messageId}=${e.status.status}`
        : '';
    lines.push(
      `${input.at}  ${e.type.padEnd(20)} ${e.channel} "${e.customer.label}"${what}  (from ${input.topic}[${input.partition}]@${input.offset})`,
    );
  }
  for (const s of r.skipped)
    lines.push(`skipped ${s.topic}@${s.offset} (not processable: ${s.error})`);
  const v = r.view;
  lines.push(
    `view: ${v.label ?? '-'} (name ${v.displayName ?? '-'}, ${v.identity || '-'} on ${v.channel || '-'}${v.sourceChannel && v.sourceChannel !== v.channel ? `, reported ${v.sourceChannel}` : ''})`,
    `attached data: ${v.attachedData ? JSON.stringify(v.attachedData) : '-'}`,
    `messages (${v.messages.length}):`,
    ...v.messages.map(
      (m) =>
        `  ${new Date(m.acceptedAtMs).toISOString()} ${m.author} ${m.messageId}${m.text !== null ? ` ${JSON.stringify(m.text)}` : ''}${m.attachment ? ` [${m.attachment.fileName ?? m.attachment.url}]` : ''}`,
    ),
    ...v.statuses.map(([id, d]) => `  status ${id}=${d.status}${d.reason ? ` (${d.reason})` : ''}`),
  );
  return lines.join('\n');
}
