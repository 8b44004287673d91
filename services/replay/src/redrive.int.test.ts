import type { ConversationEvent, DeadLetter } from '@cpm/contracts';
import {
  changelogSpec,
  consumerHealthSettings,
  ensureTopics,
  TransactionalProcessor,
  topicName,
} from '@cpm/kafka';
import {
  initialNormalizerState,
  loadNormalizerConfig,
  normalizerChangelogLists,
  normalizerHandlerOf,
  startNormalizer,
  type NormalizerState,
} from '@cpm/normalizer';
import { AppError, createLogger, createMetrics } from '@cpm/platform';
import { createTestEnv, inbound, readTopic, type TestEnv } from '@cpm/testkit';
import { eventually, runCli, unsignedRawRecord } from './test-support';
import { REDRIVE_HEADER } from './redrive';

const APP = 'app-redrive';

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let t: TestEnv;
const cli = (args: string[]) => runCli(t.env, ['--json', ...args]);
const keyOf = (contact: string) => `${APP}:${contact}`;
const DLQ = 'conversation.events.v1.dlq';
const raw = () => readTopic(t.kafka, topicName(t.namespace, 'sinch.webhooks.raw.v1'));
const events = async () =>
  Promise.all(
    (await readTopic(t.kafka, topicName(t.namespace, 'conversation.events.v1'))).map((r) =>
      t.codec.decode<ConversationEvent>(r.value!),
    ),
  );
const receivedIds = async () =>
  (await events()).filter((e) => e.type === 'MESSAGE_RECEIVED').map((e) => e.message!.id);

/** The version with the bug: the normalizer's own handler, failing (as a bug would) for some customers. */
async function buggyNormalizer(
  failing: Map<string, string>,
): Promise<TransactionalProcessor<NormalizerState>> {
  const config = loadNormalizerConfig(t.env);
  await ensureTopics(t.kafka, t.namespace, t.partitions, [changelogSpec('normalizer')]);
  const metrics = createMetrics('normalizer');
  const handler = normalizerHandlerOf(config, metrics);
  const processor = new TransactionalProcessor<NormalizerState>({
    name: 'normalizer',
    kafka: t.kafka,
    codec: t.codec,
    namespace: t.namespace,
    inputs: ['sinch.webhooks.raw.v1', 'sinch.outbound.v1'],
    dlqTopic: DLQ,
    initialState: initialNormalizerState,
    changelogLists: normalizerChangelogLists,
    handle: (value, ctx) => {
      const code = failing.get(ctx.key);
      if (code) throw new AppError(code as 'CPM_ERR_WEBHOOK_NOT_JSON', 'the bug');
      return handler(value, ctx);
    },
    logger: createLogger('buggy-normalizer', 'silent'),
    metrics,
    health: consumerHealthSettings(config),
  });
  await processor.start();
  return processor;
}

beforeAll(async () => {
  t = await createTestEnv({ database: false, partitions: 2 });
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  const messages = [];
  for (const contact of ['ca', 'cb', 'cc', 'cd']) {
    const record = unsignedRawRecord(
      `req-${contact}`,
      inbound({ appId: APP, id: `m-${contact}`, channel: 'WHATSAPP', contactId: contact }),
    );
    expect(record.customerKey).toBe(keyOf(contact));
    messages.push({
      key: record.customerKey,
      value: await t.codec.encode('sinch.webhooks.raw.v1', record),
      headers: { 'cpm-trigger': record.trigger },
    });
  }
  await producer.send({
    topic: topicName(t.namespace, 'sinch.webhooks.raw.v1'),
    acks: -1,
    messages,
  });
  await producer.disconnect();

  // The bug: ca and cb fail with one code, cc with another; cd goes through.
  const buggy = await buggyNormalizer(
    new Map([
      [keyOf('ca'), 'CPM_ERR_WEBHOOK_NOT_JSON'],
      [keyOf('cb'), 'CPM_ERR_WEBHOOK_NOT_JSON'],
      [keyOf('cc'), 'CPM_ERR_WEBHOOK_NOT_OBJECT'],
    ]),
  );
  try {
    await eventually(async () =>
      (await readTopic(t.kafka, topicName(t.namespace, DLQ))).length === 3 &&
      (await receivedIds()).includes('m-cd')
        ? true
        : undefined,
    );
  } finally {
    await buggy.stop();
  }
}, 120_000);

afterAll(async () => {
  await t?.cleanup();
});

