import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Pool } from 'pg';
import type { ConversationEvent } from '@cpm/domain';
import { topicName } from '@cpm/kafka';
import { createPool } from '@cpm/postgres';
import { createTestEnv, type TestEnv, loadEvent, sampleEvent, sampleMessage } from '@cpm/testkit';
import { loadProjectorConfig } from './config';
import { startProjector, type Projector } from './projector';
import type { MediaOutcome } from './rows';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field below
const getJson = async (url: string): Promise<any> => (await fetch(url)).json();
const TABLES = [
  'customers',
  'customer_identities',
  'conversations',
  'messages',
  'message_statuses',
  'attachments',
  'consents',
];

/** `perSend` records per Kafka send: small sends make small record batches, so small fetches (many transactions). */
async function produce(
  env: TestEnv,
  topic: string,
  items: { key: string; value: unknown }[],
  perSend = 500,
): Promise<void> {
  const producer = env.kafka.producer({ idempotent: true });
  await producer.connect();
  for (let i = 0; i < items.length; i += perSend) {
    const messages = await Promise.all(
      items
        .slice(i, i + perSend)
        .map(async (it) => ({ key: it.key, value: await env.codec.encode(topic, it.value) })),
    );
    await producer.send({ topic: topicName(env.namespace, topic), acks: -1, messages });
  }
  await producer.disconnect();
}

async function waitFor<T>(
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined as T);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const count = async (pool: Pool, table: string): Promise<number> =>
  Number((await pool.query(`SELECT count(*) AS n FROM projection.${table}`)).rows[0].n);
const snapshot = async (pool: Pool) =>
  Object.fromEntries(
    await Promise.all(
      TABLES.map(
        async (t) =>
          [t, (await pool.query(`SELECT * FROM projection.${t} ORDER BY 1, 2`)).rows] as const,
      ),
    ),
  );

const at = (minute: number) => Date.UTC(2026, 10, 1, 10, minute);
const scenario: ConversationEvent[] = [
  sampleEvent({ eventId: 'e0', type: 'CONVERSATION_STARTED' }, at(0)),
  sampleEvent(
    {
      eventId: 'e1',
      type: 'CONTACT_CREATED',
      contact: {
        id: 'contact1',
        displayName: 'Ada',
        identities: [{ channel: 'WHATSAPP', identity: '+46700000001' }],
        mergedFromContactId: null,
      },
    },
    at(1),
  ),
  sampleEvent(
    {
      eventId: 'e2',
      type: 'MESSAGE_RECEIVED',
      message: sampleMessage({
        id: 'm1',
        kind: 'MEDIA',
        text: 'hello',
        media: {
          url: 'https://cdn.example/p.jpg',
          thumbnailUrl: null,
          fileName: 'p.jpg',
          caption: null,
        },
      }),
      attachedData: {
        entries: { orderId: '42' },
        status: 'OK',
        reason: null,
        source: 'MESSAGE_METADATA',
      },
    },
    at(2),
  ),
  sampleEvent(
    {
      eventId: 'e3',
      type: 'MESSAGE_SENT',
      message: sampleMessage({
        id: 'a1',
        direction: 'TO_CONTACT',
        author: 'AGENT',
        text: 'agent says',
      }),
    },
    at(3),
  ),
  sampleEvent(
    {
      eventId: 'e4',
      type: 'MESSAGE_STATUS',
      status: {
        messageId: 'a1',
        status: 'READ',
        reasonCode: null,
        reasonDescription: null,
        subCode: null,
        channelCode: null,
      },
    },
    at(5),
  ),
  sampleEvent(
    {
      eventId: 'e5',
      type: 'MESSAGE_STATUS',
      status: {
        messageId: 'a1',
        status: 'DELIVERED',
        reasonCode: null,
        reasonDescription: null,
        subCode: null,
        channelCode: null,
      },
    },
    at(4),
  ),
  sampleEvent(
    {
      eventId: 'e6',
      type: 'MESSAGE_RECEIVED',
      message: sampleMessage({ id: 'm2', text: 'about that', replyToMessageId: 'a1' }),
    },
    at(6),
  ),
  sampleEvent(
    {
      eventId: 'e7',
      type: 'CONSENT_CHANGED',
      consent: {
        kind: 'OPT_IN',
        status: 'OPT_IN_SUCCEEDED',
        requestId: null,
        errorDescription: null,
      },
    },
    at(7),
  ),
  sampleEvent({ eventId: 'e8', type: 'CONVERSATION_STOPPED' }, at(8)),
];
const media: MediaOutcome & Record<string, unknown> = {
  eventId: 'md1',
  attachmentId: 'att1',
  sourceEventId: 'e2',
  messageId: 'm1',
  customerKey: 'app1:contact1',
  appId: 'app1',
  conversationId: 'conv1',
  contactId: 'contact1',
  status: 'READY',
  sourceUrl: 'https://cdn.example/p.jpg',
  storageKey: 'sha256/ab',
  sha256: 'ab',
  sizeBytes: 1234,
  contentType: 'image/jpeg',
  fileName: 'p.jpg',
  reason: null,
  occurredAt: at(3),
};

