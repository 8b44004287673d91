/**
 * The agent console in a real browser (Debian's chromium driven by playwright-core): history
 * from agent.events.v1, a WhatsApp customer with a display name and a quote, a reply typed
 * and sent → an agent.commands.v1 record, then its delivery tick.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { OutboundRecord } from '@cpm/contracts';
import { sentOutboundRecord, createTestEnv, readTopic, type TestEnv } from '@cpm/testkit';
import { topicName } from '@cpm/kafka';
import { createLogger } from '@cpm/platform';
import { hashPassword } from './agent-auth';
import { loadConsoleConfig } from './config';
import { startConsole, type AgentConsole } from './console';
import type { AgentCommand, AgentEvent } from './console-input';
import { agentEvent, agentMessage, T0 } from '../test/test-kit';

jest.setTimeout(90_000);

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const KEY = 'app1:contact-anna';
const AGENT = { user: 'agent.cy', password: 'e2e-test-password' };

let env: TestEnv;
let producer: Producer;
let agentConsole: AgentConsole;
let profileDir: string;
let browser: BrowserContext;
let page: Page;

async function produce(topic: string, values: { key: string; value: object }[]): Promise<void> {
  const messages = await Promise.all(
    values.map(async (v) => ({ key: v.key, value: await env.codec.encode(topic, v.value) })),
  );
  await producer.send({ topic: topicName(env.namespace, topic), acks: -1, messages });
}
const produceEvents = (events: AgentEvent[]) =>
  produce(
    'agent.events.v1',
    events.map((e) => ({ key: e.customerKey, value: e })),
  );

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `chromium is not installed at ${CHROMIUM}: the browser test needs Debian's chromium (apt-get install -y chromium)`,
    );
  }
  env = await createTestEnv({ partitions: 2, database: false });
  producer = env.kafka.producer();
  await producer.connect();
  const mms = {
    customerKey: 'app1:tel:+15550000003',
    channel: 'MMS',
    customer: { identity: '+15550000003', displayName: null, label: '+15550000003' },
  };
  await produceEvents([
    agentEvent('CONVERSATION_STARTED', { attachedData: { order: 'A-1042', tier: 'gold' } }),
    agentEvent('CONSENT_CHANGED', { consent: { kind: 'OPT_IN', status: 'OPT_IN_SUCCEEDED' } }),
    agentEvent('MESSAGE_SENT', {
      occurredAt: T0 + 1000,
      message: agentMessage({
        id: 'm-agent',
        direction: 'TO_CONTACT',
        text: 'Your order A-1042 has shipped',
      }),
    }),
    agentEvent('MESSAGE_RECEIVED', {
      occurredAt: T0 + 60_000,
      message: agentMessage({
        id: 'm1',
        text: 'Great, when will it arrive? <script>alert(1)</script>',
        quoted: {
          messageId: 'm-agent',
          text: 'Your order A-1042 has shipped',
          truncated: false,
          attachment: null,
        },
      }),
    }),
    agentEvent('MESSAGE_RECEIVED', {
      occurredAt: T0 + 61_000,
      message: agentMessage({
        id: 'm2',
        location: {
          latitude: 59.3293,
          longitude: 18.0686,
          title: 'Home',
          label: 'Drottninggatan 1',
        },
      }),
    }),
    agentEvent('MESSAGE_RECEIVED', {
      ...mms,
      sourceChannel: 'MMS',
      occurredAt: T0,
      message: agentMessage({ id: 'x1', text: 'photo of the box' }),
    }),
    agentEvent('MESSAGE_RECEIVED', {
      ...mms,
      sourceChannel: 'SMS',
      occurredAt: T0 + 5000,
      message: agentMessage({ id: 'x2', text: 'reply sent as SMS' }),
    }),
  ]);
  agentConsole = await startConsole(
    loadConsoleConfig({
      ...env.env,
      CONSOLE_HTTP_PORT: '0',
      CONSOLE_USERS: `${AGENT.user}:${hashPassword(AGENT.password)}`,
      CONSOLE_SESSION_SECRET: 'console-e2e-test-session-secret-0123456789',
    }),
    createLogger('console', 'warn'),
  );
  profileDir = await mkdtemp(join(tmpdir(), 'cpm-console-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 760 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
  await agentConsole?.stop();
  await producer?.disconnect();
  await env?.cleanup();
});

it('refuses an anonymous request, and signs an agent in through the form', async () => {
  expect((await fetch(`${agentConsole.url}/api/conversations`)).status).toBe(401);
  await page.goto(agentConsole.url);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.locator('[data-testid=login-user]').fill(AGENT.user);
  await page.locator('[data-testid=login-password]').fill('not-the-password');
  await page.locator('[data-testid=login-submit]').click();
  await expectText(page.locator('[role=alert]'), 'Wrong user name or password');
  await page.locator('[data-testid=login-user]').fill(AGENT.user);
  await page.locator('[data-testid=login-password]').fill(AGENT.password);
  await page.locator('[data-testid=login-submit]').click();
  await page.waitForURL((url) => url.pathname === '/', { timeout: 30_000 });
});

it('shows a WhatsApp conversation with name and quote, sends a reply, and shows it delivered', async () => {
  await page.goto(agentConsole.url);
  expect(new URL(page.url()).pathname).toBe('/');
  const item = page.locator(`li[data-testid=conversation][data-customer-key="${KEY}"]`);
  await item.waitFor({ timeout: 30_000 });
  await expectText(item, 'Anna Svensson');
  await expectText(item.locator('[data-testid=channel-badge]'), 'WHATSAPP');
  await item.click();
  await expectText(page.locator('[data-testid=thread-label]'), 'Anna Svensson');
  await expectText(page.locator('[data-testid=quote]'), 'Your order A-1042 has shipped');
  // Customer text is shown as text, never run as HTML.
  await expectText(
    page.locator('[data-testid=message-text]').filter({ hasText: 'when will it arrive' }),
    '<script>alert(1)</script>',
  );
  expect(await page.locator('.messages script').count()).toBe(0);
  // The corrected MMS thread: badge MMS, the reported channel on hover.
  const mmsBadge = page.locator(
    'li[data-customer-key="app1:tel:+15550000003"] [data-testid=channel-badge]',
  );
  await expectText(mmsBadge, 'MMS');
  expect(await mmsBadge.getAttribute('title')).toContain('SMS');

  await page
    .locator('[data-testid=reply-text]')
    .fill('Tomorrow before noon. Tracking: https://example.com/t/A-1042');
  await page.locator('[data-testid=send]').click();
  const records = await readTopic(env.kafka, topicName(env.namespace, 'agent.commands.v1'), {
    minRecords: 1,
  });
  expect(records).toHaveLength(1);
  expect(records[0]!.key).toBe(KEY);
  const command = await env.codec.decode<AgentCommand>(records[0]!.value!);
  expect(command).toMatchObject({
    type: 'SEND_TEXT',
    author: 'AGENT',
    agentId: AGENT.user,
    appId: 'app1',
    contactId: 'contact-anna',
    conversationId: 'conv-anna',
    channel: 'WHATSAPP',
    identity: '+46700000001',
    text: 'Tomorrow before noon. Tracking: https://example.com/t/A-1042',
  });
  const row = page.locator(`li[data-testid=message][data-command-id="${command.commandId}"]`);
  await row.locator('[data-testid=tick][data-status=PENDING]').waitFor({ timeout: 30_000 });

  // What outbound and agent-events write once Sinch accepted and delivered it.
  const sinchMessageId = 'sinch-reply-1';
  const now = Date.now();
  await produce('sinch.outbound.v1', [
    { key: KEY, value: outboundSent(command, sinchMessageId, now) },
  ]);
  await produceEvents([
    agentEvent('MESSAGE_SENT', {
      occurredAt: now,
      message: agentMessage({ id: sinchMessageId, direction: 'TO_CONTACT', text: command.text }),
    }),
    agentEvent('MESSAGE_STATUS', {
      occurredAt: now + 1000,
      status: { messageId: sinchMessageId, status: 'DELIVERED', reason: null },
    }),
  ]);
  await row.locator('[data-testid=tick][data-status=DELIVERED]').waitFor({ timeout: 30_000 });
  expect(
    await page.locator('[data-testid=message]').filter({ hasText: 'Tomorrow before noon' }).count(),
  ).toBe(1);

  const screenshot = join(tmpdir(), `cpm-console-e2e-${env.namespace}.png`);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`agent console screenshot: ${screenshot}`);
});

async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  await locator.first().waitFor({ timeout: 30_000 });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const content = (await locator.first().textContent()) ?? '';
    if (content.includes(text)) return;
    if (Date.now() > deadline)
      throw new Error(`expected ${JSON.stringify(text)} in ${JSON.stringify(content)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function outboundSent(command: AgentCommand, sinchMessageId: string, now: number) {
  return sentOutboundRecord({
    commandId: command.commandId,
    commandType: command.type as OutboundRecord['commandType'],
    appId: command.appId,
    contactId: command.contactId,
    conversationId: command.conversationId,
    channel: command.channel,
    identity: command.identity,
    customerKey: KEY,
    createdAt: new Date(Number(command.createdAt)).toISOString(),
    completedAt: new Date(now).toISOString(),
    sinchMessageId,
    sinchAcceptedTime: new Date(now).toISOString(),
    text: command.text,
  });
}
