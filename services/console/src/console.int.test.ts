import type { Producer } from 'kafkajs';
import { topicName } from '@cpm/kafka';
import { createLogger } from '@cpm/platform';
import { createTestEnv, readTopic, type TestEnv } from '@cpm/testkit';
import { loadConsoleConfig } from './config';
import { startConsole, type AgentConsole } from './console';
import type { AgentCommand, AgentEvent } from './console-input';
import { hashPassword } from './agent-auth';
import { followStream, signIn } from './sse-reader';
import { agentEvent, agentMessage, T0 } from '../test/test-kit';

jest.setTimeout(60_000);

let env: TestEnv;
let producer: Producer;
let agentConsole: AgentConsole;
const KEY = 'app1:contact-anna';
const AGENT = { user: 'agent.bo', password: 'int-test-password' };
let cookie: string;

async function produceEvents(events: AgentEvent[]): Promise<void> {
  const messages = await Promise.all(
    events.map(async (e) => ({
      key: e.customerKey,
      value: await env.codec.encode('agent.events.v1', e),
    })),
  );
  await producer.send({ topic: topicName(env.namespace, 'agent.events.v1'), acks: -1, messages });
}

beforeAll(async () => {
  env = await createTestEnv({ partitions: 2, database: false });
  producer = env.kafka.producer();
  await producer.connect();
  // History written before the console starts: the page must show it.
  await produceEvents([
    agentEvent('CONVERSATION_STARTED', { attachedData: { order: '42' } }),
    agentEvent('MESSAGE_SENT', {
      message: agentMessage({
        id: 'm-agent',
        direction: 'TO_CONTACT',
        text: 'Your order has shipped',
      }),
    }),
    agentEvent('MESSAGE_RECEIVED', {
      occurredAt: T0 + 60_000,
      message: agentMessage({
        id: 'm1',
        text: 'Where is it?',
        quoted: {
          messageId: 'm-agent',
          text: 'Your order has shipped',
          truncated: false,
          attachment: null,
        },
      }),
    }),
  ]);
  agentConsole = await startConsole(
    loadConsoleConfig({
      ...env.env,
      CONSOLE_HTTP_PORT: '0',
      CONSOLE_USERS: `${AGENT.user}:${hashPassword(AGENT.password)}`,
      CONSOLE_SESSION_SECRET: 'console-int-test-session-secret-0123456789',
    }),
    createLogger('console', 'warn'),
  );
  cookie = await signIn(agentConsole.url, AGENT.user, AGENT.password);
});

afterAll(async () => {
  await agentConsole?.stop();
  await producer?.disconnect();
  await env?.cleanup();
});

