import type { Pool } from 'pg';
import { loadAgentEventsConfig, startAgentEvents } from '@cpm/agent-events';
import { topicName } from '@cpm/kafka';
import { loadNormalizerConfig, startNormalizer } from '@cpm/normalizer';
import { claimTopicNamespace, createPool, migrate, topicNamespaceOf } from '@cpm/postgres';
import {
  AUDIT_INDEX_TOPICS,
  auditIndexGroup,
  loadProjectorConfig,
  startProjector,
  type Projector,
} from '@cpm/projector';
import { keyringFromSecrets } from '@cpm/sinch-webhooks';
import { createTestEnv, type TestEnv } from '@cpm/testkit';
import { audit, auditIndexed, type IndexedAuditStats } from './audit';
import { rebuildInto } from './rebuild';
import { eventually, unsignedRawRecord } from './test-support';

/** Five WhatsApp customers with two conversations each, and an SMS reply in an MMS thread. */
const APP = 'app-audit';
const customers = ['c1', 'c2', 'c3', 'c4', 'c5'];
const conversationOf = (contact: string, n: number) => `conv-${contact}-${n}`;

const inbound = (contact: string, conversation: string, id: string, minute: number) => ({
  app_id: APP,
  accepted_time: new Date(Date.UTC(2026, 10, 3, 9, minute)).toISOString(),
  event_time: new Date(Date.UTC(2026, 10, 3, 9, minute) - 500).toISOString(),
  message: {
    id,
    direction: 'TO_APP',
    contact_message: { text_message: { text: `text of ${id}` } },
    channel_identity: { channel: 'WHATSAPP', identity: `4670000${contact}`, app_id: '' },
    conversation_id: conversation,
    contact_id: contact,
    accept_time: new Date(Date.UTC(2026, 10, 3, 9, minute) - 100).toISOString(),
  },
});
const delivery = (contact: string, conversation: string, id: string, minute: number) => ({
  app_id: APP,
  accepted_time: new Date(Date.UTC(2026, 10, 3, 9, minute)).toISOString(),
  message_delivery_report: {
    message_id: id,
    conversation_id: conversation,
    status: 'DELIVERED',
    channel_identity: { channel: 'WHATSAPP', identity: `4670000${contact}`, app_id: '' },
    contact_id: contact,
  },
});
const mms = (id: string, channel: 'MMS' | 'SMS', conversation: string, minute: number) => ({
  app_id: APP,
  accepted_time: new Date(Date.UTC(2026, 10, 3, 9, minute)).toISOString(),
  message: {
    id,
    direction: 'TO_APP',
    contact_message:
      channel === 'MMS'
        ? { media_message: { url: 'https://cdn.example/cat.jpg' } }
        : { text_message: { text: 'reply' } },
    channel_identity: { channel, identity: '15550002222', app_id: '' },
    conversation_id: conversation,
    contact_id: channel === 'MMS' ? 'contact-mms' : 'contact-sms',
    accept_time: new Date(Date.UTC(2026, 10, 3, 9, minute)).toISOString(),
    sender_id: '15559990000',
    processing_mode: 'CONVERSATION',
  },
});

