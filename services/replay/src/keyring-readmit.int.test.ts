import type { ConversationEvent } from '@cpm/domain';
import type { RawWebhookRecord, RejectedWebhookRecord } from '@cpm/contracts';
import { loadIngressConfig, startIngress } from '@cpm/ingress';
import { topicName } from '@cpm/kafka';
import { loadNormalizerConfig, startNormalizer } from '@cpm/normalizer';
import { secretFingerprint } from '@cpm/sinch-webhooks';
import { createTestEnv, postWebhook, readTopic, type TestEnv } from '@cpm/testkit';
import { runReplayCli } from './run-cli';

let t: TestEnv;
beforeAll(async () => {
  // A database of its own: the audit reads the projection schema there (none: everything is tail).
  t = await createTestEnv({ partitions: 3 });
}, 60_000);
afterAll(() => t.cleanup());

const inbound = (id: string, conversation: string, text = 'hello') =>
  Buffer.from(
    JSON.stringify({
      app_id: 'app-keys',
      project_id: 'proj',
      accepted_time: new Date().toISOString(),
      message: {
        id,
        direction: 'TO_APP',
        contact_message: { text_message: { text } },
        channel_identity: { channel: 'WHATSAPP', identity: '46700000001', app_id: '' },
        conversation_id: conversation,
        contact_id: `contact-${conversation}`,
        accept_time: new Date().toISOString(),
        processing_mode: 'CONVERSATION',
      },
    }),
  );

/** Runs an ingress with these settings for the time of `use`. */
async function withIngress(
  settings: Record<string, string>,
  use: (webhookUrl: string) => Promise<void>,
): Promise<void> {
  const ingress = await startIngress(
    loadIngressConfig({ ...t.env, INGRESS_PORT: '0', INGRESS_ENSURE_TOPICS: 'true', ...settings }),
  );
  try {
    await use(ingress.webhookUrl);
  } finally {
    await ingress.stop();
  }
}

