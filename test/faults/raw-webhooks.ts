import { buildRawRecord } from '@cpm/ingress';
import type { SchemaCodec } from '@cpm/kafka';

/**
 * Webhook `n` as the ingress writes it to sinch.webhooks.raw.v1 (accepted unsigned, received
 * at a fixed time plus n ms), encoded with the topic's schema: the fault tests' load,
 * written straight to the raw topic without an ingress in between.
 */
export async function rawWebhook(
  codec: SchemaCodec,
  body: Buffer,
  n: number,
): Promise<{ key: string; value: Buffer }> {
  const record = buildRawRecord({
    requestId: `req-${n}`,
    body,
    parsed: (() => {
      try {
        return JSON.parse(body.toString()) as Record<string, unknown>;
      } catch {
        return {};
      }
    })(),
    contentType: 'application/json',
    headers: {},
    verification: { ok: true, status: 'UNSIGNED_ACCEPTED', secretIndex: -1, ageSeconds: null },
    receivedAt: 1_800_000_000_000 + n,
    instance: 'fault-test',
  });
  return { key: record.customerKey, value: await codec.encode('sinch.webhooks.raw.v1', record) };
}
