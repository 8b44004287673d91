/**
 * The agent console in a real browser (Debian's chromium driven by playwright-core): history
 * from agent.events.v1, a WhatsApp customer with a display name and a quote, a reply typed
 * and sent → an agent.commands.v1 record, then its delivery tick; an image uploaded to the
 * media service (real, fs store) and sent; a template chosen from sinch.templates.v1; the
 * opt-in registered; the conversation ended; an MMS thread offering only what MMS carries.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { OutboundRecord, TemplateCatalogue } from '@cpm/contracts';
import { loadMediaConfig, startMedia, type MediaService } from '@cpm/media';
import { SAMPLE_MEDIA } from '@cpm/sinch-simulator';
import { sentOutboundRecord, createTestEnv, readTopic, type TestEnv } from '@cpm/testkit';
import { topicName } from '@cpm/kafka';
import { createLogger } from '@cpm/platform';
import { hashPassword } from './agent-auth';
import { loadConsoleConfig } from './config';
import { startConsole, type AgentConsole } from './console';
import type { AgentCommand, AgentEvent } from './console-input';
import { agentEvent, agentMessage, T0 } from '../test/test-kit';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const KEY = 'app1:contact-anna';
const AGENT = { user: 'agent.cy', password: 'e2e-test-password' };
const MEDIA_TOKEN = 'console-e2e-media-agent-token';
const CATALOGUE: TemplateCatalogue = {
  projectId: 'sim-project',
  refreshedAt: new Date(T0).toISOString(),
  templates: [
    {
      templateId: 'order-shipped',
      description: 'Order shipped',
      version: 1,
      languages: [
        {
          languageCode: 'en-US',
          whatsappName: 'order_shipped',
          whatsappLanguage: 'en_US',
          parameters: [
            { key: 'body[1]text', preview: 'Anna' },
            { key: 'body[2]text', preview: 'A-1042' },
          ],
          previewText: 'Hi ${name}, your order ${order} has shipped.',
        },
      ],
    },
  ],
};

let env: TestEnv;
let producer: Producer;
let agentConsole: AgentConsole;
let media: MediaService;
let mediaDir: string;
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

// The set-up starts Kafka clients, the media service, the console and a browser: on a loaded
// 2-core machine (CI's first wave) it has taken over 90 s. Each step past 20 s is printed,
// so a slow or stuck set-up says where it was.
const SETUP_TIMEOUT_MS = 240_000;
const steps: [string, number][] = [];
const step = (name: string): void => {
  steps.push([name, Date.now()]);
  const elapsed = Date.now() - steps[0]![1];
  if (elapsed > 20_000) console.log(`console e2e set-up: ${name} after ${elapsed} ms`);
};

beforeAll(async () => {
  step('start');
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `chromium is not installed at ${CHROMIUM}: the browser test needs Debian's chromium (apt-get install -y chromium)`,
    );
  }
  env = await createTestEnv({ partitions: 2, database: false });
  step('test env');
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
  await produce('sinch.templates.v1', [{ key: 'sim-project', value: CATALOGUE }]);
  step('events produced');
  mediaDir = await mkdtemp(join(tmpdir(), 'cpm-console-media-'));
  media = await startMedia(
    loadMediaConfig({
      ...env.env,
      MEDIA_HTTP_PORT: '0',
      MEDIA_STORE: 'fs',
      MEDIA_STORE_DIR: mediaDir,
      MEDIA_AGENT_TOKEN: MEDIA_TOKEN,
      MEDIA_URL_SECRET: 'console-e2e-test-public-url-secret-0123456789',
    }),
    { logger: createLogger('media', 'warn') },
  );
  step('media started');
  agentConsole = await startConsole(
    loadConsoleConfig({
      ...env.env,
      CONSOLE_MEDIA_URL: media.url,
      CONSOLE_MEDIA_TOKEN: MEDIA_TOKEN,
      CONSOLE_HTTP_PORT: '0',
      CONSOLE_USERS: `${AGENT.user}:${hashPassword(AGENT.password)}`,
      CONSOLE_SESSION_SECRET: 'console-e2e-test-session-secret-0123456789',
    }),
    createLogger('console', 'warn'),
  );
  step('console started');
  profileDir = await mkdtemp(join(tmpdir(), 'cpm-console-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 760 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  step('browser launched');
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
  await agentConsole?.stop();
  await media?.stop();
  if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
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
});

/** The agent commands written so far, decoded, once there are at least `count`. */
async function commands(count: number): Promise<AgentCommand[]> {
  const records = await readTopic(env.kafka, topicName(env.namespace, 'agent.commands.v1'), {
    minRecords: count,
  });
  return Promise.all(records.map((r) => env.codec.decode<AgentCommand>(r.value!)));
}