async function produceRaw(env: TestEnv, bodies: object[], prefix: string): Promise<void> {
  const producer = env.kafka.producer({ idempotent: true });
  await producer.connect();
  const messages = [];
  for (const [i, body] of bodies.entries()) {
    const record = unsignedRawRecord(`${prefix}-${i}`, body);
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

/** The first batch: every customer's two conversations, three messages and a report each. */
const firstBatch = (): object[] => {
  const bodies: object[] = [];
  for (let round = 0; round < 3; round++)
    for (const [i, c] of customers.entries())
      for (const n of [1, 2]) {
        const id = `m-${c}-${n}-${round}`;
        bodies.push(inbound(c, conversationOf(c, n), id, round * 10 + i));
        if (round === 2) bodies.push(delivery(c, conversationOf(c, n), id, round * 10 + i + 1));
      }
  bodies.push(mms('mms-1', 'MMS', 'conv-mms', 40), mms('sms-1', 'SMS', 'conv-sms', 41));
  return bodies;
};

/** Offsets to reach on every partition of the audit's topics: their current ends. */
async function ends(env: TestEnv): Promise<Map<string, number>> {
  const admin = env.kafka.admin();
  await admin.connect();
  try {
    const out = new Map<string, number>();
    for (const topic of AUDIT_INDEX_TOPICS)
      for (const p of await admin.fetchTopicOffsets(topicName(env.namespace, topic)))
        out.set(`${topic}:${p.partition}`, Number(p.offset));
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** The index has read every partition of the three topics to its end (the last record may be a transaction marker). */
async function indexCaughtUp(env: TestEnv, pool: Pool, schema = 'projection'): Promise<boolean> {
  const stored = new Map(
    (
      await pool.query<{ topic: string; partition: number; next_offset: string }>(
        `SELECT topic, partition, next_offset FROM ${schema}.consumer_offsets WHERE consumer_group = $1`,
        [auditIndexGroup('projector')],
      )
    ).rows.map((r) => [`${r.topic}:${r.partition}`, Number(r.next_offset)]),
  );
  return [...(await ends(env))].every(
    ([key, end]) => end === 0 || (stored.get(key) ?? -1) >= end - 1,
  );
}

/** How many agent events there are now, across partitions. */
async function agentEventCount(env: TestEnv): Promise<number> {
  let n = 0;
  for (const [key, end] of await ends(env)) if (key.startsWith('agent.events.v1:')) n += end;
  return n;
}

let t: TestEnv;
let pool: Pool;
const keyring = keyringFromSecrets([]);
const options = (schema = 'projection') => ({
  kafka: t.kafka,
  codec: t.codec,
  namespace: t.namespace,
  keyring,
  pool,
  schema,
  projectorGroup: 'projector',
});
const subjects = [
  `${APP}:c1`,
  conversationOf('c2', 1),
  conversationOf('c3', 2),
  `${APP}:c4`,
  'conv-mms',
  'conv-sms',
  'no-such-conversation',
];

/** For each subject: the indexed audit equals the full scan (same entries, same order). */
async function expectSameAsFullScan(schema: string): Promise<IndexedAuditStats[]> {
  const stats: IndexedAuditStats[] = [];
  for (const subject of subjects) {
    const s = {} as IndexedAuditStats;
    const indexed = await auditIndexed(options(schema), subject, s);
    const scanned = await audit(options(schema), subject);
    expect({ subject, entries: indexed }).toEqual({ subject, entries: scanned });
    if (subject !== 'no-such-conversation') expect(scanned.length).toBeGreaterThan(2);
    stats.push(s);
  }
  return stats;
}

let projector: Projector | undefined;
const services: { stop(): Promise<void> }[] = [];
beforeAll(async () => {
  t = await createTestEnv({ partitions: 3 });
  pool = createPool(t.databaseUrl);
  await produceRaw(t, firstBatch(), 'a');
  services.push(
    await startNormalizer(loadNormalizerConfig({ ...t.env, NORMALIZER_HTTP_PORT: '0' })),
    await startAgentEvents(loadAgentEventsConfig({ ...t.env, AGENT_EVENTS_HTTP_PORT: '0' })),
  );
  projector = await startProjector(loadProjectorConfig({ ...t.env, PROJECTOR_HTTP_PORT: '0' }));
  // 30 customer messages + the MMS thread reach the agent; reports too.
  await eventually(async () => ((await agentEventCount(t)) >= 32 ? true : undefined));
  await eventually(async () => ((await indexCaughtUp(t, pool)) ? true : undefined));
}, 120_000);
afterAll(async () => {
  await projector?.stop();
  for (const s of services) await s.stop();
  await pool.end();
  await t.cleanup();
});

describe('replay audit through the audit index', () => {
  it('gives the full scan result for customers and conversations, reading only their ranges', async () => {
    const stats = await expectSameAsFullScan('projection');
    const total = [...(await ends(t)).values()].reduce((a, b) => a + b, 0);
    for (const s of stats) {
      expect(s.tailRecords).toBe(0);
      expect(s.rangeRecords).toBeLessThan(total);
    }
    expect(stats[0]!.indexedPositions).toBeGreaterThan(0);
  }, 120_000);

  it('is still the full scan result when the index is behind the log, or empty', async () => {
    await projector!.stop();
    projector = undefined;
    const before = await agentEventCount(t);
    await produceRaw(
      t,
      [
        inbound('c1', conversationOf('c1', 1), 'late-c1', 50),
        inbound('c2', conversationOf('c2', 1), 'late-c2', 51),
        inbound('c3', 'conv-c3-new', 'late-c3', 52),
        mms('sms-2', 'SMS', 'conv-sms', 53),
      ],
      'b',
    );
    await eventually(async () => ((await agentEventCount(t)) >= before + 4 ? true : undefined));
    const behind = await expectSameAsFullScan('projection');
    for (const s of behind) expect(s.tailRecords).toBeGreaterThan(0);

    // A schema whose index is empty: the tail is the whole log.
    await migrate(t.databaseUrl, 'audit_empty');
    await expectSameAsFullScan('audit_empty');
  }, 240_000);

  it('is rebuilt from the log by replay rebuild, row for row', async () => {
    projector = await startProjector(loadProjectorConfig({ ...t.env, PROJECTOR_HTTP_PORT: '0' }));
    await eventually(async () => ((await indexCaughtUp(t, pool)) ? true : undefined));
    await migrate(t.databaseUrl, 'audit_rebuilt');
    const result = await rebuildInto({
      kafka: t.kafka,
      codec: t.codec,
      pool,
      namespace: t.namespace,
      schema: 'audit_rebuilt',
      group: 'projector',
      maxBytesPerPartition: 1_048_576,
    });
    expect(result.indexed).toBeGreaterThan(0);
    for (const table of ['audit_positions', 'audit_conversations']) {
      const rows = async (schema: string) =>
        (await pool.query(`SELECT * FROM ${schema}.${table} t ORDER BY t::text`)).rows;
      expect(await rows('audit_rebuilt')).toEqual(await rows('projection'));
    }
    expect(await indexCaughtUp(t, pool, 'audit_rebuilt')).toBe(true);
  }, 120_000);

  it("does not trust another topic namespace's index, and the projector refuses its schema", async () => {
    expect(await topicNamespaceOf(pool, 'projection')).toBe(t.namespace);
    // A schema left by another deployment (or a demo) in the same database: its offsets name
    // the same topics, far past the ends of ours.
    await migrate(t.databaseUrl, 'audit_foreign');
    await claimTopicNamespace(pool, 'audit_foreign', 'another-namespace');
    await pool.query(
      `INSERT INTO audit_foreign.consumer_offsets (consumer_group, topic, partition, next_offset)
       SELECT $1, topic, p, 100000 FROM unnest($2::text[]) topic, generate_series(0, 2) p`,
      [auditIndexGroup('projector'), [...AUDIT_INDEX_TOPICS]],
    );
    const told: string[] = [];
    const subject = conversationOf('c2', 1);
    const s = {} as IndexedAuditStats;
    const indexed = await auditIndexed(
      { ...options('audit_foreign'), onForeignIndex: (e) => told.push(e.code) },
      subject,
      s,
    );
    expect(told).toEqual(['CPM_ERR_SCHEMA_OF_OTHER_NAMESPACE']);
    expect(indexed).toEqual(await audit(options('audit_foreign'), subject));
    expect(indexed.length).toBeGreaterThan(2);
    expect(s.tailRecords).toBeGreaterThan(0); // read from the start, not from 100000

    await expect(
      startProjector(
        loadProjectorConfig({
          ...t.env,
          PROJECTOR_HTTP_PORT: '0',
          PROJECTION_SCHEMA: 'audit_foreign',
        }),
      ),
    ).rejects.toMatchObject({ code: 'CPM_ERR_SCHEMA_OF_OTHER_NAMESPACE' });
  }, 120_000);
});
