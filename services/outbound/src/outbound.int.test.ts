import { execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { topicName } from '@cpm/kafka';
import type { OutboundRecord } from '@cpm/contracts';
import { normalizeWebhook, type ConversationEvent } from '@cpm/domain';
import { startIngress, loadIngressConfig, type Ingress } from '@cpm/ingress';
import { REQUIRED_WEBHOOK_TRIGGERS } from '@cpm/sinch-api';
import {
  createSinchSimulator,
  type InboundResult,
  type SinchSimulator,
} from '@cpm/sinch-simulator';
import {
  consumerLagLines,
  createTestEnv,
  readTopic,
  waitForZeroLag,
  type TestEnv,
  NO_COMMAND_CONTENT,
} from '@cpm/testkit';
import type { AgentCommand } from './agent-command';
import { loadOutboundConfig } from './config';
import { startOutbound, type Outbound } from './outbound';

const HOUR = 3600_000;
const SECRET = 'sim-webhook-secret';
let t: TestEnv;
let sim: SinchSimulator;
let outbound: Outbound;
let ingress: Ingress;
let sinchEnv: Record<string, string>;
let alice: InboundResult; // WhatsApp customer who just wrote
let bob: InboundResult; // WhatsApp customer silent for 25 h
const keyOf = (c: InboundResult) => `sim-app:${c.contactId}`;
let aliceLastMs = 0;
let bobLastMs = 0;

/** A MESSAGE_RECEIVED event as the normalizer writes it, with the accept time we want. */
async function produceInboundEvent(customer: InboundResult, acceptMs: number): Promise<void> {
  const [event] = normalizeWebhook({
    body: Buffer.from(JSON.stringify(customer.body)),
    receivedAtMs: acceptMs,
    customerKey: keyOf(customer),
    source: { topic: 'sinch.webhooks.raw.v1', partition: 0, offset: '0' },
  }).filter((e) => e.type === 'MESSAGE_RECEIVED') as [ConversationEvent];
  const iso = new Date(acceptMs).toISOString();
  const value: ConversationEvent = {
    ...event,
    occurredAt: iso,
    occurredAtMs: acceptMs,
    message: { ...event.message!, acceptedAt: iso },
  };
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic: topicName(t.namespace, 'conversation.events.v1'),
    acks: -1,
    messages: [
      { key: keyOf(customer), value: await t.codec.encode('conversation.events.v1', value) },
    ],
  });
  await producer.disconnect();
}

function command(customer: InboundResult, overrides: Partial<AgentCommand>): AgentCommand {
  return {
    commandId: `cmd-${Math.random().toString(36).slice(2)}`,
    createdAt: aliceLastMs + HOUR,
    type: 'SEND_TEXT',
    appId: 'sim-app',
    contactId: customer.contactId,
    conversationId: customer.conversationId,
    channel: 'WHATSAPP',
    identity: '',
    author: 'AGENT',
    agentId: 'agent-1',
    ...NO_COMMAND_CONTENT,
    ...overrides,
  };
}

async function produceCommands(commands: AgentCommand[], key: string): Promise<void> {
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  const messages = await Promise.all(
    commands.map(async (c) => ({ key, value: await t.codec.encode('agent.commands.v1', c) })),
  );
  await producer.send({ topic: topicName(t.namespace, 'agent.commands.v1'), acks: -1, messages });
  await producer.disconnect();
}

