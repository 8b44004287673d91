import type { Pool } from 'pg';
import type { AgentEvent, ConversationEvent } from '@cpm/contracts';
import { loadAgentEventsConfig, startAgentEvents, type AgentEvents } from '@cpm/agent-events';
import { partitionOfKey, readToEnd, topicName } from '@cpm/kafka';
import { loadNormalizerConfig, startNormalizer, type Normalizer } from '@cpm/normalizer';
import { createPool } from '@cpm/postgres';
import { loadProjectorConfig, startProjector, type Projector } from '@cpm/projector';
import { createTestEnv, inbound, readTopic, type TestEnv } from '@cpm/testkit';
import type { AgentViewAt } from './agent-view-at';
import { eventually, runCli, unsignedRawRecord } from './test-support';

const APP = 'app-view';
const ALICE = `${APP}:alice`;

let t: TestEnv;
const cli = (args: string[]) => runCli(t.env, args);
let pool: Pool;
let normalizer: Normalizer;
let agentEvents: AgentEvents;
let projector: Projector;

async function say(contact: string, id: string, text: string): Promise<void> {
  const record = unsignedRawRecord(
    `req-${id}`,
    inbound({
      appId: APP,
      id,
      channel: 'WHATSAPP',
      identity: `4670${contact.length}`,
      contactId: contact,
      conversationId: `conv-${contact}`,
      contactMessage: { text_message: { text } },
      acceptTime: new Date().toISOString(),
    }),
  );
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic: topicName(t.namespace, 'sinch.webhooks.raw.v1'),
    acks: -1,
    messages: [
      { key: record.customerKey, value: await t.codec.encode('sinch.webhooks.raw.v1', record) },
    ],
  });
  await producer.disconnect();
}

/** The live agent events of a customer (read from its partition), each with its record's time. */
async function liveEvents(customerKey: string): Promise<{ at: number; event: AgentEvent }[]> {
  const records: { at: number; value: Buffer }[] = [];
  await readToEnd(
    t.kafka,
    [topicName(t.namespace, 'agent.events.v1')],
    (batch) => {
      for (const m of batch.messages)
        if (m.key?.toString() === customerKey)
          records.push({ at: Number(m.timestamp), value: m.value! });
    },
    { partitions: new Set([partitionOfKey(customerKey, t.partitions)]) },
  );
  return Promise.all(
    records.map(async (r) => ({ at: r.at, event: await t.codec.decode<AgentEvent>(r.value) })),
  );
}

const messageIds = (events: { event: AgentEvent }[]) =>
  events.map((e) => e.event.message?.id).filter(Boolean);

beforeAll(async () => {
  t = await createTestEnv({ partitions: 2 });
  pool = createPool(t.databaseUrl);
  normalizer = await startNormalizer(loadNormalizerConfig({ ...t.env, NORMALIZER_HTTP_PORT: '0' }));
  agentEvents = await startAgentEvents(
    loadAgentEventsConfig({ ...t.env, AGENT_EVENTS_HTTP_PORT: '0' }),
  );
  projector = await startProjector(loadProjectorConfig({ ...t.env, PROJECTOR_HTTP_PORT: '0' }));
}, 90_000);

afterAll(async () => {
  await agentEvents?.stop();
  await normalizer?.stop();
  await projector?.stop();
  await pool?.end();
  await t?.cleanup();
});

describe('replay agent-view', () => {
  it('shows at a time between two messages the first and not the second, as the live service emitted it', async () => {
    await say('alice', 'a-1', 'Where is my order?');
    await say('bob', 'b-1', 'Someone else');
    await eventually(async () => {
      const live = messageIds(await liveEvents(ALICE));
      return live.includes('a-1') ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 50));
    const between = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    await say('alice', 'a-2', 'Hello?');
    const live = await eventually(async () => {
      const events = await liveEvents(ALICE);
      return messageIds(events).includes('a-2') ? events : undefined;
    });

    const then = await cli([
      '--json',
      'agent-view',
      ALICE,
      '--at',
      new Date(between).toISOString(),
    ]);
    expect(then.stderr).toBe('');
    expect(then.code).toBe(0);
    const view = JSON.parse(then.stdout) as AgentViewAt;
    expect(view.customerKey).toBe(ALICE);
    expect(messageIds(view.events)).toEqual(['a-1']);
    expect(view.events.map((e) => e.event)).toEqual(
      live.filter((e) => e.at <= between).map((e) => e.event),
    );
    expect(view.events[0]!.event.message).toMatchObject({ id: 'a-1', text: 'Where is my order?' });
    // What agent-events remembers for quotes: the customer's own message by id, without its
    // words (never shown as a quote); they are in the events above.
    expect(view.view.messages).toEqual([
      expect.objectContaining({ messageId: 'a-1', author: 'CUSTOMER', text: null }),
    ]);
    expect(view.view.channel).toBe('WHATSAPP');

    // By conversation id (the projection knows its customer), at the log position of the
    // second message's event: that record included, so both messages, as the live service emitted them.
    await eventually(async () =>
      (
        await pool.query(
          `SELECT 1 FROM projection.conversations WHERE conversation_id = 'conv-alice'`,
        )
      ).rowCount === 1
        ? true
        : undefined,
    );
    const records = await readTopic(t.kafka, topicName(t.namespace, 'conversation.events.v1'));
    let position = '';
    for (const r of records) {
      const e = await t.codec.decode<ConversationEvent>(r.value!);
      if (e.message?.id === 'a-2') position = `conversation.events.v1:${r.partition}:${r.offset}`;
    }
    const at = await cli(['--json', 'agent-view', 'conv-alice', '--at', position]);
    expect(at.code).toBe(0);
    const full = JSON.parse(at.stdout) as AgentViewAt;
    expect(full.customerKey).toBe(ALICE);
    expect(full.events.map((e) => e.event)).toEqual(live.map((e) => e.event));
    expect(messageIds(full.events)).toEqual(['a-1', 'a-2']);

    const readable = await cli(['agent-view', ALICE, '--at', new Date(between).toISOString()]);
    expect(readable.stdout).toMatch(/MESSAGE_RECEIVED .* a-1 "Where is my order\?"/);
    expect(readable.stdout).not.toMatch(/a-2/);
  }, 180_000);
});
