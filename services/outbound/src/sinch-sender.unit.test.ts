import { createServer } from 'node:net';
import { createLogger } from '@cpm/platform';
import { SinchApi } from '@cpm/sinch-api';
import { createSinchSimulator, type SinchSimulator } from '@cpm/sinch-simulator';
import { RateLimiter } from './rate-limiter';
import { SinchSender, UNKNOWN_OUTCOME_NO_ANSWER } from './sinch-sender';
import type { SendPlan } from './send-plan';

// SinchSender's retries against the simulator: which failures may be tried again without
// sending a customer the same message twice.
let sim: SinchSimulator;
beforeEach(async () => {
  sim = createSinchSimulator({ delivery: { stepDelayMs: 5 } });
  await sim.start();
});
afterEach(() => sim.stop());

function sender(overrides: { timeoutMs?: number; conversationBaseUrl?: string } = {}) {
  const api = new SinchApi({
    projectId: sim.projectId,
    keyId: 'key-id',
    keySecret: 'key-secret',
    region: 'eu',
    conversationBaseUrl: overrides.conversationBaseUrl ?? sim.url,
    authBaseUrl: sim.url,
    ...(overrides.timeoutMs !== undefined && { timeoutMs: overrides.timeoutMs }),
  });
  return new SinchSender({
    api,
    limiter: new RateLimiter(1000),
    retry: { maxAttempts: 3, baseMs: 10, maxMs: 50 },
    logger: createLogger('test', 'silent'),
  });
}

const text = (body: string): SendPlan => ({
  kind: 'text',
  options: { appId: 'sim-app', recipient: { contactId: 'C1' }, text: body },
});
const messagesWith = (body: string) =>
  [...sim.state.sentMessages.values()].filter((m) => JSON.stringify(m.message).includes(body));

it('does not retry a send that timed out after its request reached Sinch: FAILED UNKNOWN_OUTCOME_NO_ANSWER, one message', async () => {
  sim.failNext('messages:send', [{ delayMs: 400 }]); // answered late: the message is sent all the same
  const outcome = await sender({ timeoutMs: 100 }).execute(text('slow answer'), 'sim-app');
  expect(outcome).toMatchObject({
    outcome: 'FAILED',
    attempt: 1,
    errorCode: UNKNOWN_OUTCOME_NO_ANSWER,
    httpStatus: null,
  });
  await new Promise((r) => setTimeout(r, 600));
  expect(sim.requests('messages:send')).toHaveLength(1);
  expect(messagesWith('slow answer')).toHaveLength(1); // Sinch did send it: a retry would have sent a second
});

it('does not retry a send whose connection was dropped unanswered', async () => {
  sim.failNext('messages:send', [{ dropConnection: true }]);
  const outcome = await sender().execute(text('dropped'), 'sim-app');
  expect(outcome).toMatchObject({ outcome: 'FAILED', errorCode: UNKNOWN_OUTCOME_NO_ANSWER });
  expect(sim.requests('messages:send')).toHaveLength(1);
});

it('retries a send answered 503 (refused by Sinch), and one that could not connect', async () => {
  sim.failNext('messages:send', [{ status: 503 }]);
  expect(await sender().execute(text('after a 503'), 'sim-app')).toMatchObject({
    outcome: 'SENT',
    attempt: 2,
  });
  expect(messagesWith('after a 503')).toHaveLength(1);

  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const { port } = closed.address() as { port: number };
  await new Promise((r) => closed.close(r));
  const refused = await sender({ conversationBaseUrl: `http://127.0.0.1:${port}` }).execute(
    text('nowhere'),
    'sim-app',
  );
  expect(refused).toMatchObject({ outcome: 'FAILED', attempt: 3, errorCode: 'NETWORK_ERROR' });
});

it('retries a conversation stop that got no answer: a second stop changes nothing', async () => {
  sim.failNext('conversations:stop', [{ dropConnection: true }]);
  const outcome = await sender().execute({ kind: 'stop', conversationId: 'nope' }, 'sim-app');
  expect(outcome.attempt).toBe(2);
  expect(sim.requests('conversations:stop')).toHaveLength(2);
});