let t: TestEnv;
let pool: Pool;
beforeAll(async () => {
  t = await createTestEnv({ partitions: 3 });
  pool = createPool(t.databaseUrl);
});
afterAll(async () => {
  await pool.end();
  await t.cleanup();
});

describe('projector on real Kafka and PostgreSQL', () => {
  let projector: Projector;
  const start = async () =>
    (projector = await startProjector(
      loadProjectorConfig({ ...t.env, PROJECTOR_HTTP_PORT: '0', CONSUMER_LAG_INTERVAL_MS: '200' }),
    ));

  it('projects events and media into rows that carry their log position, and serves them', async () => {
    await produce(
      t,
      'conversation.events.v1',
      scenario.map((e) => ({ key: e.customerKey, value: e })),
    );
    await produce(t, 'conversation.media.v1', [{ key: media.customerKey, value: media }]);
    await start();
    try {
      await waitFor(
        () => pool.query('SELECT state FROM projection.conversations'),
        (r) => r.rows[0]?.state === 'ENDED',
      );
      await waitFor(
        () => count(pool, 'attachments'),
        (n) => n === 1,
      );
      const conv = (await pool.query('SELECT * FROM projection.conversations')).rows[0];
      expect(conv).toMatchObject({
        conversation_id: 'conv1',
        customer_key: 'app1:contact1',
        channel: 'WHATSAPP',
        attached_data: { orderId: '42' },
        log_topic: 'conversation.events.v1',
        log_offset: '8',
      });
      expect(conv.started_at.toISOString()).toBe(new Date(at(0)).toISOString());
      expect(conv.ended_at.toISOString()).toBe(new Date(at(8)).toISOString());
      const customer = (await pool.query('SELECT * FROM projection.customers')).rows[0];
      expect(customer).toMatchObject({
        customer_key: 'app1:contact1',
        display_name: 'Ada',
        log_offset: '8',
      });
      expect(
        (await pool.query('SELECT channel, identity FROM projection.customer_identities')).rows,
      ).toEqual([{ channel: 'WHATSAPP', identity: '+46700000001' }]);
      const a1 = (await pool.query(`SELECT * FROM projection.messages WHERE message_id = 'a1'`))
        .rows[0];
      expect(a1).toMatchObject({
        direction: 'TO_CONTACT',
        author: 'AGENT',
        status: 'READ',
        delivered: true,
        log_offset: '3',
      });
      expect(
        (
          await pool.query(
            'SELECT status, log_offset FROM projection.message_statuses ORDER BY log_offset',
          )
        ).rows,
      ).toEqual([
        { status: 'READ', log_offset: '4' },
        { status: 'DELIVERED', log_offset: '5' },
      ]);
      expect(
        (await pool.query('SELECT kind, status, log_offset FROM projection.consents')).rows,
      ).toEqual([{ kind: 'OPT_IN', status: 'OPT_IN_SUCCEEDED', log_offset: '7' }]);
      expect(
        (await pool.query('SELECT status, log_topic, log_offset FROM projection.attachments')).rows,
      ).toEqual([{ status: 'READY', log_topic: 'conversation.media.v1', log_offset: '0' }]);
      const partition = (await pool.query('SELECT log_partition FROM projection.customers')).rows[0]
        .log_partition;
      expect(
        (
          await pool.query(
            'SELECT topic, partition, next_offset FROM projection.consumer_offsets ORDER BY topic',
          )
        ).rows,
      ).toEqual([
        { topic: 'conversation.events.v1', partition, next_offset: '9' },
        { topic: 'conversation.media.v1', partition: expect.any(Number), next_offset: '1' },
      ]);

      // The read API: a customer's conversations, then the messages page by page.
      const convs = await getJson(
        `${projector.url}/customers/${encodeURIComponent('app1:contact1')}/conversations`,
      );
      expect(convs.conversations).toEqual([
        expect.objectContaining({
          conversationId: 'conv1',
          state: 'ENDED',
          attachedData: { orderId: '42' },
        }),
      ]);
      const page1 = await getJson(`${projector.url}/conversations/conv1/messages?limit=2`);
      expect(page1.messages.map((m: { messageId: string }) => m.messageId)).toEqual(['m1', 'a1']);
      expect(page1.messages[0].attachments).toEqual([
        expect.objectContaining({
          attachmentId: 'att1',
          status: 'READY',
          contentType: 'image/jpeg',
        }),
      ]);
      expect(page1.messages[1].status).toMatchObject({
        status: 'READ',
        delivered: true,
        // In the order of the reports' times (rows.ts's order), not of their arrival: READ came first.
        history: [
          expect.objectContaining({ status: 'DELIVERED' }),
          expect.objectContaining({ status: 'READ' }),
        ],
      });
      const page2 = await getJson(
        `${projector.url}/conversations/conv1/messages?limit=2&cursor=${page1.nextCursor}`,
      );
      expect(page2.messages.map((m: { messageId: string }) => m.messageId)).toEqual(['m2']);
      // The quote by the live view's rule (history-quote.ts): an agent message, on WhatsApp, recent.
      expect([page2.messages[0].quoted, page2.messages[0].quoteHiddenReason]).toEqual([
        { messageId: 'a1', text: 'agent says', truncated: false, attachment: null },
        null,
      ]);
      expect(page2.nextCursor).toBeNull();
      const bad = await fetch(`${projector.url}/conversations/conv1/messages?cursor=nonsense`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { code: string }).code).toBe('CPM_ERR_BAD_QUERY');

      // Ready (joined, sought to the stored offsets, fetching), and caught up: the lag, counted from the offsets in PostgreSQL, is 0.
      const ready = await fetch(`${projector.url}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', ready: true }]);
      const lagLine = `cpm_consumer_lag{topic="conversation.events.v1",partition="${partition}",service="projector"} 0`;
      await waitFor(
        async () => (await fetch(`${projector.url}/metrics`)).text(),
        (text) => text.includes(lagLine),
      );
      const lags = (await (await fetch(`${projector.url}/metrics`)).text())
        .split('\n')
        .filter((l) => l.startsWith('cpm_consumer_lag{'));
      expect(lags).toHaveLength(2 * t.partitions);
      expect(lags.filter((l) => !l.endsWith(' 0'))).toEqual([]);
    } finally {
      await projector.stop();
    }
  });

  it('gives the same rows when the whole log is projected again over them (idempotent)', async () => {
    const before = await snapshot(pool);
    await pool.query('DELETE FROM projection.consumer_offsets');
    await start();
    try {
      await waitFor(
        () => count(pool, 'consumer_offsets'),
        (n) => n === 2,
      );
      expect(await snapshot(pool)).toEqual(before);
    } finally {
      await projector.stop();
    }
  });

  it('sends an undecodable record to the DLQ and goes on', async () => {
    const producer = t.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topicName(t.namespace, 'conversation.events.v1'),
      messages: [{ key: 'app1:contact1', value: Buffer.from('not avro') }],
    });
    await producer.disconnect();
    await produce(t, 'conversation.events.v1', [
      {
        key: 'app1:contact1',
        value: sampleEvent(
          {
            eventId: 'e9',
            type: 'MESSAGE_RECEIVED',
            message: sampleMessage({ id: 'm3', text: 'after poison' }),
          },
          at(9),
        ),
      },
    ]);
    await start();
    try {
      await waitFor(
        () => pool.query(`SELECT text FROM projection.messages WHERE message_id = 'm3'`),
        (r) => r.rows.length === 1,
      );
      const { readTopic } = await import('@cpm/testkit');
      const dlq = await readTopic(t.kafka, topicName(t.namespace, 'conversation.events.v1.dlq'), {
        minRecords: 1,
      });
      const dead = await t.codec.decode<{ errorCode: string; sourceValue: Buffer }>(dlq[0]!.value!);
      expect(dead.errorCode).toBe('CPM_ERR_UNPROJECTABLE_RECORD');
      expect(dead.sourceValue.toString()).toBe('not avro');
    } finally {
      await projector.stop();
    }
  });
});

describe('projector exactly-once under SIGKILL', () => {
  it('has no row missing or duplicated and consistent offsets after five kills mid-batch', async () => {
    const env = await createTestEnv({ partitions: 3 });
    const envPool = createPool(env.databaseUrl);
    const spawnProjector = (): ChildProcess =>
      // node itself with tsx as a loader, not the tsx wrapper: SIGKILL must hit the projector.
      spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'main.ts')], {
        env: {
          ...process.env,
          ...env.env,
          PROJECTOR_HTTP_PORT: '0',
          PROJECTOR_MAX_BYTES_PER_PARTITION: '4096',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    const messages = async () =>
      Number((await envPool.query('SELECT count(*) AS n FROM projection.messages')).rows[0].n);
    try {
      const total = 4000;
      await produce(
        env,
        'conversation.events.v1',
        Array.from({ length: total }, (_, i) => loadEvent(i)).map((e) => ({
          key: e.customerKey,
          value: e,
        })),
        6,
      );
      let seen = 0;
      for (let kill = 0; kill < 5; kill++) {
        const child = spawnProjector();
        // Kill as soon as this run has written something: it is then in the middle of its batches.
        seen = await waitFor(messages, (n) => n > seen, 60_000);
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
      expect(seen).toBeLessThan(total); // the kills did land mid-load
      const last = spawnProjector();
      try {
        await waitFor(messages, (n) => n >= total, 60_000);
        await waitFor(
          () =>
            envPool.query(
              `SELECT sum(next_offset)::int AS n FROM projection.consumer_offsets WHERE topic = 'conversation.events.v1'`,
            ),
          (r) => r.rows[0].n === total,
        );
        const ids = (await envPool.query('SELECT message_id FROM projection.messages')).rows.map(
          (r) => r.message_id as string,
        );
        expect(ids).toHaveLength(total);
        expect(new Set(ids)).toEqual(new Set(Array.from({ length: total }, (_, i) => `m-${i}`)));
        // Every row's position is below the stored offset of its partition, and each partition's last row sits right under it.
        const consistency = await envPool.query(
          `SELECT o.partition, o.next_offset, max(m.log_offset) AS last_row, count(m.*) FILTER (WHERE m.log_offset >= o.next_offset) AS beyond
           FROM projection.consumer_offsets o JOIN projection.messages m ON m.log_partition = o.partition AND o.topic = 'conversation.events.v1' GROUP BY 1, 2`,
        );
        for (const row of consistency.rows) {
          expect(row.beyond).toBe('0');
          expect(BigInt(row.last_row) + 1n).toBe(BigInt(row.next_offset));
        }
        const customers = await envPool.query(
          'SELECT customer_key, log_offset FROM projection.customers',
        );
        expect(customers.rows).toHaveLength(40);
      } finally {
        last.kill('SIGTERM');
        await new Promise((r) => last.once('exit', r));
      }
    } finally {
      await envPool.end();
      await env.cleanup();
    }
  }, 180_000);
});