const jsonLines = <T>(stdout: string): T[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

async function decoded<T>(
  topic: string,
): Promise<{ partition: number; offset: string; value: T }[]> {
  const records = await readTopic(t.kafka, topicName(t.namespace, topic));
  return Promise.all(
    records.map(async (r) => ({
      partition: r.partition,
      offset: r.offset,
      value: await t.codec.decode<T>(r.value!),
    })),
  );
}

describe('webhook keyring and readmit, against real Kafka and the registry', () => {
  it('audit re-verifies an old webhook after the secret changed twice, with the secret valid at receipt', async () => {
    const [first, second, third] = ['rotation-one', 'rotation-two', 'rotation-three'];
    await withIngress({ SINCH_WEBHOOK_SECRETS: first }, async (url) => {
      expect((await postWebhook(url, inbound('rot-1', 'conv-rot'), { secret: first })).status).toBe(
        200,
      );
    });
    // The rotation: both accepted for a while, then the first one is gone.
    await withIngress({ SINCH_WEBHOOK_SECRETS: `${second},${first}` }, async (url) => {
      expect(
        (await postWebhook(url, inbound('rot-2', 'conv-rot'), { secret: second })).status,
      ).toBe(200);
    });
    await withIngress({ SINCH_WEBHOOK_SECRETS: third }, async (url) => {
      expect((await postWebhook(url, inbound('rot-3', 'conv-rot'), { secret: third })).status).toBe(
        200,
      );
      expect((await postWebhook(url, inbound('rot-x', 'conv-rot'), { secret: first })).status).toBe(
        401,
      );
    });

    // The log keeps which secret verified each one; the old index says 0 for both ends.
    const raw = (await decoded<RawWebhookRecord>('sinch.webhooks.raw.v1')).map((r) => r.value);
    const byMessage = (id: string) => raw.find((r) => r.body.toString().includes(`"${id}"`))!;
    expect(byMessage('rot-1')).toMatchObject({
      secretId: secretFingerprint(first),
      secretIndex: 0,
    });
    expect(byMessage('rot-2')).toMatchObject({ secretId: secretFingerprint(second) });
    expect(byMessage('rot-3')).toMatchObject({
      secretId: secretFingerprint(third),
      secretIndex: 0,
    });
    expect(JSON.stringify(raw.map(({ body: _b, ...fields }) => fields))).not.toMatch(/rotation-/);

    const signatures = async (env: Record<string, string>) => {
      const result = await runReplayCli(t.env, ['--json', 'audit', 'conv-rot'], env);
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toMatch(/rotation-/);
      // Audit orders by receive time: #1 is rot-1.
      return Object.fromEntries(
        jsonLines<{ kind: string; details: { signature: string } }>(result.stdout)
          .filter((e) => e.kind === 'WEBHOOK')
          .map((e, i) => [`#${i + 1}`, e.details.signature]),
      );
    };
    // Today's secrets in the keyring form, the retired ones with their windows, newest first.
    const keyring = JSON.stringify([
      { id: 'k3', secret: third, validFrom: '2026-01-01' },
      { id: 'k2', secret: second, validUntil: '2100-01-01' },
      { id: 'k1', secret: first, validUntil: '2100-01-01' },
    ]);
    expect(await signatures({ SINCH_WEBHOOK_KEYRING: keyring })).toEqual({
      '#1': 'VERIFIED (secret k1)',
      '#2': 'VERIFIED (secret k2)',
      '#3': 'VERIFIED (secret k3)',
    });
    expect(await signatures({ SINCH_WEBHOOK_SECRETS: `${third},${second},${first}` })).toEqual({
      '#1': `VERIFIED (secret ${secretFingerprint(first)})`,
      '#2': `VERIFIED (secret ${secretFingerprint(second)})`,
      '#3': `VERIFIED (secret ${secretFingerprint(third)})`,
    });
    // Today's secret alone cannot vouch for the old webhooks: it says which secret is missing.
    expect(await signatures({ SINCH_WEBHOOK_SECRETS: third })).toEqual({
      '#1': `FAILED SIGNATURE_MISMATCH (secret ${secretFingerprint(first)} is not in the keyring)`,
      '#2': `FAILED SIGNATURE_MISMATCH (secret ${secretFingerprint(second)} is not in the keyring)`,
      '#3': `VERIFIED (secret ${secretFingerprint(third)})`,
    });
  }, 120_000);

  it('readmit admits, once, the webhooks refused during a wrong-secret period; the rest stay and say why', async () => {
    const right = 'the-app-secret';
    const from = new Date().toISOString();
    const refused = { quarantined: ['wrong-1', 'wrong-2'], cut: 'wrong-big' };
    await withIngress(
      { SINCH_WEBHOOK_SECRETS: 'a-mistyped-secret', INGRESS_QUARANTINE_MAX_BYTES: '1024' },
      async (url) => {
        for (const id of refused.quarantined)
          expect(
            (await postWebhook(url, inbound(id, 'conv-wrong'), { secret: right })).status,
          ).toBe(401);
        const big = inbound(refused.cut, 'conv-wrong', 'x'.repeat(2000));
        expect((await postWebhook(url, big, { secret: right })).status).toBe(401);
        expect((await postWebhook(url, '[1, 2]', { secret: right })).status).toBe(401);
      },
    );
    const quarantine = await decoded<RejectedWebhookRecord>('sinch.webhooks.rejected.v1');
    const mine = quarantine.filter((q) => Number(q.value.receivedAt) >= Date.parse(from));
    expect(mine).toHaveLength(4);
    const fixed = { SINCH_WEBHOOK_KEYRING: JSON.stringify([{ id: 'fixed', secret: right }]) };
    const readmit = async (args: string[]) => {
      const result = await runReplayCli(
        t.env,
        ['--json', 'readmit', '--from', from, ...args],
        fixed,
      );
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(right);
      const lines = jsonLines<Record<string, unknown>>(result.stdout);
      return { lines: lines.slice(0, -1), summary: lines.at(-1) };
    };
    const admittedRaw = async () =>
      (await decoded<RawWebhookRecord>('sinch.webhooks.raw.v1')).filter(
        (r) => r.value.admittedFrom,
      );

    const dry = await readmit(['--dry-run']);
    expect(dry.summary).toEqual({ admitted: 2, alreadyAdmitted: 0, kept: 2, dryRun: true });
    expect(await admittedRaw()).toHaveLength(0);

    const first = await readmit([]);
    expect(first.summary).toEqual({ admitted: 2, alreadyAdmitted: 0, kept: 2, dryRun: false });
    const kept = first.lines.filter((l) => l.outcome === 'KEPT').map((l) => l.detail as string);
    expect(kept).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/body cut to 1024 of \d+ bytes .*cannot be re-verified/),
        expect.stringMatching(/^CPM_ERR_WEBHOOK_NOT_OBJECT: /),
      ]),
    );
    const admitted = await admittedRaw();
    expect(admitted).toHaveLength(2);
    for (const { value } of admitted) {
      const original = mine.find((q) => q.value.requestId === value.requestId)!;
      expect(original).toBeDefined();
      expect(value).toMatchObject({
        verification: 'VERIFIED',
        secretId: 'fixed',
        receivedAt: original.value.receivedAt,
        trigger: 'MESSAGE_INBOUND',
        customerKey: 'app-keys:contact-conv-wrong',
        admittedFrom: {
          topic: 'sinch.webhooks.rejected.v1',
          partition: original.partition,
          offset: Number(original.offset),
        },
      });
      expect(Buffer.compare(value.body, original.value.body)).toBe(0);
    }

    const second = await readmit([]);
    expect(second.summary).toEqual({ admitted: 0, alreadyAdmitted: 2, kept: 2, dryRun: false });
    expect(await admittedRaw()).toHaveLength(2);

    // Downstream they are webhooks like any other: the normalizer makes their events.
    const normalizer = await startNormalizer(
      loadNormalizerConfig({ ...t.env, NORMALIZER_HTTP_PORT: '0' }),
    );
    try {
      const deadline = Date.now() + 45_000;
      let events: ConversationEvent[] = [];
      while (Date.now() < deadline) {
        events = (await decoded<ConversationEvent>('conversation.events.v1'))
          .map((e) => e.value)
          .filter((e) => e.conversationId === 'conv-wrong' && e.type === 'MESSAGE_RECEIVED');
        if (events.length >= 2) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(events.map((e) => e.message?.id).sort()).toEqual(['wrong-1', 'wrong-2']);
      for (const e of events) {
        const raw = admitted.find(
          (r) => r.partition === e.source.partition && r.offset === e.source.offset,
        );
        expect(raw).toBeDefined();
        expect(e.receivedAtMs).toBe(Number(raw!.value.receivedAt));
      }
    } finally {
      await normalizer.stop();
    }
  }, 180_000);
});