it('uploads an image to the media store and sends it; the agent sees it in the thread', async () => {
  await page.locator('[data-testid=mode-media]').check();
  await page.locator('[data-testid=media-file]').setInputFiles({
    name: 'box.png',
    mimeType: 'image/png',
    buffer: SAMPLE_MEDIA.png.bytes,
  });
  await page.locator('[data-testid=send]').click();
  await expectText(page.locator('[data-testid=send-result]'), 'written');
  const sent = (await commands(2)).find((c) => c.type === 'SEND_MEDIA')!;
  expect(sent).toMatchObject({ channel: 'WHATSAPP', fileName: 'box.png', text: null });
  expect(sent.mediaUrl).toMatch(new RegExp(`^${media.url}/public/[A-Za-z0-9_-]+\\?exp=\\d+&sig=`));
  // The channel fetches the public URL without any token: the stored file, byte for byte.
  const fetched = await fetch(sent.mediaUrl!);
  expect(fetched.status).toBe(200);
  expect(Buffer.from(await fetched.arrayBuffer()).equals(SAMPLE_MEDIA.png.bytes)).toBe(true);
  // The thread shows the image, loaded through the console's origin.
  const image = page.locator(
    `li[data-command-id="${sent.commandId}"] [data-testid=attachment] img`,
  );
  await image.waitFor({ timeout: 30_000 });
  await waitUntil(
    async () => (await image.evaluate((img) => (img as { naturalWidth: number }).naturalWidth)) > 0,
  );
});

it('chooses a WhatsApp template from the catalogue and sends it with its parameters', async () => {
  await page.locator('[data-testid=mode-template]').check();
  const select = page.locator('[data-testid=template-select]');
  await waitUntil(async () => (await select.locator('option').count()) > 1);
  await select.selectOption('order-shipped|en-US');
  await expectText(page.locator('[data-testid=template-preview]'), 'order_shipped (en_US)');
  await page.locator('[data-testid=template-param]').first().fill('Anna S.');
  await page.locator('[data-testid=send]').click();
  await expectText(page.locator('[data-testid=send-result]'), 'written');
  const sent = (await commands(3)).find((c) => c.type === 'SEND_TEMPLATE')!;
  expect(sent).toMatchObject({
    templateName: 'order_shipped',
    templateLanguage: 'en_US',
    templateParameters: { 'body[1]text': 'Anna S.', 'body[2]text': 'A-1042' },
  });
  await expectText(
    page.locator(`li[data-command-id="${sent.commandId}"]`),
    'template order_shipped (en_US)',
  );
});

it('sends buttons as a card, and shows them on the agent message', async () => {
  await page.locator('[data-testid=mode-choices]').check();
  await page.locator('[data-testid=reply-text]').fill('When should we deliver?');
  await page.locator('[data-testid=card-title]').fill('Delivery');
  await page
    .locator('[data-testid=choices]')
    .fill('Tomorrow\nTrack it | https://example.com/t/A-1042\nCall us | tel:+46812345');
  await page.locator('[data-testid=send]').click();
  const sent = await waitForCommand('SEND_CHOICES');
  expect(sent).toMatchObject({
    text: 'When should we deliver?',
    title: 'Delivery',
    choices: [
      { kind: 'TEXT', title: 'Tomorrow', url: null, phoneNumber: null },
      { kind: 'URL', title: 'Track it', url: 'https://example.com/t/A-1042' },
      { kind: 'CALL', title: 'Call us', phoneNumber: '+46812345' },
    ],
  });
  await expectText(
    page.locator(`li[data-command-id="${sent.commandId}"] [data-testid=choices]`),
    'Track it',
  );
});

it('registers the opt-in and shows the consent once Sinch accepted it, then ends the conversation', async () => {
  await page.locator('[data-testid=opt-in]').click();
  const optIn = await waitForCommand('REGISTER_OPT_IN');
  await produce('sinch.outbound.v1', [
    {
      key: KEY,
      value: {
        ...outboundSent(optIn, '', Date.now()),
        commandType: 'REGISTER_OPT_IN',
        sinchMessageId: null,
      },
    },
  ]);
  await expectText(page.locator('#customer'), 'OPT_IN (REGISTERED)');

  page.once('dialog', (dialog) => void dialog.accept());
  await page.locator('[data-testid=end-conversation]').click();
  const end = await waitForCommand('END_CONVERSATION');
  expect(end).toMatchObject({ conversationId: 'conv-anna', text: null, agentId: AGENT.user });
  await produceEvents([agentEvent('CONVERSATION_ENDED', { occurredAt: Date.now() })]);
  await expectText(page.locator('[data-testid=conversation-state]'), 'conversation ended');
  const screenshot = join(tmpdir(), `cpm-console-e2e-${env.namespace}.png`);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`agent console screenshot: ${screenshot}`);
});

it('offers on an MMS thread only what MMS carries, and labels it by the phone number', async () => {
  const item = page.locator('li[data-customer-key="app1:tel:+15550000003"]');
  await expectText(item, '+15550000003');
  await item.click();
  await page.locator('[data-testid=thread-label]').filter({ hasText: '+15550000003' }).waitFor();
  expect(await page.locator('[data-testid=mode-media]').isVisible()).toBe(true);
  for (const hidden of ['mode-choices', 'mode-template', 'opt-in', 'opt-out'])
    expect([hidden, await page.locator(`[data-testid=${hidden}]`).isVisible()]).toEqual([
      hidden,
      false,
    ]);
  expect(await page.locator('[data-testid=end-conversation]').isVisible()).toBe(true);
});

async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForCommand(type: string): Promise<AgentCommand> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const records = await readTopic(env.kafka, topicName(env.namespace, 'agent.commands.v1'));
    const decoded = await Promise.all(records.map((r) => env.codec.decode<AgentCommand>(r.value!)));
    const found = decoded.find((c) => c.type === type);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${type} command written`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

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
