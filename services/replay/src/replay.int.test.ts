import type { Pool } from 'pg';
import { buildRawRecord } from '@cpm/ingress';
import { topicName } from '@cpm/kafka';
import { loadNormalizerConfig, startNormalizer } from '@cpm/normalizer';
import { createPool } from '@cpm/postgres';
import { loadProjectorConfig, startProjector, type Projector } from '@cpm/projector';
import { secretFingerprint, signWebhook, signatureHeadersFrom } from '@cpm/sinch-webhooks';
import { createTestEnv, callbackFixtures, type TestEnv } from '@cpm/testkit';
import { runReplayCli } from './run-cli';

const SECRET = 'audit-secret';
const RECEIVED_AT = Date.UTC(2026, 10, 2, 9, 0, 0);

const cli = (env: TestEnv, args: string[], extraEnv: Record<string, string> = {}) =>
  runReplayCli(env.env, args, extraEnv);

const mmsBody = (
  id: string,
  channel: 'MMS' | 'SMS',
  conversation: string,
  text: string,
  minute: number,
) =>
  Buffer.from(
    JSON.stringify({
      app_id: 'app-mms',
      project_id: 'proj',
      accepted_time: new Date(RECEIVED_AT + minute * 60_000).toISOString(),
      message: {
        id,
        direction: 'TO_APP',
        contact_message:
          channel === 'MMS'
            ? { media_message: { url: 'https://cdn.example/cat.jpg' } }
            : { text_message: { text } },
        channel_identity: { channel, identity: '15550001111', app_id: '' },
        conversation_id: conversation,
        contact_id: channel === 'MMS' ? 'contact-mms' : 'contact-sms',
        accept_time: new Date(RECEIVED_AT + minute * 60_000).toISOString(),
        sender_id: '15559990000',
        processing_mode: 'CONVERSATION',
      },
    }),
  );

