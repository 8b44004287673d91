/**
 * The whole pipeline in one process, as `npm run demo` runs it: the Sinch simulator's
 * customers and a black-box signed webhook through the real ingress, normalizer,
 * agent-events, projector, media, an agent's reply from the console to outbound and Sinch,
 * its delivery reports back. Then two guarantees over everything that happened:
 * - `replay verify`: the projections rebuilt from the log equal the live ones (0 differences);
 * - every service's log at the default level (info) holds no phone number (raw or E.164),
 *   no message text, no secret (webhook secret, console session secret, agent password,
 *   Sinch key id and secret, media tokens).
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '@cpm/platform';
import { createPool, migrate } from '@cpm/postgres';
import {
  createTestEnv,
  expectReplayVerifies,
  inboundTextBody,
  postWebhook,
  type TestEnv,
} from '@cpm/testkit';
import { playScenario } from './scenario';
import { startPipeline } from './start-pipeline';

jest.setTimeout(240_000);

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
const SECRETS = {
  webhook: secret('webhook'),
  session: secret('session'),
  password: secret('password'),
  sinchKeyId: secret('sinch-key-id'),
  sinchKeySecret: secret('sinch-key-secret'),
  mediaAgentToken: secret('media-agent-token'),
  mediaUrlSecret: secret('media-url-secret'),
};
const PHONES = { whatsapp: '46700987001', sms: '15550987002', mms: '15550987003' };
const TEXTS = {
  whatsapp: 'Where is parcel Q-7781 please',
  sms: 'please call back tonight about the refund',
  mmsCaption: 'cracked screen photo',
  mmsText: 'and the invoice total is wrong',
  blackBox: 'black box webhook words',
  reply: 'Your parcel Q-7781 ships on Friday',
};
/** The black-box webhook's customer: inboundTextBody's identity for n = 7. */
const BLACK_BOX_PHONE = '4670000007';
/** The demo's round 1 (scenario.ts): its WhatsApp, SMS and MMS customers. */
const DEMO_PHONES = ['46700001001', '15550100011', '15550200012'];

let t: TestEnv;
const lines: string[] = [];
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await t?.cleanup();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(300);
  }
}

it('projects what replay rebuilds, and logs no phone number, message text or secret', async () => {
  t = await createTestEnv({ partitions: 3 });
  await migrate(t.databaseUrl);
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  // Every service logs through the logger the demo gives it, at the default level.
  const logger = createLogger('local', 'info', 'json', sink);
  const {
    ingress,
    sim,
    projectorUrl,
    console: agentConsole,
  } = await startPipeline({
    env: { ...t.env, LOG_LEVEL: 'info', CONSUMER_LAG_INTERVAL_MS: '200' },
    logger,
    secrets: SECRETS,
    with: { projector: true, media: true, console: true },
    stops,
  });

  // Customers, as the demo plays them, and one webhook from outside the simulator.
  const alice = sim.customer({
    channel: 'WHATSAPP',
    identity: PHONES.whatsapp,
    displayName: 'Alice Fidelity',
  });
  const sam = sim.customer({ channel: 'SMS', identity: PHONES.sms });
  const mms = sim.customer({ channel: 'MMS', identity: PHONES.mms });
  await alice.sendText(TEXTS.whatsapp);
  await alice.optIn();
  await sam.sendText(TEXTS.sms);
  await mms.sendMedia('png', { caption: TEXTS.mmsCaption });
  await mms.sendText(TEXTS.mmsText);
  // And one round of the demo's own traffic (every channel, media, a location, an end).
  await playScenario(sim, createLogger('scenario', 'silent'), 1, () => true);
  const blackBox = await postWebhook(
    ingress.webhookUrl,
    inboundTextBody({
      appId: 'sim-app',
      id: 'black-box-1',
      n: 7,
      contacts: 1000,
      text: TEXTS.blackBox,
    }),
    { secret: SECRETS.webhook },
  );
  expect(blackBox.status).toBeLessThan(300);

  // The agent signs in (once with a wrong password) and answers Alice from the console.
  const login = (password: string) =>
    fetch(`${agentConsole!.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user: 'agent', password }).toString(),
      redirect: 'manual',
    });
  expect((await login(`${SECRETS.password}-wrong`)).status).toBe(401);
  const signedIn = await login(SECRETS.password);
  expect(signedIn.status).toBe(303);
  const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  const conversation = await until('the WhatsApp conversation in the console', async () => {
    const list = (await (
      await fetch(`${agentConsole!.url}/api/conversations`, { headers: { cookie } })
    ).json()) as { customerKey: string; identity: string; channel: string }[];
    return list.find((c) => c.channel === 'WHATSAPP' && c.identity.endsWith(PHONES.whatsapp));
  });
  const sent = await fetch(`${agentConsole!.url}/api/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({
      customerKey: conversation.customerKey,
      type: 'SEND_TEXT',
      text: TEXTS.reply,
    }),
  });
  expect(sent.status).toBe(202);
  await alice.endConversation();

  // Everything projected and no more traffic: the customers' messages, the reply read, the
  // attachments, the ends.
  const db = createPool(t.databaseUrl);
  try {
    const one = async (sql: string) => (await db.query(sql)).rows[0] as Record<string, unknown>;
    await until('the projection of the whole flow', async () => {
      const row = await one(`SELECT
        (SELECT count(*)::int FROM projection.messages WHERE direction = 'TO_APP') AS inbound,
        (SELECT count(*)::int FROM projection.messages WHERE text = '${TEXTS.reply}' AND status = 'READ') AS reply,
        (SELECT count(*)::int FROM projection.attachments WHERE status = 'READY') AS media,
        (SELECT count(*)::int FROM projection.conversations WHERE state = 'ENDED') AS ended`);
      return Number(row.inbound) >= 12 &&
        row.reply === 1 &&
        Number(row.media) >= 3 &&
        Number(row.ended) >= 2
        ? row
        : undefined;
    });
  } finally {
    await db.end();
  }

  // 1. The log rebuilds the same rows.
  const verified = await expectReplayVerifies(
    { ...t.env, LOG_LEVEL: 'warn' },
    { projectorUrl: projectorUrl!, partitions: t.partitions },
  );
  expect(verified.records).toBeGreaterThan(10);

  // 2. No log line of any service holds what a customer, an agent or an operator keeps private.
  for (const stop of stops.splice(0).reverse()) await stop();
  const services = new Set(lines.map((l) => (JSON.parse(l) as { service?: string }).service));
  expect([...services].sort()).toEqual(
    expect.arrayContaining([
      'agent-events',
      'console',
      'ingress',
      'media',
      'normalizer',
      'outbound',
      'projector',
    ]),
  );
  const forbidden = [
    ...Object.values(PHONES).flatMap((p) => [p, `+${p}`]),
    BLACK_BOX_PHONE,
    ...DEMO_PHONES.flatMap((p) => [p, `+${p}`]),
    ...Object.values(TEXTS),
    ...Object.values(SECRETS),
  ];
  const leaks = lines.flatMap((line) =>
    forbidden.filter((f) => line.includes(f)).map((f) => ({ found: f, line })),
  );
  expect(leaks).toEqual([]);
  console.log(
    `pipeline e2e: replay verify 0 differences over ${verified.records} records; ${lines.length} info log lines of ${services.size} services, no phone number, message text or secret`,
  );
});