/** Outbound records of these command ids, once there is one for each. */
async function outcomes(ids: string[]): Promise<(OutboundRecord & { key: string | null })[]> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const records = await readTopic(t.kafka, topicName(t.namespace, 'sinch.outbound.v1'));
    const decoded = await Promise.all(
      records.map(async (r) => ({
        ...(await t.codec.decode<OutboundRecord>(r.value!)),
        key: r.key,
      })),
    );
    const mine = decoded.filter((r) => ids.includes(r.commandId));
    if (ids.every((id) => mine.some((r) => r.commandId === id)) || Date.now() > deadline)
      return mine;
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function metric(pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${outbound.url}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sends = () => sim.requests('messages:send');
const sendsWithText = (text: string) =>
  sends().filter((r) => JSON.stringify(r.body).includes(text));

beforeAll(async () => {
  t = await createTestEnv({ database: false, partitions: 2 });
  sim = createSinchSimulator({ delivery: { stepDelayMs: 5 } });
  await sim.start();
  alice = await sim
    .customer({ channel: 'WHATSAPP', identity: '46700000001', displayName: 'Alice' })
    .sendText('hi');
  bob = await sim
    .customer({ channel: 'WHATSAPP', identity: '46700000002', displayName: 'Bob' })
    .sendText('hello');
  aliceLastMs = Date.parse('2026-11-02T10:00:00.000Z');
  bobLastMs = aliceLastMs - 25 * HOUR;
  await produceInboundEvent(alice, aliceLastMs);
  await produceInboundEvent(bob, bobLastMs);
  sinchEnv = {
    SINCH_PROJECT_ID: sim.projectId,
    SINCH_KEY_ID: 'key-id',
    SINCH_KEY_SECRET: 'key-secret',
    SINCH_REGION: 'eu',
    SINCH_CONVERSATION_BASE_URL: sim.url,
    SINCH_AUTH_BASE_URL: sim.url,
  };
  outbound = await startOutbound(
    loadOutboundConfig({
      ...t.env,
      ...sinchEnv,
      OUTBOUND_HTTP_PORT: '0',
      OUTBOUND_RETRY_BASE_MS: '50',
      CONSUMER_LAG_INTERVAL_MS: '200',
    }),
  );
  // The customers' messages are known before any command is produced (the topics are read independently).
  const deadline = Date.now() + 30_000;
  while (
    (await metric(
      /cpm_records_processed_total\{topic="conversation.events.v1",service="outbound"\} (\d+)/,
    )) < 2 &&
    Date.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 200));
  }
  ingress = await startIngress(
    loadIngressConfig({
      ...t.env,
      INGRESS_PORT: '0',
      SINCH_WEBHOOK_SECRETS: SECRET,
      INGRESS_INSTANCE_ID: 'outbound-test',
    }),
  );
}, 60_000);

afterAll(async () => {
  await outbound?.stop();
  await ingress?.stop();
  await sim?.stop();
  await t?.cleanup();
});