describe('agent console over real Kafka', () => {
  it('streams the history, then live agent events, over SSE', async () => {
    const stream = await followStream(`${agentConsole.url}/api/stream`, cookie);
    try {
      const history = await stream.waitFor((c) => c.get(KEY)?.messages.find((m) => m.id === 'm1'));
      expect(history.quoted).toMatchObject({
        messageId: 'm-agent',
        text: 'Your order has shipped',
      });
      expect(stream.received[0]).toBe('snapshot');
      expect(stream.conversations.get(KEY)).toMatchObject({
        label: 'Anna Svensson',
        channel: 'WHATSAPP',
        attachedData: { order: '42' },
      });

      await produceEvents([
        agentEvent('MESSAGE_RECEIVED', {
          customerKey: 'app1:tel:+46700000002',
          channel: 'MMS',
          sourceChannel: 'SMS',
          customer: { identity: '+46700000002', displayName: null, label: '+46700000002' },
          message: agentMessage({ id: 'mms1', text: 'sms reply in an MMS thread' }),
        }),
        agentEvent('CONVERSATION_ENDED', { attachedData: null }),
      ]);
      const mms = await stream.waitFor((c) => c.get('app1:tel:+46700000002'));
      expect(mms).toMatchObject({
        channel: 'MMS',
        reportedChannels: ['SMS'],
        label: '+46700000002',
      });
      await stream.waitFor((c) => c.get(KEY)?.ended);
      expect(stream.received.filter((e) => e === 'input').length).toBeGreaterThan(0);
    } finally {
      stream.close();
    }
  });

  it('a new browser gets the whole view in its snapshot', async () => {
    const stream = await followStream(`${agentConsole.url}/api/stream`, cookie);
    try {
      await stream.waitFor(() => stream.received.length > 0);
      expect(stream.received[0]).toBe('snapshot');
      expect(stream.conversations.get(KEY)?.messages.map((m) => m.id)).toEqual(['m-agent', 'm1']);
    } finally {
      stream.close();
    }
  });

  it('a reply becomes an agent.commands.v1 record keyed by the customer key, then shows as PENDING', async () => {
    const response = await fetch(`${agentConsole.url}/api/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({
        customerKey: KEY,
        type: 'SEND_TEXT',
        text: 'It arrives tomorrow <b>10:00</b>',
      }),
    });
    expect(response.status).toBe(202);
    const { commandId } = (await response.json()) as { commandId: string };
    expect(commandId).toMatch(/^[0-9a-f-]{36}$/);

    const records = await readTopic(env.kafka, topicName(env.namespace, 'agent.commands.v1'), {
      minRecords: 1,
    });
    expect(records).toHaveLength(1);
    expect(records[0]!.key).toBe(KEY);
    const command = await env.codec.decode<AgentCommand>(records[0]!.value!);
    expect(command).toMatchObject({
      commandId,
      type: 'SEND_TEXT',
      appId: 'app1',
      contactId: 'contact-anna',
      conversationId: 'conv-anna',
      channel: 'WHATSAPP',
      identity: '+46700000001',
      author: 'AGENT',
      agentId: AGENT.user,
      text: 'It arrives tomorrow <b>10:00</b>',
      templateName: null,
    });
    expect(Math.abs(Number(command.createdAt) - Date.now())).toBeLessThan(5 * 60_000);

    const stream = await followStream(`${agentConsole.url}/api/stream`, cookie);
    try {
      const row = await stream.waitFor((c) =>
        c.get(KEY)?.messages.find((m) => m.commandId === commandId),
      );
      expect(row).toMatchObject({ status: 'PENDING', text: 'It arrives tomorrow <b>10:00</b>' });
    } finally {
      stream.close();
    }
  });

  it('refuses a bad reply (400) and a reply to an unknown customer (404) with stable codes', async () => {
    const post = (body: object) =>
      fetch(`${agentConsole.url}/api/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify(body),
      });
    const bad = await post({ customerKey: KEY, type: 'SEND_TEXT', text: '' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'CPM_ERR_CONSOLE_INVALID_REPLY' });
    const unknown = await post({ customerKey: 'app1:nobody', type: 'SEND_TEXT', text: 'hi' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'CPM_ERR_CONSOLE_UNKNOWN_CONVERSATION' });
  });

  it('refuses what the channel cannot carry by the domain table, and uploads without the media service', async () => {
    await produceEvents([
      agentEvent('CONVERSATION_STARTED', {
        customerKey: 'app1:tel:+15550000009',
        channel: 'SMS',
        sourceChannel: 'SMS',
        customer: { identity: '+15550000009', displayName: null, label: '+15550000009' },
      }),
    ]);
    const post = (body: object) =>
      fetch(`${agentConsole.url}/api/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify(body),
      });
    const deadline = Date.now() + 30_000;
    let answer: Response;
    do {
      answer = await post({
        customerKey: 'app1:tel:+15550000009',
        type: 'SEND_MEDIA',
        mediaUrl: 'https://example.com/a.png',
      });
      if (answer.status !== 404) break; // not read yet
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({
      code: 'CPM_ERR_CONSOLE_INVALID_REPLY',
      message: expect.stringContaining('SEND_MEDIA cannot be sent on SMS'),
    });
    const upload = await fetch(`${agentConsole.url}/api/uploads?fileName=a.png`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'image/png' },
      body: Buffer.from('png'),
    });
    expect(upload.status).toBe(502);
    expect(await upload.json()).toMatchObject({ code: 'CPM_ERR_CONSOLE_MEDIA_UNAVAILABLE' });
  });

  it('serves the template catalogue last written to sinch.templates.v1', async () => {
    const catalogue = (refreshedAt: string, templateId: string) => ({
      projectId: 'p1',
      refreshedAt,
      templates: [{ templateId, description: '', version: 1, languages: [] }],
    });
    await producer.send({
      topic: topicName(env.namespace, 'sinch.templates.v1'),
      acks: -1,
      messages: await Promise.all(
        [
          catalogue('2026-11-01T00:00:00.000Z', 'old'),
          catalogue('2026-11-02T00:00:00.000Z', 'new'),
        ].map(async (value) => ({
          key: 'p1',
          value: await env.codec.encode('sinch.templates.v1', value),
        })),
      ),
    });
    const deadline = Date.now() + 30_000;
    let listed: { refreshedAt: string | null; templates: { templateId: string }[] };
    do {
      const response = await fetch(`${agentConsole.url}/api/templates`, { headers: { cookie } });
      listed = (await response.json()) as typeof listed;
      if (listed.refreshedAt === '2026-11-02T00:00:00.000Z') break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    expect(listed.templates.map((t) => t.templateId)).toEqual(['new']);
    expect((await fetch(`${agentConsole.url}/api/templates`)).status).toBe(401);
  });

  it('serves the page, the bundled script with a CSP, and the ops routes', async () => {
    const page = await fetch(agentConsole.url, { headers: { cookie } });
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script src="/app.js">');
    const script = await fetch(`${agentConsole.url}/app.js`, { headers: { cookie } });
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await script.text()).toContain('EventSource');
    expect((await fetch(`${agentConsole.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${agentConsole.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${agentConsole.url}/metrics`)).text();
    expect(metrics).toContain(
      'cpm_records_processed_total{topic="agent.events.v1",service="console"}',
    );
  });

  it('refuses anonymous and forged requests: the page sends to /login, the API and the stream answer 401', async () => {
    const page = await fetch(agentConsole.url, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
    const forged = 'cpm_session=eyJhIjoiYWdlbnQuYm8iLCJlIjo5OTk5OTk5OTk5OTk5fQ.AAAA';
    for (const headers of [{}, { cookie: forged }] as Record<string, string>[]) {
      for (const [method, path] of [
        ['GET', '/api/stream'],
        ['GET', '/api/conversations'],
        ['POST', '/api/commands'],
        ['GET', '/app.js'],
      ] as const) {
        const response = await fetch(`${agentConsole.url}${path}`, {
          method,
          headers: { ...headers, 'content-type': 'application/json' },
          body:
            method === 'POST'
              ? JSON.stringify({ customerKey: KEY, type: 'SEND_TEXT', text: 'hi' })
              : undefined,
        });
        expect([path, response.status]).toEqual([path, 401]);
        expect(await response.json()).toMatchObject({ code: 'CPM_ERR_CONSOLE_NOT_SIGNED_IN' });
      }
    }
    const login = await fetch(`${agentConsole.url}/login`);
    expect(login.status).toBe(200);
    expect(login.headers.get('content-security-policy')).toContain("form-action 'self'");
    await expect(signIn(agentConsole.url, AGENT.user, 'wrong-password')).rejects.toThrow(
      /refused: 401/,
    );
    await expect(signIn(agentConsole.url, 'nobody', AGENT.password)).rejects.toThrow(
      /refused: 401/,
    );
    // Nothing an anonymous request sent reached the log.
    const records = await readTopic(env.kafka, topicName(env.namespace, 'agent.commands.v1'), {
      minRecords: 1,
    });
    expect(records.map((r) => r.key)).toEqual([KEY]);
  });
});
