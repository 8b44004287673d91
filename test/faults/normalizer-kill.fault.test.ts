import { topicName } from '@cpm/kafka';
import type { ConversationEvent } from '@cpm/domain';
import { createTestEnv, inboundTextBody, readTopic, type TestEnv } from '@cpm/testkit';
import { rawWebhook } from './raw-webhooks';
import {
  keepLoading,
  killUnderLoad,
  verifyProjections,
  type ServiceProcess,
} from './service-process';

/**
 * Guarantees 2 and 4 for the normalizer: SIGKILLed repeatedly while raw webhooks keep
 * arriving, with poison records mixed in (not Avro, Avro of another schema, valid Avro whose
 * body is absurd). Afterwards: every valid webhook gave its event exactly once, and every
 * poison record is in the DLQ with its reason and source position, and the projections of
 * the events (a projector started at the end) are what `replay verify` rebuilds.
 * FAULT_MODE=long: 10 kills and more load; default (CI): 3 kills.
 */
const LONG = process.env.FAULT_MODE === 'long';
const KILLS = LONG ? 10 : 3;
const BATCHES = LONG ? 60 : 20;
const PER_BATCH = 100;

let t: TestEnv;
const started: ServiceProcess[] = [];
beforeAll(async () => {
  t = await createTestEnv({ database: true, partitions: 3 });
});
afterAll(async () => {
  for (const s of started) await s.kill('SIGTERM');
  await t?.cleanup();
});

const body = (n: number): Buffer =>
  Buffer.from(inboundTextBody({ appId: 'app-fault', id: `fault-${n}`, n, contacts: 30 }));

const rawValue = (bytes: Buffer, n: number): Promise<{ key: string; value: Buffer }> =>
  rawWebhook(t.codec, bytes, n);

/** Poison records, each with the DLQ code it must get. */
async function poison(
  batch: number,
): Promise<{ key: string; value: Buffer; name: string; code: RegExp }[]> {
  // A record of another topic's schema (registered, decodable), on the raw topic by mistake.
  const otherSchema = await t.codec.encode('sinch.webhooks.rejected.v1', {
    requestId: `wrong-${batch}`,
    reason: 'CPM_ERR_SIGNATURE_MISMATCH',
    message: 'm',
    httpStatus: 401,
    body: Buffer.from('rejected'),
    bodyTruncated: false,
    bodySize: 8,
    headers: {},
    remoteAddress: null,
    receivedAt: 0,
    ingressInstance: 'x',
  });
  const list = [
    {
      key: `poison-${batch}`,
      value: Buffer.from(`not avro ${batch}`),
      name: 'not Avro',
      code: /^CPM_ERR_RECORD_UNDECODABLE$/,
    },
    {
      ...(await rawValue(Buffer.from('[1,2,3]'), -batch)),
      name: 'valid Avro, body a JSON array',
      code: /^CPM_ERR_WEBHOOK_NOT_OBJECT$/,
    },
    {
      ...(await rawValue(Buffer.from('\u0000garbage'), -batch - 1000)),
      name: 'valid Avro, body not JSON',
      code: /^CPM_ERR_WEBHOOK_NOT_JSON$/,
    },
    {
      key: `wrong-schema-${batch}`,
      value: otherSchema,
      name: 'Avro of another schema',
      code: /^CPM_ERR_WEBHOOK_NOT_JSON$/,
    },
  ];
  return list;
}

it(`emits every event exactly once and dead-letters every poison record across ${KILLS} SIGKILLs`, async () => {
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  const rawTopic = topicName(t.namespace, 'sinch.webhooks.raw.v1');
  const poisons: { name: string; code: RegExp; value: Buffer }[] = [];
  let sent = 0;
  const load = keepLoading(BATCHES, async (batch) => {
    const messages = await Promise.all(
      Array.from({ length: PER_BATCH }, (_, i) => rawValue(body(sent + i), sent + i)),
    );
    sent += PER_BATCH;
    if (batch % 5 === 0) {
      const bad = await poison(batch);
      poisons.push(...bad);
      messages.splice(PER_BATCH / 2, 0, ...bad.map(({ key, value }) => ({ key, value })));
    }
    await producer.send({ topic: rawTopic, acks: -1, messages });
  });

  const { kills, records } = await killUnderLoad({
    kafka: t.kafka,
    service: 'normalizer',
    main: 'services/normalizer/src/main.ts',
    env: { ...t.env, NORMALIZER_HTTP_PORT: '0', LOG_LEVEL: 'error' },
    outputTopic: topicName(t.namespace, 'conversation.events.v1'),
    kills: KILLS,
    load,
    started,
    expected: () => sent,
  });
  await producer.disconnect();
  expect(kills).toBe(KILLS);

  const ids = await Promise.all(
    records.map(
      async (r) => (await t.codec.decode<ConversationEvent>(r.value!)).message?.id ?? null,
    ),
  );
  const valid = ids.filter((id): id is string => id !== null && id.startsWith('fault-'));
  expect(valid.length - new Set(valid).size).toBe(0); // no duplicate
  expect(
    Array.from({ length: sent }, (_, n) => `fault-${n}`).filter((id) => !valid.includes(id)),
  ).toEqual([]); // no gap

  const dlq = await readTopic(t.kafka, topicName(t.namespace, 'conversation.events.v1.dlq'), {
    minRecords: poisons.length,
    timeoutMs: 60_000,
  });
  const dead = await Promise.all(
    dlq.map((r) =>
      t.codec.decode<{
        sourceTopic: string;
        sourcePartition: number;
        sourceOffset: string;
        errorCode: string;
        sourceValue: Buffer;
      }>(r.value!),
    ),
  );
  expect(dead).toHaveLength(poisons.length); // each poison once, nothing valid dead-lettered
  // Where each poison record really is on the raw topic: its DLQ record must name that position.
  const raw = await readTopic(t.kafka, rawTopic, {
    minRecords: sent + poisons.length,
    timeoutMs: 60_000,
  });
  for (const p of poisons) {
    const entry = dead.find((d) => d.sourceValue.equals(p.value));
    expect({ poison: p.name, found: entry !== undefined }).toEqual({ poison: p.name, found: true });
    expect(entry!.errorCode).toMatch(p.code);
    expect(entry!.sourceTopic).toBe(rawTopic);
    const source = raw.find((r) => r.value?.equals(p.value));
    expect({
      poison: p.name,
      partition: entry!.sourcePartition,
      offset: entry!.sourceOffset,
    }).toEqual({
      poison: p.name,
      partition: source?.partition,
      offset: source?.offset,
    });
  }
  console.log(
    `normalizer fault: ${KILLS} SIGKILLs, ${sent} webhooks → ${valid.length} events (no gap, no duplicate), ${poisons.length} poison records → DLQ`,
  );
  await verifyProjections(t.env, { partitions: t.partitions });
}, 240_000);
