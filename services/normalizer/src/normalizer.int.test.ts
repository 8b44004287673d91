import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { topicName } from '@cpm/kafka';
import { buildRawRecord } from '@cpm/ingress';
import type { ConversationEvent } from '@cpm/domain';
import {
  callbackFixtures,
  consumerLagLines,
  createTestEnv,
  readTopic,
  waitForZeroLag,
  type TestEnv,
} from '@cpm/testkit';
import { loadNormalizerConfig } from './config';
import { startNormalizer } from './normalizer';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv({ database: false, partitions: 3 });
});
afterAll(() => t.cleanup());

/** Writes callbacks to the raw topic as the ingress would (same record, same key). */
async function produceRaw(
  env: TestEnv,
  bodies: Buffer[],
  receivedAt = 1_800_000_000_000,
): Promise<void> {
  const producer = env.kafka.producer({ idempotent: true });
  await producer.connect();
  const messages = [];
  for (const [i, body] of bodies.entries()) {
    const record = buildRawRecord({
      requestId: `req-${i}-${Math.random()}`,
      body,
      parsed: JSON.parse(body.toString()) as Record<string, unknown>,
      contentType: 'application/json',
      headers: {},
      verification: { ok: true, status: 'UNSIGNED_ACCEPTED', secretIndex: -1, ageSeconds: null },
      receivedAt: receivedAt + i,
      instance: 'test',
    });
    messages.push({
      key: record.customerKey,
      value: await env.codec.encode('sinch.webhooks.raw.v1', record),
    });
  }
  await producer.send({
    topic: topicName(env.namespace, 'sinch.webhooks.raw.v1'),
    acks: -1,
    messages,
  });
  await producer.disconnect();
}

async function events(
  env: TestEnv,
  min: number,
): Promise<{ partition: number; key: string | null; event: ConversationEvent }[]> {
  const records = await readTopic(env.kafka, topicName(env.namespace, 'conversation.events.v1'), {
    minRecords: min,
    timeoutMs: 60_000,
  });
  return Promise.all(
    records.map(async (r) => ({
      partition: r.partition,
      key: r.key,
      event: await env.codec.decode<ConversationEvent>(r.value!),
    })),
  );
}

const inbound = (id: string, text: string, extra: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      app_id: 'app-n',
      accepted_time: '2026-11-01T10:00:00.000Z',
      message: {
        id,
        direction: 'TO_APP',
        contact_message: { text_message: { text } },
        channel_identity: { channel: 'WHATSAPP', identity: '46700000009', app_id: '' },
        contact_id: 'contact-n',
        conversation_id: 'conv-n',
        accept_time: '2026-11-01T10:00:00.000Z',
        ...extra,
      },
    }),
  );

