import type { Kafka } from 'kafkajs';
import type { RawWebhookRecord } from '@cpm/contracts';
import { readToEnd, topicName, type SchemaCodec } from '@cpm/kafka';
import type { Progress } from './progress';

/**
 * Writes the raw webhook records received in [fromMs, toMs) as JSON lines: every field of
 * the record, the body as UTF-8 text and as base64 (the bytes the signature covers).
 */
export async function exportWindow(
  o: {
    kafka: Kafka;
    codec: SchemaCodec;
    namespace: string;
    progress?: (total: number) => Progress;
  },
  fromMs: number,
  toMs: number,
  write: (line: string) => void,
): Promise<number> {
  let written = 0;
  let progress: Progress | undefined;
  await readToEnd(
    o.kafka,
    [topicName(o.namespace, 'sinch.webhooks.raw.v1')],
    async (batch) => {
      for (const m of batch.messages) {
        const r = m.value
          ? await o.codec.decode<RawWebhookRecord>(m.value).catch(() => null)
          : null;
        if (r && Number(r.receivedAt) >= fromMs && Number(r.receivedAt) < toMs) {
          const { body, ...fields } = r;
          write(
            JSON.stringify({
              topic: 'sinch.webhooks.raw.v1',
              partition: batch.partition,
              offset: m.offset,
              key: m.key?.toString() ?? null,
              ...fields,
              receivedAt: new Date(Number(r.receivedAt)).toISOString(),
              body: { text: body.toString('utf8'), base64: body.toString('base64') },
            }),
          );
          written++;
        }
      }
      progress?.add(batch.messages.length);
    },
    { groupPrefix: 'replay', onTotal: (total) => (progress = o.progress?.(total)) },
  );
  progress?.finish();
  return written;
}
