import type { Kafka } from 'kafkajs';
import type { ConversationEvent } from '@cpm/domain';
import type { AgentEvent, RawWebhookRecord } from '@cpm/contracts';
import { readToEnd, topicName, type SchemaCodec } from '@cpm/kafka';
import { verifyWithKeyring, type Keyring } from '@cpm/sinch-webhooks';

export interface AuditEntry {
  /** Sort time: receive time for webhooks and events, Sinch time for agent events. */
  atMs: number;
  at: string;
  kind: 'WEBHOOK' | 'EVENT' | 'AGENT_EVENT';
  log: { topic: string; partition: number; offset: string };
  summary: string;
  details: Record<string, unknown>;
}

export interface AuditOptions {
  kafka: Kafka;
  codec: SchemaCodec;
  namespace: string;
  keyring: Keyring;
}

const RANK = { WEBHOOK: 0, EVENT: 1, AGENT_EVENT: 2 };
const iso = (ms: number) => new Date(ms).toISOString();

/** The Sinch times of a callback body (envelope and inner accept_time), as Sinch wrote them. */
function sinchTimes(body: Buffer): Record<string, string> {
  try {
    const root = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const times: Record<string, string> = {};
    for (const k of ['accepted_time', 'event_time'])
      if (typeof root[k] === 'string') times[k] = root[k];
    for (const v of Object.values(root)) {
      const inner = v as Record<string, unknown> | null;
      if (inner && typeof inner === 'object' && typeof inner.accept_time === 'string')
        times.accept_time = inner.accept_time;
    }
    return times;
  } catch {
    return {};
  }
}

/**
 * The history of one conversation id or customer key, from the log of record
 * (sinch.webhooks.raw.v1) and the derived topics (conversation.events.v1, agent.events.v1),
 * in order. Each stored signature is verified again with the secret that verified it at
 * receipt (`secretId`), or, for records older than ids, with the secrets of the keyring valid
 * at their receipt time (docs/DOMAIN.md#signatures).
 */
export async function audit(o: AuditOptions, subject: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  const rawPositions = new Set<string>();
  const needle = JSON.stringify(subject);
  const read = (topic: string, each: (partition: number, offset: string, value: unknown) => void) =>
    readToEnd(
      o.kafka,
      [topicName(o.namespace, topic)],
      async (batch) => {
        for (const m of batch.messages)
          if (m.value)
            each(batch.partition, m.offset, await o.codec.decode(m.value).catch(() => null));
      },
      { groupPrefix: 'replay' },
    );

  await read('conversation.events.v1', (partition, offset, value) => {
    const e = value as ConversationEvent | null;
    if (
      !e ||
      (e.customerKey !== subject &&
        e.conversationId !== subject &&
        e.sourceConversationId !== subject)
    )
      return;
    if (e.source.topic === 'sinch.webhooks.raw.v1')
      rawPositions.add(`${e.source.partition}:${e.source.offset}`);
    const corrected = e.correction
      ? ` corrected ${e.sourceChannel}→${e.channel} (${e.correction.rule}, bound to ${e.correction.boundConversationId || '-'})`
      : '';
    entries.push({
      atMs: e.receivedAtMs,
      at: e.receivedAt,
      kind: 'EVENT',
      log: { topic: 'conversation.events.v1', partition, offset },
      summary: `${e.type} ${e.channel}${e.message ? ` message ${e.message.id}` : ''}${e.status ? ` status ${e.status.messageId}=${e.status.status}` : ''}${corrected}`,
      details: {
        eventId: e.eventId,
        type: e.type,
        occurredAt: e.occurredAt,
        occurredAtSource: e.occurredAtSource,
        channel: e.channel,
        sourceChannel: e.sourceChannel,
        conversationId: e.conversationId,
        sourceConversationId: e.sourceConversationId,
        correction: e.correction,
        source: e.source,
        message: e.message
          ? { id: e.message.id, direction: e.message.direction, text: e.message.text }
          : null,
      },
    });
  });

  await read('sinch.webhooks.raw.v1', (partition, offset, value) => {
    const r = value as RawWebhookRecord | null;
    if (!r) return;
    if (
      r.customerKey !== subject &&
      !rawPositions.has(`${partition}:${offset}`) &&
      !r.body.toString('utf8').includes(needle)
    )
      return;
    const headers = {
      signature: r.signature ?? undefined,
      nonce: r.signatureNonce ?? undefined,
      timestamp: r.signatureTimestamp ?? undefined,
      algorithm: r.signatureAlgorithm ?? undefined,
    };
    const receivedAt = Number(r.receivedAt);
    const check = verifyWithKeyring(r.body, headers, {
      keyring: o.keyring,
      receivedAtMs: receivedAt,
      secretId: r.secretId,
    });
    const signature = check.ok
      ? check.status === 'VERIFIED'
        ? `VERIFIED (secret ${check.secretId})`
        : 'NOT CHECKED (no secret configured)'
      : `FAILED ${check.reason} (${check.message})`;
    entries.push({
      atMs: receivedAt,
      at: iso(receivedAt),
      kind: 'WEBHOOK',
      log: { topic: 'sinch.webhooks.raw.v1', partition, offset },
      summary: `${r.trigger} received, signature ${signature}`,
      details: {
        requestId: r.requestId,
        trigger: r.trigger,
        receivedAt: iso(receivedAt),
        sinchTimes: sinchTimes(r.body),
        storedVerification: r.verification,
        storedSecretId: r.secretId ?? null,
        admittedFrom: r.admittedFrom ?? null,
        signature,
        signatureAgeSeconds: r.signatureAgeSeconds,
      },
    });
  });

  await read('agent.events.v1', (partition, offset, value) => {
    const a = value as AgentEvent | null;
    if (!a || (a.customerKey !== subject && a.conversationId !== subject)) return;
    const at = Number(a.occurredAt);
    entries.push({
      atMs: at,
      at: iso(at),
      kind: 'AGENT_EVENT',
      log: { topic: 'agent.events.v1', partition, offset },
      summary: `${a.type} to agent on ${a.channel} (reported ${a.sourceChannel})${a.message ? ` message ${a.message.id}` : ''}`,
      details: {
        eventId: a.eventId,
        type: a.type,
        channel: a.channel,
        sourceChannel: a.sourceChannel,
        conversationId: a.conversationId,
        message: a.message,
      },
    });
  });

  return entries.sort(
    (x, y) =>
      x.atMs - y.atMs ||
      RANK[x.kind] - RANK[y.kind] ||
      x.log.partition - y.log.partition ||
      Number(BigInt(x.log.offset) - BigInt(y.log.offset)),
  );
}

/** One readable line per entry. */
export function formatTimeline(entries: readonly AuditEntry[]): string {
  return entries
    .map(
      (e) =>
        `${e.at}  ${e.kind.padEnd(11)} ${e.log.topic}[${e.log.partition}]@${e.log.offset}  ${e.summary}`,
    )
    .join('\n');
}