describe('normalizer on real Kafka', () => {
  it('turns every callback fixture into events, drops a duplicated callback, and routes poison to the DLQ', async () => {
    const fixtures = callbackFixtures().map((f) => f.body);
    const first = inbound('dup-1', 'hello');
    // The same callback delivered twice (a Sinch retry: same body, another request and nonce).
    const retry = Buffer.from(first);
    await produceRaw(t, [...fixtures, first, retry]);
    // A record whose value is not our Avro at all: poison.
    const producer = t.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topicName(t.namespace, 'sinch.webhooks.raw.v1'),
      messages: [{ key: 'poison', value: Buffer.from('not avro') }],
    });
    await producer.disconnect();

    const normalizer = await startNormalizer(
      loadNormalizerConfig({
        ...t.env,
        NORMALIZER_HTTP_PORT: '0',
        CONSUMER_LAG_INTERVAL_MS: '200',
      }),
    );
    try {
      const expectedTypes = [
        'MESSAGE_RECEIVED',
        'MESSAGE_STATUS',
        'CONVERSATION_STARTED',
        'CONVERSATION_STOPPED',
        'CONTACT_CREATED',
        'CONSENT_CHANGED',
        'UNKNOWN_CALLBACK',
        'UNSUPPORTED_RECEIVED',
      ];
      let out = await events(t, 1);
      for (
        let i = 0;
        i < 60 &&
        !(
          out.some((o) => o.event.message?.id === 'dup-1') &&
          expectedTypes.every((type) => out.some((o) => o.event.type === type))
        );
        i++
      ) {
        await new Promise((r) => setTimeout(r, 500));
        out = await events(t, 1);
      }
      const received = out.filter(
        (o) => o.event.type === 'MESSAGE_RECEIVED' && o.event.message?.id === 'dup-1',
      );
      expect(received).toHaveLength(1);
      expect(received[0]!.event.message?.text).toBe('hello');
      expect(received[0]!.key).toBe('app-n:contact-n');
      const types = new Set(out.map((o) => o.event.type));
      for (const type of expectedTypes) expect(types).toContain(type);
      const dlq = await readTopic(t.kafka, topicName(t.namespace, 'conversation.events.v1.dlq'), {
        minRecords: 1,
      });
      const dead = await t.codec.decode<{
        sourceTopic: string;
        sourceOffset: string;
        errorCode: string;
        sourceValue: Buffer;
      }>(dlq[0]!.value!);
      expect(dead.sourceTopic).toBe(topicName(t.namespace, 'sinch.webhooks.raw.v1'));
      expect(dead.sourceValue.toString()).toBe('not avro');
      expect(dead.errorCode).toBe('CPM_ERR_RECORD_UNDECODABLE');
      const metrics = await (await fetch(`${normalizer.url}/metrics`)).text();
      expect(metrics).toMatch(
        /cpm_duplicates_dropped_total\{type="MESSAGE_RECEIVED",service="normalizer"\} 1/,
      );

      // Ready, and caught up: a lag of 0 on every partition of both inputs.
      const ready = await fetch(`${normalizer.url}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', ready: true }]);
      const lags = () => consumerLagLines(normalizer.url);
      await waitForZeroLag(normalizer.url, 3 * t.partitions);
      expect(
        (await lags()).map((l) => l.replace(/partition="\d+"/, 'partition="*"')).sort(),
      ).toEqual(
        [
          ...Array<string>(t.partitions).fill('normalizer.repartition.v1'),
          ...Array<string>(t.partitions).fill('sinch.outbound.v1'),
          ...Array<string>(t.partitions).fill('sinch.webhooks.raw.v1'),
        ].map((topic) => `cpm_consumer_lag{topic="${topic}",partition="*",service="normalizer"} 0`),
      );
    } finally {
      await normalizer.stop();
    }
  });

  it('gives the same events when run again over the same raw log with fresh state', async () => {
    // A second namespace with the same raw records: same keys, same partitions.
    const twin = await createTestEnv({ database: false, partitions: 3 });
    try {
      const raw = await readTopic(t.kafka, topicName(t.namespace, 'sinch.webhooks.raw.v1'));
      const producer = twin.kafka.producer({ idempotent: true });
      await producer.connect();
      for (const r of raw) {
        const value =
          r.key === 'poison'
            ? r.value!
            : await twin.codec.encode('sinch.webhooks.raw.v1', await t.codec.decode(r.value!));
        await producer.send({
          topic: topicName(twin.namespace, 'sinch.webhooks.raw.v1'),
          acks: -1,
          messages: [{ key: r.key, value, partition: r.partition }],
        });
      }
      await producer.disconnect();
      const normalizer = await startNormalizer(
        loadNormalizerConfig({ ...twin.env, NORMALIZER_HTTP_PORT: '0' }),
      );
      try {
        const original = await events(t, 1);
        const again = await events(twin, original.length);
        // Every key's own events in the same order; a callback re-keyed from a contact to a
        // phone key is the same record, but where it falls among that key's events depends on
        // when it was read (docs/ARCHITECTURE.md#contact-links).
        const rekeyed = (o: { key: string | null; event: ConversationEvent }) =>
          /^(CONTACT|CONVERSATION)_/.test(o.event.type) && (o.key ?? '').includes(':tel:');
        const view = (list: typeof original) => list.map((o) => [o.partition, o.key, o.event]);
        expect(view(again.filter((o) => !rekeyed(o)))).toEqual(
          view(original.filter((o) => !rekeyed(o))),
        );
        const byId = (list: typeof original) =>
          view(
            [...list].sort((a, b) =>
              `${a.key}${a.event.eventId}`.localeCompare(`${b.key}${b.event.eventId}`),
            ),
          );
        expect(byId(again)).toEqual(byId(original));
        expect(original.filter(rekeyed).length).toBeGreaterThan(0);
      } finally {
        await normalizer.stop();
      }
    } finally {
      await twin.cleanup();
    }
  });
});

describe('normalizer contact links', () => {
  const at = (minute: number) => `2026-11-02T10:${String(minute).padStart(2, '0')}:00.000Z`;
  const body = (o: object) => Buffer.from(JSON.stringify({ app_id: 'app-l', ...o }));
  const stop = (conversationId: string, contactId: string, channel: string, minute: number) =>
    body({
      accepted_time: at(minute),
      conversation_stop_notification: {
        conversation: {
          id: conversationId,
          app_id: 'app-l',
          contact_id: contactId,
          active_channel: channel,
        },
      },
    });
  const message = (
    id: string,
    channel: string,
    contactId: string,
    conversationId: string,
    minute: number,
    media = false,
  ) =>
    body({
      accepted_time: at(minute),
      message: {
        id,
        direction: 'TO_APP',
        contact_message: media
          ? { media_message: { url: 'https://mms.example/p.jpg' } }
          : { text_message: { text: 'hi' } },
        channel_identity: { channel, identity: '15550300101', app_id: '' },
        sender_id: '15559990000',
        contact_id: contactId,
        conversation_id: conversationId,
        accept_time: at(minute),
      },
    });
  const update = (contactId: string, name: string, minute: number) =>
    body({
      accepted_time: at(minute),
      contact_update_notification: {
        contact: { id: contactId, display_name: name, channel_identities: [] },
      },
    });

  it('brings contact-keyed callbacks to the phone key, also when they come before the first message; a stop ends the MMS binding', async () => {
    const env = await createTestEnv({ database: false, partitions: 3 });
    const phoneKey = 'app-l:tel:+15550300101';
    try {
      await produceRaw(env, [
        // Before any message: nothing links the contact to a number yet.
        update('c-sms', 'Sam Smith', 0),
        stop('conv-old', 'c-sms', 'SMS', 1),
        message('sms-1', 'SMS', 'c-sms', 'conv-sms', 2),
        // An MMS thread under another contact, an SMS reply (corrected), the thread's stop.
        message('mms-1', 'MMS', 'c-mms', 'conv-mms', 3, true),
        message('sms-2', 'SMS', 'c-sms', 'conv-sms', 4),
        stop('conv-mms', 'c-mms', 'MMS', 5),
        // A WhatsApp conversation stays on its contact key.
        stop('conv-wa', 'c-wa', 'WHATSAPP', 6),
      ]);
      const normalizer = await startNormalizer(
        loadNormalizerConfig({ ...env.env, NORMALIZER_HTTP_PORT: '0' }),
      );
      let out: Awaited<ReturnType<typeof events>> = [];
      try {
        const has = (key: string, type: string, conversationId: string) =>
          out.some(
            (o) =>
              o.key === key && o.event.type === type && o.event.conversationId === conversationId,
          );
        for (let i = 0; i < 120; i++) {
          out = await events(env, 0);
          if (
            has(phoneKey, 'CONVERSATION_STOPPED', 'conv-old') &&
            has(phoneKey, 'CONVERSATION_STOPPED', 'conv-mms') &&
            out.some((o) => o.key === phoneKey && o.event.type === 'CONTACT_UPDATED') &&
            out.some((o) => o.event.message?.id === 'sms-2')
          )
            break;
          await new Promise((r) => setTimeout(r, 500));
        }
        // The MMS stop has reached the phone key: the next SMS reply is SMS again.
        await produceRaw(env, [message('sms-3', 'SMS', 'c-sms', 'conv-sms', 7)]);
        for (let i = 0; i < 120 && !out.some((o) => o.event.message?.id === 'sms-3'); i++) {
          await new Promise((r) => setTimeout(r, 500));
          out = await events(env, 0);
        }
        await waitForZeroLag(normalizer.url, 3 * env.partitions);
        out = await events(env, 0);
      } finally {
        await normalizer.stop();
      }
      const summary = out.map((o) => [
        o.key,
        o.event.type,
        o.event.conversationId || o.event.contactId,
      ]);
      // Each stop once, on the customer's phone key (never on the contact key as well).
      expect(summary.filter(([, type]) => type === 'CONVERSATION_STOPPED')).toEqual(
        expect.arrayContaining([
          [phoneKey, 'CONVERSATION_STOPPED', 'conv-old'],
          [phoneKey, 'CONVERSATION_STOPPED', 'conv-mms'],
          ['app-l:c-wa', 'CONVERSATION_STOPPED', 'conv-wa'],
        ]),
      );
      expect(summary.filter(([, type]) => type === 'CONVERSATION_STOPPED')).toHaveLength(3);
      // The name reaches the phone key too (and stays on the contact key for its other channels).
      const updates = out.filter((o) => o.event.type === 'CONTACT_UPDATED');
      expect(
        updates.map((o) => [o.key, o.event.customerKey, o.event.contact?.displayName]).sort(),
      ).toEqual([
        ['app-l:c-sms', 'app-l:c-sms', 'Sam Smith'],
        [phoneKey, phoneKey, 'Sam Smith'],
      ]);
      expect(updates[0]!.event.eventId).toBe(updates[1]!.event.eventId);
      // The SMS reply inside the MMS thread was corrected; the one after the thread's stop is not.
      const channelOf = (id: string) => out.find((o) => o.event.message?.id === id)!.event;
      expect([channelOf('sms-2').channel, channelOf('sms-2').correction?.rule]).toEqual([
        'MMS',
        'MMS_THREAD',
      ]);
      expect([channelOf('sms-3').channel, channelOf('sms-3').correction]).toEqual(['SMS', null]);
      // Internal records: one link per contact and number, nothing else on the repartition topic but re-keyed callbacks.
      const internal = await readTopic(
        env.kafka,
        topicName(env.namespace, 'normalizer.repartition.v1'),
      );
      const decoded = await Promise.all(
        internal.map(async (r) => ({
          key: r.key,
          event: await env.codec.decode<ConversationEvent>(r.value!),
        })),
      );
      expect(
        decoded
          .filter((d) => d.event.type === 'CONTACT_LINKED')
          .map((d) => [d.key, d.event.customerKey])
          .sort(),
      ).toEqual([
        ['app-l:c-mms', phoneKey],
        ['app-l:c-sms', phoneKey],
      ]);
    } finally {
      await env.cleanup();
    }
  }, 120_000);
});

describe('normalizer exactly-once under SIGKILL', () => {
  it('has no gap and no duplicate after being killed mid-processing several times', async () => {
    const env = await createTestEnv({ database: false, partitions: 3 });
    const spawnNormalizer = (): ChildProcess =>
      // node itself (with tsx as a loader), not the tsx wrapper: SIGKILL must hit the service.
      spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'main.ts')], {
        env: { ...process.env, ...env.env, NORMALIZER_HTTP_PORT: '0', LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    try {
      const total = 3000;
      const bodies = Array.from({ length: total }, (_, i) =>
        Buffer.from(
          JSON.stringify({
            app_id: 'app-k',
            accepted_time: '2026-11-01T10:00:00.000Z',
            message: {
              id: `kill-${i}`,
              direction: 'TO_APP',
              contact_message: { text_message: { text: `m${i}` } },
              channel_identity: { channel: 'WHATSAPP', identity: `4670000${i % 40}`, app_id: '' },
              contact_id: `c${i % 40}`,
              conversation_id: `v${i % 40}`,
              accept_time: '2026-11-01T10:00:00.000Z',
            },
          }),
        ),
      );
      await produceRaw(env, bodies);
      // Kill each instance as soon as it has committed more output: mid-processing, not idle.
      const admin = env.kafka.admin();
      await admin.connect();
      const committedOutput = async (): Promise<number> =>
        (await admin.fetchTopicOffsets(topicName(env.namespace, 'conversation.events.v1'))).reduce(
          (sum, p) => sum + Number(p.offset),
          0,
        );
      let kills = 0;
      for (let round = 0; round < 4; round++) {
        const before = await committedOutput();
        const child = spawnNormalizer();
        for (let i = 0; i < 300 && (await committedOutput()) <= before; i++)
          await new Promise((r) => setTimeout(r, 100));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        const after = await committedOutput();
        if (after > before && after < total * 1.5) kills++;
      }
      await admin.disconnect();
      expect(kills).toBeGreaterThan(0);
      const last = spawnNormalizer();
      try {
        const out = await events(env, total);
        const ids = out.map((o) => o.event.message?.id);
        expect(new Set(ids).size).toBe(ids.length); // no duplicate
        expect(ids.length).toBe(total); // no gap
      } finally {
        last.kill('SIGTERM');
        await new Promise((r) => last.once('exit', r));
      }
    } finally {
      await env.cleanup();
    }
  }, 180_000);
});