describe('outbound on real Kafka against the simulator', () => {
  it('is ready once its state is restored, with a lag of 0 on every partition once it has read everything', async () => {
    const ready = await fetch(`${outbound.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', ready: true }]);
    const lags = () => consumerLagLines(outbound.url);
    await waitForZeroLag(outbound.url, 2 * t.partitions);
    expect(await lags()).toHaveLength(2 * t.partitions); // conversation.events.v1 and agent.commands.v1
    expect((await lags()).filter((l) => !l.endsWith(' 0'))).toEqual([]);
  });

  it('sends each command type with the exact request body and records its outcome', async () => {
    const text = command(alice, {
      text: 'Hello Alice',
      messageMetadata: '{"agent":"a1"}',
      conversationMetadata: '{"caseId":"42"}',
    });
    const media = command(alice, {
      type: 'SEND_MEDIA',
      mediaUrl: `${sim.url}/media/sample.png`,
      fileName: 'sample.png',
      author: 'PROMPT',
    });
    const template = command(alice, {
      type: 'SEND_TEMPLATE',
      templateName: 'order_update',
      templateLanguage: 'en_US',
      templateParameters: { 'body[1]text': 'Alice' },
    });
    const end = command(alice, { type: 'END_CONVERSATION' });
    const before = sends().length;
    await produceCommands([text, media, template, end], keyOf(alice));
    const out = await outcomes([text, media, template, end].map((c) => c.commandId));

    const bodies = sends()
      .slice(before)
      .map((r) => r.body);
    expect(bodies).toHaveLength(3);
    const recipient = { contact_id: alice.contactId };
    expect(bodies[0]).toEqual({
      app_id: 'sim-app',
      recipient,
      message: { text_message: { text: 'Hello Alice' } },
      message_metadata: '{"agent":"a1"}',
      conversation_metadata: { caseId: '42' },
    });
    expect(bodies[1]).toEqual({
      app_id: 'sim-app',
      recipient,
      message: {
        media_message: { url: `${sim.url}/media/sample.png`, filename_override: 'sample.png' },
      },
    });
    expect(bodies[2]).toEqual({
      app_id: 'sim-app',
      recipient,
      message: {
        template_message: {
          channel_template: {
            WHATSAPP: {
              template_id: 'order_update',
              language_code: 'en_US',
              parameters: { 'body[1]text': 'Alice' },
            },
          },
        },
      },
    });
    const stops = sim.requests('conversations:stop');
    expect(stops.map((r) => r.path)).toEqual([
      `/v1/projects/${sim.projectId}/conversations/${alice.conversationId}:stop`,
    ]);

    const byId = new Map(out.map((r) => [r.commandId, r]));
    for (const c of [text, media, template]) {
      const r = byId.get(c.commandId)!;
      expect(r).toMatchObject({
        outcome: 'SENT',
        commandType: c.type,
        author: c.author,
        key: keyOf(alice),
        customerKey: keyOf(alice),
        errorCode: null,
      });
      expect(sim.state.sentMessages.has(r.sinchMessageId!)).toBe(true);
      expect(Date.parse(r.sinchAcceptedTime!)).not.toBeNaN();
    }
    expect(byId.get(template.commandId)!.templateParamsJson).toBe('{"body[1]text":"Alice"}');
    expect(byId.get(end.commandId)).toMatchObject({
      outcome: 'SENT',
      commandType: 'END_CONVERSATION',
      sinchMessageId: null,
    });
    expect(sim.state.conversations.get(alice.conversationId)!.active).toBe(false);
  });

  it('sends a command produced twice only once', async () => {
    const once = command(alice, { text: 'only once please' });
    const after = command(alice, { text: 'the one after' });
    await produceCommands([once, once], keyOf(alice));
    await produceCommands([after], keyOf(alice)); // same partition: handled after both copies
    const out = await outcomes([once.commandId, after.commandId]);
    expect(out.filter((r) => r.commandId === once.commandId)).toHaveLength(1);
    expect(sendsWithText('only once please')).toHaveLength(1);
  });

  it('retries 500 twice, then sends exactly one message; does not retry a 400', async () => {
    sim.failNext('messages:send', [{ status: 500 }, { status: 500 }]);
    const retried = command(alice, { text: 'after two 500s' });
    await produceCommands([retried], keyOf(alice));
    const [sent] = await outcomes([retried.commandId]);
    expect(sent).toMatchObject({ outcome: 'SENT', attempt: 3 });
    const attempts = sendsWithText('after two 500s');
    expect(attempts.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(
      [...sim.state.sentMessages.values()].filter((m) =>
        JSON.stringify(m.message).includes('after two 500s'),
      ),
    ).toHaveLength(1);

    sim.failNext('messages:send', [{ status: 400 }]);
    const refused = command(alice, { text: 'refused by sinch' });
    await produceCommands([refused], keyOf(alice));
    const [failed] = await outcomes([refused.commandId]);
    expect(failed).toMatchObject({
      outcome: 'FAILED',
      attempt: 1,
      errorCode: 'INVALID_ARGUMENT',
      httpStatus: 400,
    });
    expect(failed!.errorMessage).toContain('HTTP 400');
    expect(sendsWithText('refused by sinch')).toHaveLength(1);
  });

  it('refuses a WhatsApp text 25 h after the customer last wrote, and sends a template', async () => {
    const late = command(bob, { createdAt: bobLastMs + 25 * HOUR, text: 'too late, Bob' });
    const template = command(bob, {
      createdAt: bobLastMs + 25 * HOUR,
      type: 'SEND_TEMPLATE',
      templateName: 'reopen',
      templateLanguage: 'en_US',
      templateParameters: { 'body[1]text': 'Bob' },
    });
    await produceCommands([late, template], keyOf(bob));
    const out = await outcomes([late.commandId, template.commandId]);
    expect(out.find((r) => r.commandId === late.commandId)).toMatchObject({
      outcome: 'REJECTED',
      errorCode: 'OUTSIDE_ALLOWED_SENDING_WINDOW',
      sinchMessageId: null,
    });
    expect(out.find((r) => r.commandId === template.commandId)).toMatchObject({ outcome: 'SENT' });
    expect(sendsWithText('too late, Bob')).toHaveLength(0);
    expect(sendsWithText('"reopen"')).toHaveLength(1);
  });

  it('registers the webhook with the setup command, idempotently', async () => {
    const cli = resolve(__dirname, 'setup-webhook-cli.ts');
    const env = {
      ...process.env,
      ...sinchEnv,
      SINCH_APP_ID: 'sim-app',
      SINCH_WEBHOOK_TARGET_URL: ingress.webhookUrl,
      SINCH_WEBHOOK_SECRET: SECRET,
    };
    const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', cli], { env });
    const first = await run();
    expect(first.stdout).toMatch(/^webhook created: /);
    expect(first.stdout).not.toContain(SECRET);
    const second = await run();
    expect(second.stdout).toMatch(/^webhook unchanged: /);
    const ours = [...sim.state.webhooks.values()].filter((w) => w.target === ingress.webhookUrl);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.secret).toBe(SECRET);
    expect([...ours[0]!.triggers].sort()).toEqual([...REQUIRED_WEBHOOK_TRIGGERS].sort());
    expect(ours[0]!.triggers).toContain('MESSAGE_DELIVERY');

    sim.setProcessingMode('sim-app', 'DISPATCH');
    try {
      const dispatch = await run();
      expect(dispatch.stdout).toMatch(/WARNING: app is in DISPATCH processing mode/);
    } finally {
      sim.setProcessingMode('sim-app', 'CONVERSATION');
    }
  }, 60_000);

  it("delivers the simulator's signed delivery reports through the real ingress to sinch.webhooks.raw.v1", async () => {
    if (![...sim.state.webhooks.values()].some((w) => w.target === ingress.webhookUrl))
      sim.registerWebhook({ target: ingress.webhookUrl, secret: SECRET });
    const c = command(alice, { text: 'report back please' });
    await produceCommands([c], keyOf(alice));
    const [sent] = await outcomes([c.commandId]);
    const messageId = sent!.sinchMessageId!;
    const deadline = Date.now() + 30_000;
    let reports: { trigger: string; verification: string; body: Buffer }[] = [];
    while (Date.now() < deadline) {
      const raw = await readTopic(t.kafka, topicName(t.namespace, 'sinch.webhooks.raw.v1'));
      const decoded = await Promise.all(
        raw.map((r) =>
          t.codec.decode<{ trigger: string; verification: string; body: Buffer }>(r.value!),
        ),
      );
      reports = decoded.filter(
        (d) => d.trigger === 'MESSAGE_DELIVERY' && d.body.toString().includes(messageId),
      );
      if (reports.length >= 3) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(reports.length).toBeGreaterThanOrEqual(3); // QUEUED_ON_CHANNEL, DELIVERED, READ
    for (const r of reports) expect(r.verification).toBe('VERIFIED');
    const statuses = reports.map(
      (r) =>
        (JSON.parse(r.body.toString()) as { message_delivery_report: { status: string } })
          .message_delivery_report.status,
    );
    expect(new Set(statuses)).toEqual(new Set(['QUEUED_ON_CHANNEL', 'DELIVERED', 'READ']));
    const refusedBySignature = sim.deliveries.filter((d) =>
      d.attempts.some((a) => a.status === 401),
    );
    expect(refusedBySignature).toHaveLength(0);
  });
  it('a crash between the Sinch call and its commit: the restarted service records FAILED UNKNOWN_OUTCOME_AFTER_RESTART and does not send again', async () => {
    await outbound.stop();
    // The outbound as a process of its own, SIGKILLed while Sinch holds its send: the request
    // has reached Sinch (which carries it out 2 s later), its outcome is committed nowhere.
    sim.failNext('messages:send', [{ delayMs: 2_000 }]);
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'main.ts')], {
      env: {
        ...process.env,
        ...t.env,
        ...sinchEnv,
        OUTBOUND_HTTP_PORT: '0',
        SINCH_TIMEOUT_MS: '60000',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    const cut = command(alice, { text: 'cut off by a crash' });
    const next = command(alice, { text: 'the one after the crash' });
    try {
      await produceCommands([cut, next], keyOf(alice));
      await until(() => sendsWithText('cut off by a crash').length === 1, 60_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}; outbound output:\n${output.slice(-3000)}`);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    await until(
      () =>
        [...sim.state.sentMessages.values()].some((m) =>
          JSON.stringify(m.message).includes('cut off by a crash'),
        ),
      10_000,
    ); // Sinch accepted it after all

    outbound = await startOutbound(
      loadOutboundConfig({ ...t.env, ...sinchEnv, OUTBOUND_HTTP_PORT: '0' }),
    );
    const out = await outcomes([cut.commandId, next.commandId]);
    expect(out.filter((r) => r.commandId === cut.commandId)).toEqual([
      expect.objectContaining({
        outcome: 'FAILED',
        errorCode: 'UNKNOWN_OUTCOME_AFTER_RESTART',
        sinchMessageId: null,
      }),
    ]);
    expect(out.filter((r) => r.commandId === next.commandId)).toEqual([
      expect.objectContaining({ outcome: 'SENT' }),
    ]);
    expect(sendsWithText('cut off by a crash')).toHaveLength(1);
    expect(sendsWithText('the one after the crash')).toHaveLength(1);
  }, 120_000);
});