describe('replay redrive', () => {
  it('puts dead letters back once each after the fix: filters, dry run, two runs at once', async () => {
    // The fix: the normalizer as it is now, from where the buggy one stopped.
    const normalizer = await startNormalizer(
      loadNormalizerConfig({ ...t.env, NORMALIZER_HTTP_PORT: '0' }),
    );
    try {
      const letters = await Promise.all(
        (await readTopic(t.kafka, topicName(t.namespace, DLQ))).map((r) =>
          t.codec.decode<DeadLetter>(r.value!),
        ),
      );
      expect(letters.map((l) => l.errorCode).sort()).toEqual([
        'CPM_ERR_WEBHOOK_NOT_JSON',
        'CPM_ERR_WEBHOOK_NOT_JSON',
        'CPM_ERR_WEBHOOK_NOT_OBJECT',
      ]);
      // The DLQ keeps the source record's headers.
      expect(letters[0]!.sourceHeaders).toEqual({
        'cpm-trigger': [Buffer.from('MESSAGE_INBOUND')],
      });

      // Dry run: says what it would do, writes nothing.
      const dry = await cli(['redrive', DLQ, '--code', 'CPM_ERR_WEBHOOK_NOT_JSON', '--dry-run']);
      expect(dry.code).toBe(0);
      const planned = lines(dry.stdout);
      expect(
        planned
          .slice(0, -1)
          .map((l) => l.key)
          .sort(),
      ).toEqual([keyOf('ca'), keyOf('cb')]);
      expect(planned.at(-1)).toMatchObject({ dryRun: true, matched: 2, redriven: 0 });
      const later = new Date(Date.now() + 3_600_000).toISOString();
      const none = await cli(['redrive', DLQ, '--from', later, '--dry-run']);
      expect(lines(none.stdout).at(-1)).toMatchObject({ matched: 0 });
      expect(await raw()).toHaveLength(4);
      expect(await readTopic(t.kafka, topicName(t.namespace, 'replay.redrives.v1'))).toEqual([]);

      // By code and key: ca only; the fixed normalizer processes it.
      const first = await cli([
        'redrive',
        DLQ,
        '--code',
        'CPM_ERR_WEBHOOK_NOT_JSON',
        '--key',
        keyOf('ca'),
      ]);
      expect(first.code).toBe(0);
      const [item, summary] = lines(first.stdout);
      expect(summary).toMatchObject({ matched: 1, alreadyRedriven: 0, redriven: 1 });
      await eventually(async () => ((await receivedIds()).includes('m-ca') ? true : undefined));
      const copies = (await raw()).filter((r) => r.headers?.[REDRIVE_HEADER] !== undefined);
      expect(copies).toHaveLength(1);
      const original = (await raw()).find(
        (r) => r.key === keyOf('ca') && r.headers?.[REDRIVE_HEADER] === undefined,
      )!;
      expect(copies[0]).toMatchObject({
        key: keyOf('ca'),
        partition: original.partition,
        offset: item!.redrivenOffset,
      });
      expect(copies[0]!.value!.equals(original.value!)).toBe(true);
      expect(copies[0]!.headers![REDRIVE_HEADER]!.toString()).toBe(item!.position);
      expect(copies[0]!.headers!['cpm-trigger']!.toString()).toBe('MESSAGE_INBOUND');

      // Two operators at once on the same code: cb is redriven by exactly one of them.
      const both = await Promise.all([
        cli(['redrive', DLQ, '--code', 'CPM_ERR_WEBHOOK_NOT_JSON']),
        cli(['redrive', DLQ, '--code', 'CPM_ERR_WEBHOOK_NOT_JSON']),
      ]);
      expect(both.map((r) => r.code)).toEqual([0, 0]);
      expect(both.map((r) => lines(r.stdout).at(-1)!.redriven as number).sort()).toEqual([0, 1]);
      await eventually(async () => ((await receivedIds()).includes('m-cb') ? true : undefined));

      // Again: nothing left for that code; cc (the other code) was never touched.
      const again = await cli(['redrive', DLQ, '--code', 'CPM_ERR_WEBHOOK_NOT_JSON']);
      expect(lines(again.stdout)).toEqual([
        expect.objectContaining({ matched: 2, alreadyRedriven: 2, redriven: 0 }),
      ]);
      expect(await raw()).toHaveLength(6);
      const received = await receivedIds();
      expect(received.sort()).toEqual(['m-ca', 'm-cb', 'm-cd']);
      expect(await readTopic(t.kafka, topicName(t.namespace, 'replay.redrives.v1'))).toHaveLength(
        2,
      );

      const wrong = await cli(['redrive', 'conversation.events.v1']);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toMatch(/CPM_ERR_REPLAY_USAGE/);
    } finally {
      await normalizer.stop();
    }
  }, 240_000);
});