/** Raw records as the ingress writes them: the MMS thread is signed, the callback fixtures are not. */
async function produceRaw(env: TestEnv): Promise<number> {
  const signed = [
    mmsBody('mms-1', 'MMS', 'conv-mms', '', 0),
    mmsBody('sms-1', 'SMS', 'conv-sms', 'plain reply', 1),
  ];
  const bodies = [
    ...signed.map((body) => ({ body, signed: true })),
    ...callbackFixtures().map((f) => ({ body: f.body, signed: false })),
  ];
  const producer = env.kafka.producer({ idempotent: true });
  await producer.connect();
  const messages = [];
  for (const [i, { body, signed: isSigned }] of bodies.entries()) {
    const headers = isSigned
      ? signatureHeadersFrom(
          signWebhook(body, SECRET, `nonce-${i}`, Math.floor(RECEIVED_AT / 1000)),
        )
      : {};
    const record = buildRawRecord({
      requestId: `req-${i}`,
      body,
      parsed: JSON.parse(body.toString()) as Record<string, unknown>,
      contentType: 'application/json',
      headers,
      verification: isSigned
        ? { ok: true, status: 'VERIFIED', secretIndex: 0, ageSeconds: 0 }
        : { ok: true, status: 'UNSIGNED_ACCEPTED', secretIndex: -1, ageSeconds: null },
      receivedAt: RECEIVED_AT + i * 1000,
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
  return bodies.length;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The projector has read every partition of conversation.events.v1 to its end (the last record may be a transaction marker). */
async function projectorCaughtUp(env: TestEnv, pool: Pool): Promise<boolean> {
  const admin = env.kafka.admin();
  await admin.connect();
  const ends = await admin
    .fetchTopicOffsets(topicName(env.namespace, 'conversation.events.v1'))
    .finally(() => admin.disconnect());
  const stored = new Map(
    (
      await pool.query(
        `SELECT partition, next_offset FROM projection.consumer_offsets WHERE topic = 'conversation.events.v1'`,
      )
    ).rows.map((r) => [r.partition as number, Number(r.next_offset)]),
  );
  return ends.every(
    (e) => Number(e.offset) === 0 || (stored.get(e.partition) ?? -1) >= Number(e.offset) - 1,
  );
}

let t: TestEnv;
let pool: Pool;
let projector: Projector;
let rawCount: number;
beforeAll(async () => {
  t = await createTestEnv({ partitions: 3 });
  pool = createPool(t.databaseUrl);
  rawCount = await produceRaw(t);
  const normalizer = await startNormalizer(
    loadNormalizerConfig({ ...t.env, NORMALIZER_HTTP_PORT: '0' }),
  );
  projector = await startProjector(loadProjectorConfig({ ...t.env, PROJECTOR_HTTP_PORT: '0' }));
  try {
    await waitFor(
      async () =>
        (await pool.query(`SELECT 1 FROM projection.messages WHERE message_id = 'sms-1'`))
          .rowCount === 1,
    );
    await waitFor(() => projectorCaughtUp(t, pool));
  } finally {
    await normalizer.stop();
  }
}, 90_000);
afterAll(async () => {
  await projector?.stop();
  await pool.end();
  await t.cleanup();
});

describe('replay CLI', () => {
  it('verify finds no difference after a scenario, then names a row corrupted on purpose and exits 1', async () => {
    const clean = await cli(t, ['verify']);
    expect(clean.stdout).toMatch(/^no difference \(\d+ records replayed\)/m);
    expect(clean.code).toBe(0);

    await pool.query(`UPDATE projection.messages SET text = 'tampered' WHERE message_id = 'sms-1'`);
    // The audit index is compared too: an indexed position lost from the live side.
    const [lost] = (
      await pool.query<{
        customer_key: string;
        topic: string;
        partition: number;
        log_offset: string;
      }>(
        `DELETE FROM projection.audit_positions WHERE ctid IN
           (SELECT ctid FROM projection.audit_positions ORDER BY log_offset, topic, partition LIMIT 1)
         RETURNING customer_key, topic, partition, log_offset::text`,
      )
    ).rows;
    expect(lost).toBeDefined();
    const dirty = await cli(t, ['--json', 'verify']);
    expect(dirty.code).toBe(1);
    const lines = dirty.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        table: 'messages',
        key: { message_id: 'sms-1' },
        kind: 'DIFFERENT',
        columns: ['text'],
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        table: 'audit_positions',
        key: { ...lost, log_offset: Number(lost!.log_offset) },
        kind: 'MISSING_IN_LIVE',
      }),
    );
    expect(lines.at(-1)).toMatchObject({ verified: false, differences: 2 });
  }, 60_000);

  it('rebuild swaps a freshly built schema in while the live projector keeps serving', async () => {
    const rebuilt = await cli(t, ['--json', 'rebuild']);
    expect(rebuilt.code).toBe(0);
    const report = JSON.parse(rebuilt.stdout.trim().split('\n').at(-1)!) as {
      schema: string;
      retired: string;
      records: number;
    };
    expect(report).toMatchObject({ schema: 'projection_1', retired: 'projection_1_retired' });
    expect(rebuilt.stderr).toMatch(/"progress":"rebuild projection_1".*"final":true/);
    // The rebuilt tables are live: the corrupted text is gone, the old tables are kept aside.
    expect(
      (await pool.query(`SELECT text FROM projection.messages WHERE message_id = 'sms-1'`)).rows,
    ).toEqual([{ text: 'plain reply' }]);
    expect(
      (
        await pool.query(
          `SELECT text FROM projection_1_retired.messages WHERE message_id = 'sms-1'`,
        )
      ).rows,
    ).toEqual([{ text: 'tampered' }]);
    const page = (await (
      await fetch(`${projector.url}/conversations/conv-mms/messages`)
    ).json()) as {
      messages: { messageId: string; text: string; channel: string; sourceChannel: string }[];
    };
    expect(page.messages).toContainEqual(
      expect.objectContaining({
        messageId: 'sms-1',
        text: 'plain reply',
        channel: 'MMS',
        sourceChannel: 'SMS',
      }),
    );
    expect((await cli(t, ['verify'])).code).toBe(0);
  }, 60_000);

  it('audit of the MMS conversation shows the SMS-reported message, its correction and the signature re-verified', async () => {
    const result = await cli(t, ['--json', 'audit', 'conv-mms'], {
      SINCH_WEBHOOK_SECRETS: `rotated-new,${SECRET}`,
    });
    expect(result.code).toBe(0);
    const entries = result.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            kind: string;
            summary: string;
            log: { topic: string; partition: number; offset: string };
            details: Record<string, unknown>;
          },
      );
    const received = entries.find(
      (e) =>
        e.kind === 'EVENT' &&
        e.details.type === 'MESSAGE_RECEIVED' &&
        (e.details.message as { id: string }).id === 'sms-1',
    );
    expect(received?.details).toMatchObject({
      channel: 'MMS',
      sourceChannel: 'SMS',
      sourceConversationId: 'conv-sms',
      correction: { rule: 'MMS_THREAD', boundConversationId: 'conv-mms' },
    });
    expect(entries).toContainEqual(
      expect.objectContaining({
        kind: 'EVENT',
        details: expect.objectContaining({ type: 'CHANNEL_CORRECTED' }),
      }),
    );
    const source = received!.details.source as { partition: number; offset: string };
    const webhook = entries.find(
      (e) =>
        e.kind === 'WEBHOOK' &&
        e.log.partition === source.partition &&
        e.log.offset === source.offset,
    );
    expect(webhook?.details).toMatchObject({
      trigger: 'MESSAGE_INBOUND',
      // Written before secret ids: the secret is found among those valid at receipt.
      signature: `VERIFIED (secret ${secretFingerprint(SECRET)})`,
      sinchTimes: { accept_time: expect.any(String) },
    });
    expect(
      entries
        .filter((e) => e.kind === 'WEBHOOK')
        .every((e) => e.details.signature === `VERIFIED (secret ${secretFingerprint(SECRET)})`),
    ).toBe(true);
    // Ordered: the MMS message's webhook comes first, the SMS reply after it.
    expect(entries[0]).toMatchObject({ kind: 'WEBHOOK' });

    const readable = await cli(t, ['audit', 'conv-mms'], { SINCH_WEBHOOK_SECRETS: 'wrong' });
    expect(readable.stdout).toMatch(
      /MESSAGE_RECEIVED MMS message sms-1 corrected SMS→MMS \(MMS_THREAD, bound to conv-mms\)/,
    );
    expect(readable.stdout).toMatch(/signature FAILED SIGNATURE_MISMATCH/);
  }, 60_000);

  it('export writes the raw records of a time window as JSON lines with the body as text and base64', async () => {
    const from = new Date(RECEIVED_AT).toISOString();
    const to = new Date(RECEIVED_AT + 2000).toISOString();
    const result = await cli(t, ['export', '--from', from, '--to', to]);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { requestId: string; body: { text: string; base64: string } });
    expect(lines.map((l) => l.requestId).sort()).toEqual(['req-0', 'req-1']);
    for (const l of lines)
      expect(Buffer.from(l.body.base64, 'base64').toString('utf8')).toBe(l.body.text);
    expect(rawCount).toBeGreaterThan(2);
    const bad = await cli(t, ['export', '--from', 'yesterday', '--to', to]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/CPM_ERR_REPLAY_USAGE/);
  }, 60_000);
});
