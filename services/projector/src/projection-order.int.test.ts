import type { Pool } from 'pg';
import type { ConversationEvent } from '@cpm/domain';
import { createPool, migrate } from '@cpm/postgres';
import { createTestEnv, type TestEnv, sampleEvent, sampleMessage } from '@cpm/testkit';
import { ProjectionStore } from './projection-store';
import type { ProjectedRecord } from './rows';

/**
 * One conversation whose events are on two partitions, as Sinch's callbacks are keyed
 * (CONVERSATION_START/STOP by `appId:contactId`, SMS by `appId:tel:+E164`), applied in
 * several interleavings of the partitions' batches: the rows must be the same, because a
 * live projector and a rebuild see the partitions in different orders. Before the one
 * ordering rule (rows.ts, "Which event wins"), the live order kept the newest
 * CONVERSATION_STARTED and a rebuild another one: `replay verify` found differences.
 */
const TOPIC = 'conversation.events.v1';
const at = (minute: number) => Date.UTC(2026, 10, 1, 10, minute);
const contact = (displayName: string) => ({
  id: 'contact1',
  displayName,
  identities: [],
  mergedFromContactId: null,
});
const sms = (eventId: string, minute: number, over: Partial<ConversationEvent>) =>
  sampleEvent(
    {
      eventId,
      type: 'MESSAGE_RECEIVED',
      customerKey: 'app1:tel:+46700000001',
      channel: 'SMS',
      sourceChannel: 'SMS',
      ...over,
    },
    at(minute),
  );

/** Partition 0: the lifecycle (contact key); partition 1: the SMS traffic (phone key). */
const PARTITIONS: ConversationEvent[][] = [
  [
    sampleEvent({ eventId: 'start2', type: 'CONVERSATION_STARTED', channel: '' }, at(20)),
    sampleEvent({ eventId: 'stop1', type: 'CONVERSATION_STOPPED', channel: '' }, at(30)),
    sampleEvent({ eventId: 'start1', type: 'CONVERSATION_STARTED', channel: '' }, at(1)),
    sampleEvent({ eventId: 'name1', type: 'CONTACT_UPDATED', contact: contact('Ada') }, at(5)),
    sampleEvent({ eventId: 'name2', type: 'CONTACT_UPDATED', contact: contact('Ada L') }, at(3)),
  ],
  [
    sms('m1', 10, {
      message: sampleMessage({ id: 'm1', text: 'first' }),
      attachedData: {
        entries: { k: 'one' },
        status: 'OK',
        reason: null,
        source: 'MESSAGE_METADATA',
      },
    }),
    sms('m2', 25, { channel: 'MMS', message: sampleMessage({ id: 'm2', text: 'second' }) }),
    sms('m3', 12, {
      message: sampleMessage({ id: 'm3', text: 'late' }),
      attachedData: {
        entries: { k: 'two' },
        status: 'OK',
        reason: null,
        source: 'MESSAGE_METADATA',
      },
    }),
    sms('m1again', 2, { type: 'MESSAGE_SENT', message: sampleMessage({ id: 'm1', text: null }) }),
  ],
];
const records = (partition: number): ProjectedRecord[] =>
  PARTITIONS[partition]!.map((event, offset) => ({
    kind: 'event',
    event,
    position: { log_topic: TOPIC, log_partition: partition, log_offset: String(offset) },
  }));

/** A run: the batches of each partition, in the order given (partition, first, end). */
type Run = [partition: number, from: number, to: number][];
const RUNS: Record<string, Run> = {
  lifecycleFirst: [
    [0, 0, 5],
    [1, 0, 4],
  ],
  smsFirst: [
    [1, 0, 4],
    [0, 0, 5],
  ],
  interleaved: [
    [0, 0, 1],
    [1, 0, 2],
    [0, 1, 3],
    [1, 2, 3],
    [0, 3, 5],
    [1, 3, 4],
  ],
  oneByOne: [0, 1, 2, 3, 4].flatMap((i): Run => [
    [1, i, Math.min(i + 1, 4)],
    [0, i, i + 1],
  ]),
};

let t: TestEnv;
let pool: Pool;
beforeAll(async () => {
  t = await createTestEnv({ partitions: 2 });
  pool = createPool(t.databaseUrl);
  for (const name of Object.keys(RUNS)) await migrate(t.databaseUrl, name.toLowerCase());
});
afterAll(async () => {
  await pool.end();
  await t.cleanup();
});

const snapshot = async (schema: string) => {
  const out: Record<string, unknown[]> = {};
  for (const table of ['customers', 'customer_identities', 'conversations', 'messages'])
    out[table] = (await pool.query(`SELECT * FROM ${schema}.${table} ORDER BY 1, 2, 3`)).rows;
  return out;
};

it('gives the same rows whatever the interleaving of the partitions (live vs rebuild)', async () => {
  const snapshots: Record<string, Awaited<ReturnType<typeof snapshot>>> = {};
  for (const [name, run] of Object.entries(RUNS)) {
    const schema = name.toLowerCase();
    const store = new ProjectionStore(pool, schema, 'projector');
    for (const [partition, from, to] of run) {
      if (from >= to) continue;
      await store.apply(TOPIC, partition, records(partition).slice(from, to), String(to));
    }
    snapshots[name] = await snapshot(schema);
  }
  const first = 'lifecycleFirst';
  const others = Object.keys(RUNS).filter((n) => n !== first);
  for (const name of others)
    expect({ [name]: snapshots[name] }).toEqual({ [name]: snapshots[first] });

  // The rule, from the log's content alone: earliest start, newest end, newest lifecycle
  // event, newest non-empty channel, newest attached data, newest display name.
  const [conversation] = snapshots[first]!.conversations as Record<string, unknown>[];
  expect(conversation).toMatchObject({
    conversation_id: 'conv1',
    started_at: new Date(at(1)),
    ended_at: new Date(at(30)),
    state: 'ENDED',
    channel: 'MMS',
    attached_data: { k: 'two' },
    last_event_at: new Date(at(30)),
    log_partition: 0,
    log_offset: '1',
  });
  const customers = snapshots[first]!.customers as Record<string, unknown>[];
  expect(customers.find((c) => c.customer_key === 'app1:contact1')).toMatchObject({
    display_name: 'Ada',
    first_seen_at: new Date(at(1)),
    last_seen_at: new Date(at(30)),
  });
  const messages = snapshots[first]!.messages as Record<string, unknown>[];
  expect(messages.find((m) => m.message_id === 'm1')).toMatchObject({
    text: 'first',
    occurred_at: new Date(at(10)),
  });
});
