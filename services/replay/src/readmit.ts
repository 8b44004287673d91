import type { Kafka } from 'kafkajs';
import type { RawWebhookRecord, RejectedWebhookRecord } from '@cpm/contracts';
import { admitWebhook } from '@cpm/ingress';
import { IdempotentProducer, readToEnd, topicName, type SchemaCodec } from '@cpm/kafka';
import { AppError, type Logger } from '@cpm/platform';
import { signatureHeadersFrom, type Keyring } from '@cpm/sinch-webhooks';
import { ReplayUsageError } from './errors';
import type { Progress } from './progress';

const REJECTED = 'sinch.webhooks.rejected.v1';
const RAW = 'sinch.webhooks.raw.v1';
const SEND_CHUNK = 200;
/**
 * Kafka header of a readmitted raw record: `<topic>:<partition>:<offset>` of its quarantined
 * request. The same position is in the value (`admittedFrom`); the header lets a run find
 * what earlier runs admitted without decoding the raw topic.
 */
export const ADMITTED_FROM_HEADER = 'cpm-admitted-from';

export type ReadmitOutcome = 'ADMITTED' | 'WOULD_ADMIT' | 'ALREADY_ADMITTED' | 'KEPT';

/** What readmit did with one quarantined request, and why. */
export interface ReadmitLine {
  outcome: ReadmitOutcome;
  quarantined: { topic: string; partition: number; offset: string };
  requestId: string;
  receivedAt: string;
  /** The quarantine's reason, as the ingress gave it. */
  refusedFor: string;
  /** Why it stays quarantined, or where it is (or would go) in the raw topic. */
  detail: string;
}

export interface ReadmitOptions {
  kafka: Kafka;
  codec: SchemaCodec;
  namespace: string;
  keyring: Keyring;
  logger: Logger;
  /** Receipt times [fromMs, toMs) to consider; null: open. */
  fromMs: number | null;
  toMs: number | null;
  dryRun: boolean;
  progress?: (label: string, total: number) => Progress;
}

const position = (partition: number, offset: string) => `${REJECTED}:${partition}:${offset}`;

/**
 * `readmit`: re-verifies the requests quarantined on sinch.webhooks.rejected.v1 with the
 * current keyring (the secrets valid at each one's receipt time) and the ingress's own
 * admission rule (`admitWebhook`), and writes those that pass to sinch.webhooks.raw.v1 with
 * their original request id and receipt time and `admittedFrom` set. A body the quarantine
 * cut (INGRESS_QUARANTINE_MAX_BYTES) is not what was signed and stays quarantined.
 *
 * Idempotent through the log: before writing, the raw topic is read to its end and every
 * quarantine position already admitted there (header `cpm-admitted-from`) is skipped. Two
 * runs at the same time could both admit a request; downstream de-duplication by event
 * identity would drop the second copy, but run one at a time.
 */
export async function readmit(o: ReadmitOptions): Promise<ReadmitLine[]> {
  if (o.keyring.length === 0)
    throw new ReplayUsageError(
      'readmit needs the webhook secrets (SINCH_WEBHOOK_SECRETS or SINCH_WEBHOOK_KEYRING): nothing is admitted unchecked',
    );
  const quarantined: { partition: number; offset: string; record: RejectedWebhookRecord }[] = [];
  let progress: Progress | undefined;
  await readToEnd(
    o.kafka,
    [topicName(o.namespace, REJECTED)],
    async (batch) => {
      for (const m of batch.messages) {
        if (!m.value) continue;
        const record = await o.codec.decode<RejectedWebhookRecord>(m.value);
        const at = Number(record.receivedAt);
        if ((o.fromMs === null || at >= o.fromMs) && (o.toMs === null || at < o.toMs))
          quarantined.push({ partition: batch.partition, offset: m.offset, record });
      }
      progress?.add(batch.messages.length);
    },
    { groupPrefix: 'replay', onTotal: (total) => (progress = o.progress?.(REJECTED, total)) },
  );
  progress?.finish();

  const admitted = new Map<string, string>();
  if (quarantined.length > 0) {
    await readToEnd(
      o.kafka,
      [topicName(o.namespace, RAW)],
      (batch) => {
        for (const m of batch.messages) {
          const from = m.headers?.[ADMITTED_FROM_HEADER];
          if (from) admitted.set(from.toString(), `${RAW}[${batch.partition}]@${m.offset}`);
        }
      },
      { groupPrefix: 'replay' },
    );
  }

  quarantined.sort(
    (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
  );
  const lines: ReadmitLine[] = [];
  const toWrite: { line: ReadmitLine; record: RawWebhookRecord; from: string }[] = [];
  for (const { partition, offset, record: q } of quarantined) {
    const receivedAt = Number(q.receivedAt);
    const line: ReadmitLine = {
      outcome: 'KEPT',
      quarantined: { topic: REJECTED, partition, offset },
      requestId: q.requestId,
      receivedAt: new Date(receivedAt).toISOString(),
      refusedFor: q.reason,
      detail: '',
    };
    lines.push(line);
    const from = position(partition, offset);
    const earlier = admitted.get(from);
    if (earlier) {
      line.outcome = 'ALREADY_ADMITTED';
      line.detail = `admitted earlier as ${earlier}`;
      continue;
    }
    if (q.bodyTruncated) {
      line.detail = `body cut to ${q.body.length} of ${q.bodySize} bytes by INGRESS_QUARANTINE_MAX_BYTES: the signed bytes are lost, it cannot be re-verified`;
      continue;
    }
    try {
      const record = admitWebhook({
        requestId: q.requestId,
        body: q.body,
        contentType: q.headers['content-type'],
        headers: signatureHeadersFrom(q.headers),
        keyring: o.keyring,
        maxAgeSeconds: null,
        receivedAt,
        instance: q.ingressInstance,
        admittedFrom: { topic: REJECTED, partition, offset: Number(offset) },
      });
      line.outcome = o.dryRun ? 'WOULD_ADMIT' : 'ADMITTED';
      line.detail = `${record.trigger} ${record.customerKey}, verified with secret ${record.secretId}, to ${RAW}`;
      toWrite.push({ line, record, from });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      line.detail = `${error.code}: ${error.message}`;
    }
  }
  if (o.dryRun || toWrite.length === 0) return lines;

  await o.codec.register([RAW]);
  const producer = new IdempotentProducer(o.kafka, o.logger, { timeoutMs: 30_000 });
  await producer.connect();
  try {
    for (let i = 0; i < toWrite.length; i += SEND_CHUNK) {
      const chunk = toWrite.slice(i, i + SEND_CHUNK);
      await producer.send(
        topicName(o.namespace, RAW),
        await Promise.all(
          chunk.map(async ({ record, from }) => ({
            key: record.customerKey,
            value: await o.codec.encode(RAW, record),
            headers: { 'cpm-trigger': record.trigger, [ADMITTED_FROM_HEADER]: from },
          })),
        ),
      );
    }
  } finally {
    await producer.disconnect();
  }
  return lines;
}

/** One readable line per quarantined request. */
export const formatReadmitLine = (l: ReadmitLine): string =>
  `${l.outcome.padEnd(16)} ${l.quarantined.topic}[${l.quarantined.partition}]@${l.quarantined.offset}  ${l.requestId}  ${l.receivedAt}  refused for ${l.refusedFor}: ${l.detail}`;
